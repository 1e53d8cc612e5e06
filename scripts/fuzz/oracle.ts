// The survival oracle: what must hold after every round of fuzz cases,
// whatever the cases were. The process is alive; a bystander call on a
// fresh connection succeeds within its bound; the process stays within a
// memory and a file descriptor bound; and it has printed nothing on stderr (a trace there is an
// error nobody handled). Each failure comes with a signature — the exit and
// the first frame of the trace, the bystander's reason — so that repeats of
// one bug can be told from a second bug.
import { callBystander } from "./bystander.js";
import type { Target } from "./target.js";

/** What the oracle found. `complained` is a warning, the rest are failures. */
export type VerdictKind = "survived" | "died" | "wedged" | "bloated" | "complained";

/** The oracle's verdict on a round. */
export interface Verdict {
  readonly kind: VerdictKind;
  /** What tells this failure from others: stable across repeats of one bug. */
  readonly signature: string;
  /** What a report shows: the stderr, the bystander's reason, the memory. */
  readonly detail: string;
}

/** The oracle's bounds. */
export interface OracleOptions {
  /** How long the bystander's call may take. */
  readonly bystanderTimeoutMs: number;
  /** Resident memory past which the server is bloated. */
  readonly maxRssMiB: number;
  /**
   * Open file descriptors past which the server is bloated: between rounds
   * every fuzz connection is closed, so descriptors that pile up are leaks.
   */
  readonly maxOpenFds: number;
}

const survived: Verdict = { kind: "survived", signature: "", detail: "" };

/**
 * Checks `target` after a round. `stderrFrom` is how much of its stderr
 * was already there before the round (only what came after counts). A
 * bystander failure is a death if the process exits within a second after
 * it (it was dying), else a wedge.
 */
export async function checkSurvival(
  target: Target,
  stderrFrom: number,
  o: OracleOptions,
): Promise<Verdict> {
  if (target.exitStatus() === undefined) {
    const bystander = await callBystander(target.url, o.bystanderTimeoutMs);
    if (!bystander.ok) {
      const exit = await Promise.race([
        target.closed,
        new Promise<undefined>((r) => setTimeout(r, 1_000)),
      ]);
      if (exit === undefined) {
        return {
          kind: "wedged",
          signature: `bystander: ${normalize(bystander.reason)}`,
          detail: `the process is alive but the bystander's SayHello failed: ${bystander.reason}`,
        };
      }
    }
  }
  if (target.exitStatus() !== undefined) {
    const status = await target.closed;
    const stderr = target.stderr().slice(stderrFrom);
    const how = status.signal ? `signal ${status.signal}` : `exit ${status.code}`;
    // The trace that killed it comes last; complaints before it are not its signature.
    return { kind: "died", signature: `${how}: ${traceSignature(stderr, "last")}`, detail: stderr };
  }
  const rss = target.rssKiB();
  if (rss !== undefined && rss > o.maxRssMiB * 1024) {
    return {
      kind: "bloated",
      signature: `resident memory over ${o.maxRssMiB} MiB`,
      detail: `resident memory ${Math.round(rss / 1024)} MiB after the round (bound ${o.maxRssMiB} MiB)`,
    };
  }
  const fds = target.openFds();
  if (fds !== undefined && fds > o.maxOpenFds) {
    return {
      kind: "bloated",
      signature: `open descriptors over ${o.maxOpenFds}`,
      detail: `${fds} open file descriptors after the round, when every fuzz connection was closed (bound ${o.maxOpenFds})`,
    };
  }
  const stderr = target.stderr().slice(stderrFrom);
  if (stderr.trim() !== "")
    return { kind: "complained", signature: traceSignature(stderr), detail: stderr };
  return survived;
}

/**
 * The signature of a trace on stderr: its first (or last) error line (one that names
 * an `…Error` or `…Exception`, or Node's `FATAL ERROR`; quoted parts and
 * numbers replaced, so that one bug's repeats match) and its first stack
 * frame outside Node's own code (or its first frame, if all are Node's),
 * without the column. Stderr with no error line is named by its first line.
 */
export function traceSignature(stderr: string, which: "first" | "last" = "first"): string {
  const lines = stderr.split("\n");
  const isError = (l: string) =>
    /\b(?:[A-Z]\w*)?(?:Error|Exception)\b(?: \[\w+\])?:/.test(l) || /^\s*FATAL ERROR/.test(l);
  const start = which === "first" ? lines.findIndex(isError) : lines.findLastIndex(isError);
  if (start < 0) {
    const first = lines.find((l) => l.trim() !== "");
    return first === undefined ? "(no output)" : normalize(first.trim());
  }
  const headline = normalize((lines[start] as string).trim());
  // The trace's own frames: the "at" lines right after its error line, not a later trace's.
  const frames: RegExpExecArray[] = [];
  for (const l of lines.slice(start + 1)) {
    if (!/^\s+at /.test(l)) break;
    const m = /^\s+at (?:(.+?) \()?(.+?):(\d+):\d+\)?$/.exec(l);
    if (m) frames.push(m);
  }
  const frame = frames.find((m) => !m[2]?.startsWith("node:")) ?? frames[0];
  if (!frame) return headline;
  const file = (frame[2] as string)
    .replace(/^.*\/node_modules\//, "")
    .replace(/^file:\/\/.*?\/(packages|server|scripts|dist)\//, "$1/");
  return `${headline} at ${frame[1] ?? "<anonymous>"} (${file}:${frame[3]})`;
}

/** Quoted parts and numbers out, so that the same message about other values matches. */
function normalize(line: string): string {
  return line
    .replace(/"[^"]*"|'[^']*'|`[^`]*`/g, "…")
    .replace(/\b\d+\b/g, "N")
    .slice(0, 200);
}
