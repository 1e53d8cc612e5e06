// Runs h2load (Debian's nghttp2-client) against SayHello and reads what it
// prints: counts, status classes, body bytes, req/s, and per-request times
// from its --log-file for percentiles.
import { execFile } from "node:child_process";
import { readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { promisify } from "node:util";
import {
  type HelloRequest,
  type Protocol,
  requestBody,
  requestHeaders,
  sayHelloPath,
} from "./h2-calls.js";

const run = promisify(execFile);

/** Options for {@link runH2load}. */
export interface H2loadOptions {
  /** Server base URL (127.0.0.1 only). */
  readonly url: string;
  readonly protocol: Protocol;
  /** -n: total calls. */
  readonly calls: number;
  /** -c: connections. */
  readonly connections: number;
  /** -m: concurrent streams per connection. */
  readonly streams: number;
  /** Folder for the request body file and the per-request log. */
  readonly dir: string;
  /** Pin h2load to this CPU with taskset. */
  readonly cpu?: number;
  /** Keep per-request times (--log-file) for percentiles; default false. */
  readonly latencies?: boolean;
  readonly request?: HelloRequest;
  /** Extra request headers (-H), e.g. an `x-request-id` that tags the run's log lines. */
  readonly headers?: Record<string, string>;
}

/** What one h2load run reported. */
export interface H2loadResult {
  /** The command line, as run. */
  readonly command: string;
  readonly total: number;
  readonly succeeded: number;
  readonly failed: number;
  readonly errored: number;
  readonly timeout: number;
  readonly status2xx: number;
  readonly statusOther: number;
  /** Response body (DATA) bytes, over all calls. */
  readonly dataBytes: number;
  readonly seconds: number;
  readonly reqPerSec: number;
  /** Request times in ms, sorted, when `latencies` was asked for. */
  readonly latenciesMs: number[];
}

/** The user-agent h2load sends (it is echoed in the response, so body sizes depend on it). */
export async function h2loadUserAgent(): Promise<string> {
  const { stdout } = await run("h2load", ["--version"]);
  const m = /nghttp2\/(\S+)/.exec(stdout);
  if (!m) throw new Error(`cannot read h2load's version from ${JSON.stringify(stdout)}`);
  return `h2load nghttp2/${m[1]}`;
}

/** Fails with what to install when h2load is missing. */
export async function requireH2load(): Promise<void> {
  try {
    await run("h2load", ["--version"]);
  } catch {
    throw new Error(
      "h2load not found: install Debian's nghttp2-client (apt-get install nghttp2-client)",
    );
  }
}

/** Runs h2load once and parses its report. */
export async function runH2load(o: H2loadOptions): Promise<H2loadResult> {
  const bodyFile = join(o.dir, `${o.protocol}-request.bin`);
  await writeFile(bodyFile, requestBody(o.protocol, o.request ?? { name: "load" }));
  const logFile = join(o.dir, `${o.protocol}-h2load.log`);
  const args = [
    `-n${o.calls}`,
    `-c${o.connections}`,
    `-m${o.streams}`,
    "-d",
    bodyFile,
    ...Object.entries({ ...requestHeaders(o.protocol), ...o.headers }).flatMap(([k, v]) => [
      "-H",
      `${k}: ${v}`,
    ]),
    ...(o.latencies ? [`--log-file=${logFile}`] : []),
    `${o.url}${sayHelloPath}`,
  ];
  const [file, argv] =
    o.cpu === undefined ? ["h2load", args] : ["taskset", ["-c", String(o.cpu), "h2load", ...args]];
  // h2load exits 0 even when calls fail; a non-zero exit is a usage error.
  const { stdout } = await run(file, argv, { maxBuffer: 16 * 1024 * 1024 }).catch(
    (e: { code?: unknown; stderr?: string }) => {
      throw new Error(
        `${file} ${argv.join(" ")} failed (exit ${String(e.code)}): ${e.stderr ?? ""}`,
      );
    },
  );
  const result = parseReport(stdout);
  let latenciesMs: number[] = [];
  if (o.latencies) {
    // Columns: start (µs since epoch), HTTP status, µs until the response ended.
    latenciesMs = (await readFile(logFile, "utf8"))
      .split("\n")
      .filter(Boolean)
      .map((line) => Number(line.split("\t")[2]) / 1000)
      .sort((a, b) => a - b);
  }
  return { command: `${file} ${argv.join(" ")}`, ...result, latenciesMs };
}

/** The counts h2load prints in its report. */
export type H2loadReport = Omit<H2loadResult, "command" | "latenciesMs">;

/**
 * Parses h2load's printed report (req/s, requests, status codes, data bytes).
 *
 * @throws Error quoting the output when a line is missing.
 */
export function parseReport(out: string): H2loadReport {
  const need = (re: RegExp): RegExpExecArray => {
    const m = re.exec(out);
    if (!m) throw new Error(`h2load printed no ${re.source}:\n${out}`);
    return m;
  };
  const finished = need(/finished in ([\d.]+)(us|ms|s), ([\d.]+) req\/s/);
  const requests = need(
    /requests: (\d+) total, \d+ started, \d+ done, (\d+) succeeded, (\d+) failed, (\d+) errored, (\d+) timeout/,
  );
  const codes = need(/status codes: (\d+) 2xx, (\d+) 3xx, (\d+) 4xx, (\d+) 5xx/);
  const traffic = need(/traffic: .*\((\d+)\) data/);
  const n = (s: string | undefined) => Number(s);
  return {
    total: n(requests[1]),
    succeeded: n(requests[2]),
    failed: n(requests[3]),
    errored: n(requests[4]),
    timeout: n(requests[5]),
    status2xx: n(codes[1]),
    statusOther: n(codes[2]) + n(codes[3]) + n(codes[4]),
    dataBytes: n(traffic[1]),
    seconds: n(finished[1]) / ({ us: 1e6, ms: 1e3, s: 1 }[finished[2] ?? "s"] ?? 1),
    reqPerSec: n(finished[3]),
  };
}

/** The p-th percentile (nearest rank) of sorted values. */
export function percentile(sorted: readonly number[], p: number): number {
  if (sorted.length === 0) return Number.NaN;
  const i = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return sorted[i] ?? Number.NaN;
}
