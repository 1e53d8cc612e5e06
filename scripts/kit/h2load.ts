// Runs h2load (Debian's nghttp2-client) — for a number of calls or for a
// duration, over h2c or HTTP/1.1, optionally pinned to one CPU — and reads
// what it prints: counts, status classes, body bytes, req/s, and the
// per-request times of its --log-file for percentiles. One runner for
// `npm run load`, the tests and `npm run bench`; what to send (path, body,
// headers) is the caller's.
import { execFile } from "node:child_process";
import { readFile, rm, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { promisify } from "node:util";

const run = promisify(execFile);

/** The load shape: h2load's -c, -m and -t. */
export interface LoadShape {
  /** -c: connections. */
  readonly connections: number;
  /** -m: concurrent streams per connection (h2c), pipelined requests per connection (HTTP/1.1). */
  readonly streams: number;
  /** -t: threads; h2load's default (1) when undefined. */
  readonly threads?: number;
}

/** How long a run lasts: -n calls in all, or -D seconds. */
export type H2loadLength =
  | { readonly calls: number; readonly seconds?: undefined }
  | { readonly seconds: number; readonly calls?: undefined };

/** Options for {@link runH2load}. */
export type H2loadOptions = LoadShape &
  H2loadLength & {
    /** Server base URL (127.0.0.1), without a trailing slash. */
    readonly url: string;
    /** The path every request goes to, e.g. `rpcPath(HelloService.method.sayHello)`. */
    readonly path: string;
    /** The request body (-d), exactly as it goes on the wire. */
    readonly body: Uint8Array;
    /** Request headers (-H each). */
    readonly headers: Readonly<Record<string, string>>;
    /** --h1: HTTP/1.1 instead of h2c. */
    readonly http1?: boolean;
    /** Pin h2load to this CPU with taskset. */
    readonly cpu?: number;
    /** Folder for the request body file and the per-request log. */
    readonly dir: string;
    /** Stem of those files' names in `dir`; default "h2load" (`h2load.body`, `h2load.log`). */
    readonly name?: string;
    /** Keep per-request times (--log-file) for percentiles; default false. */
    readonly latencies?: boolean;
  };

/** What one h2load run reported. */
export interface H2loadResult extends H2loadReport {
  /** The command line, as run. */
  readonly command: string;
  /**
   * Request times in ms (request start to end of response), sorted, of the
   * requests that finished; empty unless `latencies` was asked for.
   */
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

/**
 * h2load's arguments for one run, without a taskset prefix: -n or -D, the
 * shape, --h1, the body file, the headers, the log file when given, the URL.
 */
export function h2loadArgs(o: H2loadOptions, bodyFile: string, logFile?: string): string[] {
  return [
    ...(o.calls === undefined ? [] : [`-n${o.calls}`]),
    `-c${o.connections}`,
    `-m${o.streams}`,
    ...(o.threads === undefined ? [] : [`-t${o.threads}`]),
    ...(o.seconds === undefined ? [] : [`-D${o.seconds}`]),
    ...(o.http1 ? ["--h1"] : []),
    "-d",
    bodyFile,
    ...Object.entries(o.headers).flatMap(([k, v]) => ["-H", `${k}: ${v}`]),
    ...(logFile === undefined ? [] : [`--log-file=${logFile}`]),
    `${o.url}${o.path}`,
  ];
}

/**
 * Runs h2load once and parses its report (and its per-request log, when
 * `latencies` is set). Overwrites the body and log files of `name` in `dir`.
 *
 * @throws Error with h2load's stderr when it exits non-zero (a usage error:
 * failed calls do not make it fail), or quoting its output when the report
 * is not all there.
 */
export async function runH2load(o: H2loadOptions): Promise<H2loadResult> {
  const name = o.name ?? "h2load";
  const bodyFile = join(o.dir, `${name}.body`);
  await writeFile(bodyFile, o.body);
  const logFile = o.latencies ? join(o.dir, `${name}.log`) : undefined;
  if (logFile) await rm(logFile, { force: true });
  const args = h2loadArgs(o, bodyFile, logFile);
  const [file, argv] =
    o.cpu === undefined ? ["h2load", args] : ["taskset", ["-c", String(o.cpu), "h2load", ...args]];
  const command = `${file} ${argv.join(" ")}`;
  const { stdout } = await run(file, argv, { maxBuffer: 16 * 1024 * 1024 }).catch(
    (e: { code?: unknown; stderr?: string }) => {
      throw new Error(`${command} failed (exit ${String(e.code)}): ${e.stderr ?? ""}`);
    },
  );
  const report = parseReport(stdout);
  const latenciesMs = logFile ? parseRequestLog(await readFile(logFile, "utf8")) : [];
  return { command, ...report, latenciesMs };
}

/** The counts h2load prints in its report. */
export interface H2loadReport {
  readonly total: number;
  readonly succeeded: number;
  readonly failed: number;
  readonly errored: number;
  readonly timeout: number;
  readonly status2xx: number;
  /** 3xx + 4xx + 5xx. */
  readonly statusOther: number;
  /** Response body (DATA) bytes, over all calls. */
  readonly dataBytes: number;
  readonly seconds: number;
  readonly reqPerSec: number;
}

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

/**
 * Request times in ms, sorted, from h2load's --log-file: one line per
 * finished request, tab-separated start (µs since the epoch), HTTP status,
 * and µs until the response ended.
 */
export function parseRequestLog(log: string): number[] {
  return log
    .split("\n")
    .filter(Boolean)
    .map((line) => Number(line.split("\t")[2]) / 1000)
    .sort((a, b) => a - b);
}

/** The p-th percentile (nearest rank) of sorted values; NaN when there are none. */
export function percentile(sorted: readonly number[], p: number): number {
  if (sorted.length === 0) return Number.NaN;
  const i = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return sorted[i] ?? Number.NaN;
}
