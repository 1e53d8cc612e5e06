// What a run reached, so that a fuzzer whose cases all bounce off the
// parser shows itself: the HTTP/1.1 statuses and HTTP/2 frames the server
// answered with, and the calls its handlers logged (by protocol and code).
import { readFileSync } from "node:fs";
import type { Exchange } from "./connection.js";
import type { FuzzCase } from "./fuzz-case.js";
import { describeFrameHead, readFrames } from "./http2-frames.js";

/** Counts by name. */
export type Tally = Map<string, number>;

/** What a run reached. */
export interface Coverage {
  /** `h1 200`, `h1 (no answer)`, `h2 HEADERS`, `h2 GOAWAY(PROTOCOL_ERROR)`, … once per case. */
  readonly answers: Tally;
  /** `grpc ok`, `connect invalid_argument`, …: the server's per-call log lines (the bystander's left out). */
  readonly calls: Tally;
}

/** An empty coverage. */
export function createCoverage(): Coverage {
  return { answers: new Map(), calls: new Map() };
}

function add(t: Tally, key: string, n = 1): void {
  t.set(key, (t.get(key) ?? 0) + n);
}

/** Counts what the server answered one case: each status or frame kind once. */
export function countAnswer(coverage: Coverage, c: FuzzCase, e: Exchange): void {
  const protocol = c.protocol;
  const sentPreface = c.protocol === "h2" && c.preface === "full";
  const clientLeft = c.delivery.kind === "cut" || c.ending === "close" || c.ending === "reset";
  const seen = new Set<string>();
  if (e.error) seen.add(`${protocol} (${e.error})`);
  if (protocol === "h1") {
    for (const m of e.received.toString("latin1").matchAll(/HTTP\/1\.[01] (\d{3})/g))
      seen.add(`h1 ${m[1]}`);
  } else if (sentPreface) {
    for (const f of readFrames(e.received)) seen.add(`h2 ${describeFrameHead(f)}`);
  } else if (e.received.subarray(0, 5).toString("latin1") === "HTTP/") {
    seen.add("h2 (answered as HTTP/1.1)");
  }
  if (
    seen.size === 0 ||
    (protocol === "h2" && [...seen].every((s) => s.startsWith("h2 SETTINGS")))
  ) {
    seen.add(
      `${protocol} (no answer${clientLeft ? ", client left" : e.serverClosed ? ", server closed" : ""})`,
    );
  }
  for (const s of seen) add(coverage.answers, s);
}

/**
 * Adds the calls a server logged in `logFile` (lines with `"msg":"rpc"`),
 * except those whose request id is `skipRequestId` (the bystander's).
 */
export function countLoggedCalls(coverage: Coverage, logFile: string, skipRequestId: string): void {
  let text: string;
  try {
    text = readFileSync(logFile, "utf8");
  } catch {
    return;
  }
  for (const line of text.split("\n")) {
    if (!line.includes('"msg":"rpc"')) continue;
    try {
      const entry = JSON.parse(line) as { protocol?: string; code?: string; requestId?: string };
      if (entry.requestId === skipRequestId) continue;
      add(coverage.calls, `${entry.protocol ?? "?"} ${entry.code ?? "?"}`);
    } catch {
      // A line cut off by a death: not a call that finished.
    }
  }
}

/** A tally as `name ×n` items, most frequent first. */
export function formatTally(t: Tally): string {
  return [...t]
    .sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0]))
    .map(([k, n]) => `${k} ×${n}`)
    .join(", ");
}
