// The server under fuzz: a child process started exactly as `npm start`
// starts it (node dist/server/main.js, on 127.0.0.1 and a free port), or
// any other command that prints "listening on <url>" (the oracle's self-test
// starts a deliberately fragile server this way). Its JSON log lines go to
// a file per start; its stderr is kept, so a death can be told by its trace.
import { readdirSync } from "node:fs";
import { join } from "node:path";
import { type ServerProcess, startServerProcess } from "../kit/server-process.js";

/** How to start the server under fuzz. */
export interface TargetSpec {
  /** The program and its leading arguments; `--port 0 --host 127.0.0.1` and `args` follow. */
  readonly command: readonly string[];
  readonly args?: readonly string[];
  /** Pin it to this CPU with taskset. */
  readonly cpu?: number;
  /** LOG_LEVEL; default "info", so every call's log line can be counted. */
  readonly logLevel?: string;
}

/** The server as `npm start` runs it (after `npm run build`). */
export const builtServer: TargetSpec = { command: [process.execPath, "dist/server/main.js"] };

/** How a target ended. */
export interface ExitStatus {
  readonly code: number | null;
  readonly signal: NodeJS.Signals | null;
}

/** A running (or dead) server under fuzz. */
export interface Target {
  readonly url: string;
  readonly port: number;
  readonly pid: number;
  /** The file its stdout (the JSON log) goes to. */
  readonly logFile: string;
  /** Undefined while it runs. */
  exitStatus(): ExitStatus | undefined;
  /** Resolves once it has exited and its stderr is read to the end. */
  readonly closed: Promise<ExitStatus>;
  /** Everything it has written on stderr since it started. */
  stderr(): string;
  /** SIGKILL (if it still runs), and wait until it is gone. */
  kill(): Promise<ExitStatus>;
  /** Resident memory in KiB, from /proc; undefined once it is gone. */
  rssKiB(): number | undefined;
  /** Open file descriptors (sockets included), from /proc; undefined once it is gone. */
  openFds(): number | undefined;
}

/**
 * Starts `spec` with its log in `dir/<name>` and resolves once it listens.
 * @throws when it exits before listening or does not listen within 30 s.
 */
export async function startTarget(spec: TargetSpec, dir: string, name: string): Promise<Target> {
  const logFile = join(dir, name);
  const server: ServerProcess = await startServerProcess({
    logFile,
    command: spec.command,
    args: spec.args ?? [],
    env: { LOG_LEVEL: spec.logLevel ?? "info" },
    ...(spec.cpu === undefined ? {} : { cpu: spec.cpu }),
  });
  let status: ExitStatus | undefined;
  const child = server.child;
  const closed = new Promise<ExitStatus>((resolve) => {
    const done = () => {
      status = { code: child.exitCode, signal: child.signalCode };
      resolve(status);
    };
    if (child.exitCode !== null || child.signalCode !== null) {
      // Already gone: wait for the stderr pipe to drain.
      if (child.stderr?.readableEnded ?? true) done();
      else child.stderr?.once("end", done);
    } else child.once("close", done);
  });
  const port = Number(new URL(server.url).port);
  return {
    url: server.url,
    port,
    pid: server.pid,
    logFile,
    exitStatus: () => status,
    closed,
    stderr: server.stderr,
    kill: () => {
      server.kill();
      return closed;
    },
    rssKiB: () => {
      try {
        return server.memory().rssKiB;
      } catch {
        return undefined;
      }
    },
    openFds: () => {
      try {
        return readdirSync(`/proc/${server.pid}/fd`).length;
      } catch {
        return undefined;
      }
    },
  };
}
