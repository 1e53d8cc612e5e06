// One bounded flood against a fresh server process, measured: the server
// is started as users run it (node dist/server/main.js, LOG_LEVEL=info,
// its log to a file, optionally under `ulimit -n`), a bystander calls it
// from 127.0.0.2 for the whole flood, the attacker runs from 127.0.0.3 on,
// and the verdict says whether the server stayed up, answered every
// bystander call, kept its memory within the flood's bound, never reached
// its last-resort handlers and exited 0 on SIGTERM.
import { readFileSync } from "node:fs";
import { readFile } from "node:fs/promises";
import { type ServerProcess, startServerProcess } from "../kit/server-process.js";
import { type BystanderReport, startBystander } from "./bystander-loop.js";
import { createTally, type Tally } from "./tally.js";

/** What a flood gets to work with. */
export interface FloodContext {
  /** The server's base URL (h2c and HTTP/1.1 on one port). */
  readonly url: string;
  /** Where the flood counts what it saw. */
  readonly tally: Tally;
  /** The attacker's addresses, 127.0.0.3 and on, as many as the flood asked for. */
  readonly addresses: readonly string[];
  /** `performance.now()` by which the flood must have stopped sending and closed what it opened. */
  readonly deadline: number;
  /** Facts the flood reports beside the tally (how many streams it held, the sampled RSS, …). */
  note(key: string, value: string | number): void;
  /** The server's VmRSS now, in KiB (the flood may sample it at its own moments). */
  rssKiB(): number;
}

/** One kind of flood. */
export interface Flood {
  readonly name: string;
  /** One line: what it sends and what it is bounded by. */
  readonly description: string;
  /** How long it may run, at most; the harness stops waiting 10 s later. */
  readonly seconds: number;
  /** Attacker addresses it needs (127.0.0.3, 127.0.0.4, …). */
  readonly addresses: number;
  /** The server runs under `ulimit -n` this, when set. */
  readonly descriptorLimit?: number;
  /** The bound on the server's peak RSS (VmHWM) minus its RSS before the flood, in MiB. */
  readonly rssBoundMiB: number;
  run(ctx: FloodContext): Promise<void>;
}

/** How the server is started. */
export interface FloodServer {
  /** Entry file run under node; default `dist/server/main.js` (what `npm start` runs). */
  readonly entry?: string;
  /** Another program instead of node + entry (see ServerProcessOptions.command). */
  readonly command?: readonly string[];
  /** Fixed listen port; 0 picks a free one. */
  readonly port: number;
  /** Pin the server to this CPU. */
  readonly cpu?: number;
  /** Where its stdout (the JSON log) goes. */
  readonly logFile: string;
}

/** A flood's figures and verdict. */
export interface FloodResult {
  readonly name: string;
  readonly rssBeforeKiB: number;
  /** VmHWM at the end of the flood (the server is fresh, so this is the flood's peak). */
  readonly rssPeakKiB: number;
  /** VmRSS once the flood has ended and the server had a few seconds to settle. */
  readonly rssAfterKiB: number;
  readonly rssBoundMiB: number;
  /** Whether the process was still running when the flood ended. */
  readonly up: boolean;
  /** Exit code on SIGTERM after the flood (null: killed by a signal). */
  readonly exitCode: number | null;
  readonly bystander: BystanderReport;
  /** What the attacker saw, counted. */
  readonly attacker: string;
  readonly notes: Readonly<Record<string, string | number>>;
  /** Log lines at fatal (the last-resort handlers) and error level. */
  readonly fatalLines: number;
  readonly errorLines: number;
  readonly seconds: number;
  /** CPU time the server spent during the flood (user + system), in seconds. */
  readonly serverCpuSeconds: number;
  /** What failed; empty when the server survived the flood. */
  readonly failures: readonly string[];
}

/** User + system CPU time of `pid` so far, in seconds (0 once it has gone). */
function cpuSecondsOf(pid: number): number {
  try {
    // Fields after the command name (which is in parentheses and may hold spaces).
    const fields = readFileSync(`/proc/${pid}/stat`, "utf8").split(") ")[1]?.split(" ") ?? [];
    return (Number(fields[11]) + Number(fields[12])) / 100; // utime, stime in clock ticks
  } catch {
    return 0;
  }
}

/** The first loopback address an attacker uses; 127.0.0.2 is the bystander's. */
const firstAttackerOctet = 3;

/**
 * The server command for `s`: node + entry (or `s.command`), run through
 * `bash -c 'ulimit -n N && exec "$@"'` when the flood sets a descriptor limit.
 */
function commandFor(s: FloodServer, descriptorLimit: number | undefined): readonly string[] {
  const program = s.command ?? [process.execPath, s.entry ?? "dist/server/main.js"];
  if (descriptorLimit === undefined) return program;
  return ["bash", "-c", `ulimit -n ${descriptorLimit} && exec "$@"`, "bash", ...program];
}

/** Runs `flood` against a fresh server and measures it; the server is stopped afterwards. */
export async function runFlood(flood: Flood, s: FloodServer): Promise<FloodResult> {
  const server: ServerProcess = await startServerProcess({
    command: commandFor(s, flood.descriptorLimit),
    args: ["--port", String(s.port)],
    env: { LOG_LEVEL: "info" },
    logFile: s.logFile,
    ...(s.cpu === undefined ? {} : { cpu: s.cpu }),
    name: `server for the ${flood.name} flood`,
  });
  try {
    // Warm the serving path first, so that "before" is a served server's RSS.
    const warm = startBystander(server.url, { gapMs: 0 });
    await new Promise((r) => setTimeout(r, 500));
    await warm.stop();
    const rssBeforeKiB = server.memory().rssKiB;
    const tally = createTally();
    const notes: Record<string, string | number> = {};
    const addresses = Array.from(
      { length: flood.addresses },
      (_, i) => `127.0.0.${firstAttackerOctet + i}`,
    );
    const started = performance.now();
    const cpuBefore = cpuSecondsOf(server.pid);
    const bystander = startBystander(server.url);
    let overran = false;
    const rssKiB = () => {
      try {
        return server.memory().rssKiB;
      } catch {
        return 0;
      }
    };
    await Promise.race([
      flood.run({
        url: server.url,
        tally,
        addresses,
        deadline: started + flood.seconds * 1000,
        note: (k, v) => {
          notes[k] = v;
        },
        rssKiB,
      }),
      new Promise<void>((resolve) =>
        setTimeout(
          () => {
            overran = true;
            resolve();
          },
          flood.seconds * 1000 + 10_000,
        ).unref(),
      ),
    ]);
    const seconds = (performance.now() - started) / 1000;
    const serverCpuSeconds = cpuSecondsOf(server.pid) - cpuBefore;
    const up = server.running();
    let rssPeakKiB = 0;
    try {
      rssPeakKiB = server.memory().peakKiB;
    } catch {
      // gone: reported as down
    }
    // A second of calls after the flood: the server must serve at once, not eventually.
    await new Promise((r) => setTimeout(r, 1_000));
    const report = await bystander.stop();
    await new Promise((r) => setTimeout(r, 2_000));
    const rssAfterKiB = rssKiB();
    const exitCode = up ? await server.stop() : await server.exited;
    const log = await readFile(s.logFile, "utf8").catch(() => "");
    const fatalLines = log.split("\n").filter((l) => l.includes('"level":60')).length;
    const errorLines = log.split("\n").filter((l) => l.includes('"level":50')).length;
    const growthMiB = (rssPeakKiB - rssBeforeKiB) / 1024;
    const failures: string[] = [];
    if (!up) failures.push(`the server died (exit ${exitCode}): ${server.stderr().slice(-2000)}`);
    if (overran) failures.push(`the flood did not end within ${flood.seconds + 10} s`);
    if (report.failed > 0)
      failures.push(
        `the bystander failed ${report.failed} of ${report.ok + report.failed} calls: ${JSON.stringify(report.reasons)}`,
      );
    if (report.ok === 0) failures.push("the bystander made no successful call");
    if (up && growthMiB > flood.rssBoundMiB)
      failures.push(
        `peak RSS grew ${growthMiB.toFixed(1)} MiB, past the bound of ${flood.rssBoundMiB} MiB`,
      );
    if (fatalLines > 0) failures.push(`${fatalLines} fatal log lines (last-resort handlers)`);
    if (up && exitCode !== 0) failures.push(`exit code ${exitCode} on SIGTERM`);
    return {
      name: flood.name,
      rssBeforeKiB,
      rssPeakKiB,
      rssAfterKiB,
      rssBoundMiB: flood.rssBoundMiB,
      up,
      exitCode,
      bystander: report,
      attacker: tally.format(),
      notes,
      fatalLines,
      errorLines,
      seconds,
      serverCpuSeconds,
      failures,
    };
  } finally {
    server.kill();
  }
}

/** Resolves after `ms`, or at once when `deadline` (a `performance.now()` time) comes first. */
export function sleepUntil(deadline: number, ms = Number.POSITIVE_INFINITY): Promise<void> {
  const wait = Math.max(0, Math.min(ms, deadline - performance.now()));
  return new Promise((r) => setTimeout(r, wait));
}
