// The server in its own process (server/main.ts through tsx, or any other
// command that prints "listening on <url>", such as the built
// dist/server/main.js `npm start` runs), optionally pinned to one CPU, with
// its JSON log lines going straight to a file, so a load run can read its
// memory from /proc and count its logged calls afterwards.
import { type ChildProcess, spawn } from "node:child_process";
import { closeSync, openSync, readFileSync } from "node:fs";
import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { fileURLToPath } from "node:url";

const root = fileURLToPath(new URL("../..", import.meta.url));

/** Options for {@link startServerProcess}. */
export interface ServerProcessOptions {
  /** Folder for the log file. */
  readonly dir: string;
  /** Pin the server to this CPU with taskset. */
  readonly cpu?: number;
  /** LOG_LEVEL; default "info" (one line per call). */
  readonly logLevel?: string;
  /** Log file name inside `dir`; default "server.log". */
  readonly logName?: string;
  /**
   * The program and its leading arguments; default server/main.ts through
   * tsx. `--port 0 --host 127.0.0.1` and then `args` are appended, and it
   * must print "listening on <url>" on stdout.
   */
  readonly command?: readonly string[];
  /** Arguments after `--port 0 --host 127.0.0.1`. */
  readonly args?: readonly string[];
}

/** A running server process. */
export interface LoadServer {
  readonly url: string;
  readonly pid: number;
  readonly logFile: string;
  readonly child: ChildProcess;
  /** The exit code, once it has exited (null when killed by a signal). */
  readonly exited: Promise<number | null>;
  /** Everything it has written on stderr so far. */
  stderr(): string;
  /** Sends SIGTERM and waits for the exit code. */
  stop(): Promise<number | null>;
  /** SIGKILL, if it still runs. */
  kill(): void;
}

/** server/main.ts through tsx, the default {@link ServerProcessOptions.command}. */
const sourceServer = [process.execPath, "--import", "tsx", "server/main.ts"];

/**
 * Starts the server (server/main.ts unless `command` says otherwise) on a
 * free port of 127.0.0.1, with the project root as its working directory,
 * and waits until it listens.
 */
export async function startServerProcess(o: ServerProcessOptions): Promise<LoadServer> {
  const logFile = join(o.dir, o.logName ?? "server.log");
  const out = openSync(logFile, "w");
  const node = [
    ...(o.command ?? sourceServer),
    "--port",
    "0",
    "--host",
    "127.0.0.1",
    ...(o.args ?? []),
  ];
  const [file, ...args] = o.cpu === undefined ? node : ["taskset", "-c", String(o.cpu), ...node];
  const child = spawn(file as string, args, {
    cwd: root,
    env: { ...process.env, LOG_LEVEL: o.logLevel ?? "info" },
    stdio: ["ignore", out, "pipe"],
  });
  // The child has its own copy of the descriptor; a caller that starts many
  // servers (the fuzzer restarts one after each death) must not leak ours.
  closeSync(out);
  let stderr = "";
  child.stderr?.on("data", (c: Buffer) => {
    stderr += c.toString();
  });
  const exited = new Promise<number | null>((resolve) => child.once("exit", (c) => resolve(c)));
  let gone = false;
  void exited.then(() => {
    gone = true;
  });
  const deadline = Date.now() + 30_000;
  let url: string | undefined;
  while (url === undefined) {
    const m = /listening on (http:\/\/\S+)/.exec(await readFile(logFile, "utf8"));
    if (m?.[1]) url = m[1];
    else if (gone) {
      const how = child.signalCode ? `signal ${child.signalCode}` : `code ${child.exitCode}`;
      throw new Error(`server exited (${how}) before listening: ${stderr}`);
    } else if (Date.now() > deadline) {
      child.kill("SIGKILL");
      throw new Error(`server did not start in 30 s: ${stderr}`);
    } else await new Promise((r) => setTimeout(r, 50));
  }
  if (child.pid === undefined) throw new Error("server has no pid");
  return {
    url,
    pid: child.pid,
    logFile,
    child,
    exited,
    stderr: () => stderr,
    stop: () => {
      if (!gone) child.kill("SIGTERM");
      return exited;
    },
    kill: () => {
      if (!gone) child.kill("SIGKILL");
    },
  };
}

/** VmRSS and VmHWM (peak RSS) of a process, in KiB, from /proc/<pid>/status. */
export function memoryOf(pid: number): { rssKiB: number; peakKiB: number } {
  const status = readFileSync(`/proc/${pid}/status`, "utf8");
  const field = (name: string) => {
    const m = new RegExp(`^${name}:\\s+(\\d+) kB`, "m").exec(status);
    if (!m) throw new Error(`no ${name} in /proc/${pid}/status`);
    return Number(m[1]);
  };
  return { rssKiB: field("VmRSS"), peakKiB: field("VmHWM") };
}

/** Per-call log lines ("msg":"rpc") of one run, counted by code and protocol. */
export interface LoggedCalls {
  readonly total: number;
  readonly ok: number;
  /** `protocol code` → count. */
  readonly byProtocolAndCode: Map<string, number>;
}

/**
 * Counts the server's per-call log lines whose `requestId` is `requestId`
 * (a run sends one `x-request-id` on every call, so its lines can be told
 * from other runs'). The logger writes asynchronously, so this waits up to
 * `settleMs` for `expected` lines to appear.
 */
export async function loggedCalls(
  logFile: string,
  requestId: string,
  expected: number,
  settleMs = 5_000,
): Promise<LoggedCalls> {
  const deadline = Date.now() + settleMs;
  const tag = `"requestId":${JSON.stringify(requestId)}`;
  for (;;) {
    const text = await readFile(logFile, "utf8");
    const counts = new Map<string, number>();
    let total = 0;
    let ok = 0;
    for (const line of text.split("\n")) {
      if (!line.includes(tag)) continue;
      const entry = JSON.parse(line) as {
        msg?: string;
        code?: string;
        protocol?: string;
        requestId?: string;
      };
      if (entry.msg !== "rpc" || entry.requestId !== requestId) continue;
      total++;
      if (entry.code === "ok") ok++;
      const k = `${entry.protocol} ${entry.code}`;
      counts.set(k, (counts.get(k) ?? 0) + 1);
    }
    if (total >= expected || Date.now() > deadline) return { total, ok, byProtocolAndCode: counts };
    await new Promise((r) => setTimeout(r, 100));
  }
}
