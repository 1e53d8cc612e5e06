// Runs h2load for a fixed duration against one server and row — h2c, or
// HTTP/1.1 with --h1 — pinned to one CPU, and reads its report and the
// per-request times of its --log-file.
import { execFile } from "node:child_process";
import { readFile, rm, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { promisify } from "node:util";
import { sayHelloPath } from "../../scripts/kit/h2-calls.js";
import { type H2loadReport, parseReport, percentile } from "../../scripts/kit/h2load.js";
import { type Row, requestBody, requestHeaders } from "./wire.js";

const run = promisify(execFile);

/** The load shape: h2load's -c, -m and -t. */
export interface LoadShape {
  readonly connections: number;
  /** -m: concurrent streams per connection (h2c), pipelined requests per connection (HTTP/1.1). */
  readonly streams: number;
  readonly threads: number;
}

export interface H2loadOptions extends LoadShape {
  /** Base URL of the server (127.0.0.1). */
  readonly url: string;
  readonly row: Row;
  /** -D: how long to run. */
  readonly seconds: number;
  /** Pin h2load to this CPU with taskset. */
  readonly cpu: number;
  /** Folder for the request body and the per-request log. */
  readonly dir: string;
}

/** What one h2load run reported: its printed report plus latency percentiles from its log. */
export type H2loadResult = H2loadReport & {
  readonly command: string;
  readonly p50Ms: number;
  readonly p99Ms: number;
  /** Requests in the --log-file (finished within the duration). */
  readonly logged: number;
};

/** The h2load command line for one run, without the taskset prefix. */
export function h2loadArgs(o: H2loadOptions, bodyFile: string, logFile: string): string[] {
  return [
    `-c${o.connections}`,
    `-m${o.streams}`,
    `-t${o.threads}`,
    `-D${o.seconds}`,
    ...(o.row.http === "http1" ? ["--h1"] : []),
    "-d",
    bodyFile,
    ...Object.entries(requestHeaders(o.row.encoding)).flatMap(([k, v]) => ["-H", `${k}: ${v}`]),
    `--log-file=${logFile}`,
    `${o.url}${sayHelloPath}`,
  ];
}

/** Runs h2load once and parses its report and per-request log. */
export async function runH2load(o: H2loadOptions): Promise<H2loadResult> {
  const bodyFile = join(o.dir, `${o.row.id}.body`);
  await writeFile(bodyFile, requestBody(o.row.encoding));
  const logFile = join(o.dir, "h2load-requests.log");
  await rm(logFile, { force: true });
  const args = ["-c", String(o.cpu), "h2load", ...h2loadArgs(o, bodyFile, logFile)];
  const { stdout } = await run("taskset", args, { maxBuffer: 16 * 1024 * 1024 });
  const report = parseReport(stdout);
  // Columns: start (µs since epoch), HTTP status, µs until the response ended.
  const latencies = (await readFile(logFile, "utf8"))
    .split("\n")
    .filter(Boolean)
    .map((line) => Number(line.split("\t")[2]) / 1000)
    .sort((a, b) => a - b);
  return {
    command: `taskset ${args.join(" ")}`,
    ...report,
    p50Ms: percentile(latencies, 50),
    p99Ms: percentile(latencies, 99),
    logged: latencies.length,
  };
}
