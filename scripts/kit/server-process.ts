// One way to run a server in a child process — for the integration tests,
// `npm run load`, `npm run bench` and the Playwright setup. It starts an
// entry file on a free port of 127.0.0.1 (optionally pinned to one CPU),
// waits for the "listening on URL" line, and hands back the URL, the pid,
// what the server printed, its exit and a way to stop it.
import { type ChildProcess, spawn } from "node:child_process";
import { closeSync, openSync, readFileSync } from "node:fs";
import { readFile } from "node:fs/promises";
import { fileURLToPath } from "node:url";

/** The repository root: entry files are relative to it, and servers run in it. */
export const repoRoot = fileURLToPath(new URL("../..", import.meta.url));

/** The flags every server gets first: port 0 (a free one) on 127.0.0.1. */
export const listenFlags: readonly string[] = ["--port", "0", "--host", "127.0.0.1"];

/** Options for {@link startServerProcess}; every one is optional. */
export interface ServerProcessOptions {
  /**
   * Entry file, relative to the repository root; default `server/main.ts`.
   * A `.ts` file runs under `node --import tsx`, any other (the built
   * `dist/server/main.js`) under plain node.
   */
  readonly entry?: string;
  /**
   * Any other program that takes `--port` and `--host` and prints
   * "listening on URL" (its file and leading arguments), instead of an
   * entry under node; the fuzzer's fragile test server is one.
   */
  readonly command?: readonly string[];
  /** Arguments after {@link listenFlags}, e.g. `["--downstream", url]`. */
  readonly args?: readonly string[];
  /** Variables set on top of this process's environment, e.g. `{ LOG_LEVEL: "warn" }`. */
  readonly env?: Readonly<Record<string, string>>;
  /** Pin the server to this CPU with taskset (which execs node: the pid is the server's). */
  readonly cpu?: number;
  /**
   * Write stdout straight to this file (truncated first) instead of through
   * a pipe to this process, so that a server under load does not wait on
   * its parent and a run can count its log lines afterwards. Then `logs`
   * stays empty and `output()` holds only stderr.
   */
  readonly logFile?: string;
  /**
   * The server serves HTTP/1.1 on a port of its own and says so on a second
   * line, `listening (HTTP/1.1) on URL`: wait for that line too.
   */
  readonly separateHttp1?: boolean;
  /** Copy stderr to this process's stderr as it comes; it is captured either way. */
  readonly echoStderr?: boolean;
  /** How long to wait for the URL(s) before killing the server; default 30 s. */
  readonly timeoutMs?: number;
  /** What error messages call the server; default the entry file. */
  readonly name?: string;
}

/** VmRSS and VmHWM (peak RSS) of a process, in KiB. */
export interface Memory {
  readonly rssKiB: number;
  readonly peakKiB: number;
}

/** A server running in its own process, listening. */
export interface ServerProcess {
  /** Base URL of its HTTP/2 (h2c) port, the only port of a one-port server. */
  readonly url: string;
  /** Base URL for HTTP/1.1: `url`, unless `separateHttp1` was set. */
  readonly http1Url: string;
  readonly pid: number;
  readonly child: ChildProcess;
  /** The file stdout goes to, when `logFile` was set. */
  readonly logFile: string | undefined;
  /**
   * Every JSON line printed on stdout so far, parsed, in order (lines that
   * are not JSON are skipped). Grows while the server runs; empty with `logFile`.
   */
  readonly logs: readonly Record<string, unknown>[];
  /** What it printed on stderr (the last 64 KiB). */
  stderr(): string;
  /** What it printed on stdout (unless `logFile`) and stderr, interleaved (the last 64 KiB). */
  output(): string;
  /** Resolves with the exit code once it has exited (null when a signal killed it). */
  readonly exited: Promise<number | null>;
  /** Whether it has not exited yet. */
  running(): boolean;
  /**
   * Sends SIGTERM and resolves with the exit code; sends SIGKILL if it still
   * runs `graceMs` (default 12 s) later. Resolves at once when it has exited.
   */
  stop(graceMs?: number): Promise<number | null>;
  /** Sends SIGKILL, if it still runs. */
  kill(): void;
  /** Its memory now, from /proc. */
  memory(): Memory;
}

/**
 * The command line a server runs with, as `[file, ...args]`: `taskset -c
 * CPU` when pinned, node (with `--import tsx` for a `.ts` entry), the
 * entry, {@link listenFlags}, then `args`.
 */
export function serverCommand(o: ServerProcessOptions = {}): string[] {
  const entry = o.entry ?? "server/main.ts";
  const program = o.command ?? [
    process.execPath,
    ...(entry.endsWith(".ts") ? ["--import", "tsx"] : []),
    entry,
  ];
  const node = [...program, ...listenFlags, ...(o.args ?? [])];
  return o.cpu === undefined ? node : ["taskset", "-c", String(o.cpu), ...node];
}

/**
 * {@link serverCommand} as one line for people to read and run: `node`
 * instead of this node's full path.
 */
export function serverCommandLine(o: ServerProcessOptions = {}): string {
  return serverCommand(o).join(" ").replace(process.execPath, "node");
}

/**
 * Starts a server and resolves once it has printed its URL(s). Rejects,
 * quoting what it printed, when it exits first or does not listen within
 * `timeoutMs` (then it is killed).
 */
export async function startServerProcess(o: ServerProcessOptions = {}): Promise<ServerProcess> {
  const name = o.name ?? o.command?.join(" ") ?? o.entry ?? "server/main.ts";
  const [file, ...args] = serverCommand(o);
  const stdoutFd = o.logFile === undefined ? undefined : openSync(o.logFile, "w");
  const child = spawn(file as string, args, {
    cwd: repoRoot,
    env: { ...process.env, ...o.env },
    stdio: ["ignore", stdoutFd ?? "pipe", "pipe"],
  });
  if (stdoutFd !== undefined) closeSync(stdoutFd);

  const output = createTail();
  const stderr = createTail();
  const logs: Record<string, unknown>[] = [];
  let partial = "";
  child.stdout?.on("data", (c: Buffer) => {
    const text = c.toString();
    output.add(text);
    partial += text;
    const lines = partial.split("\n");
    partial = lines.pop() ?? "";
    for (const line of lines) {
      const entry = jsonLine(line);
      if (entry) logs.push(entry);
    }
  });
  child.stderr?.on("data", (c: Buffer) => {
    output.add(c.toString());
    stderr.add(c.toString());
    if (o.echoStderr) process.stderr.write(c);
  });
  const exited = new Promise<number | null>((resolve) => child.once("exit", resolve));
  // "close" comes after "exit", once stdout and stderr are read to the end.
  const closed = new Promise<void>((resolve) => child.once("close", () => resolve()));
  let spawnError: Error | undefined;
  child.once("error", (e) => {
    spawnError = e;
  });
  const running = () => child.exitCode === null && child.signalCode === null;

  const printed = () =>
    o.logFile === undefined ? output.text() : readFile(o.logFile, "utf8").catch(() => "");
  const deadline = Date.now() + (o.timeoutMs ?? 30_000);
  let urls = announcedUrls(await printed());
  while (!urls.url || (o.separateHttp1 && !urls.http1Url)) {
    if (spawnError) throw new Error(`${name} did not start: ${spawnError.message}`);
    if (!running()) {
      const code = await exited;
      await Promise.race([closed, new Promise((r) => setTimeout(r, 1_000))]);
      throw new Error(`${name} exited with ${code} before listening:\n${output.text().trim()}`);
    }
    if (Date.now() > deadline) {
      child.kill("SIGKILL");
      throw new Error(
        `${name} did not listen within ${(o.timeoutMs ?? 30_000) / 1000} s:\n${output.text()}`,
      );
    }
    await Promise.race([exited, new Promise((r) => setTimeout(r, 25))]);
    urls = announcedUrls(await printed());
  }
  const pid = child.pid;
  if (pid === undefined) throw new Error(`${name} has no pid`);
  const url = urls.url;
  return {
    url,
    http1Url: urls.http1Url ?? url,
    pid,
    child,
    logFile: o.logFile,
    logs,
    stderr: stderr.text,
    output: output.text,
    exited,
    running,
    stop: (graceMs = 12_000) => {
      if (!running()) return exited;
      child.kill("SIGTERM");
      const timer = setTimeout(() => {
        if (running()) child.kill("SIGKILL");
      }, graceMs);
      return exited.finally(() => clearTimeout(timer));
    },
    kill: () => {
      if (running()) child.kill("SIGKILL");
    },
    memory: () => memoryOf(pid),
  };
}

/**
 * The URLs a server announced in `printed`: `listening on URL` (h2c, or
 * the one port) and `listening (HTTP/1.1) on URL` (a separate HTTP/1.1
 * port), each the first of its kind; undefined where the line is missing.
 */
export function announcedUrls(printed: string): { url?: string; http1Url?: string } {
  const url = /listening on (http:\/\/\S+)/.exec(printed)?.[1];
  const http1Url = /listening \(HTTP\/1\.1\) on (http:\/\/\S+)/.exec(printed)?.[1];
  return { ...(url ? { url } : {}), ...(http1Url ? { http1Url } : {}) };
}

/** VmRSS and VmHWM of a process, from /proc/<pid>/status. Throws when it has gone. */
export function memoryOf(pid: number): Memory {
  const status = readFileSync(`/proc/${pid}/status`, "utf8");
  const field = (name: string) => {
    const m = new RegExp(`^${name}:\\s+(\\d+) kB`, "m").exec(status);
    if (!m) throw new Error(`no ${name} in /proc/${pid}/status`);
    return Number(m[1]);
  };
  return { rssKiB: field("VmRSS"), peakKiB: field("VmHWM") };
}

/** A line of JSON as an object; undefined for anything else (a plain line, a torn one). */
function jsonLine(line: string): Record<string, unknown> | undefined {
  if (!line.startsWith("{")) return undefined;
  try {
    return JSON.parse(line) as Record<string, unknown>;
  } catch {
    return undefined;
  }
}

/** Text appended piece by piece, of which only the last 64 KiB are kept. */
function createTail(limit = 65_536): { add(text: string): void; text(): string } {
  let kept = "";
  return {
    add: (text) => {
      kept += text;
      if (kept.length > limit) kept = kept.slice(-limit);
    },
    text: () => kept,
  };
}
