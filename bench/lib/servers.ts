// The servers the benchmark compares, each a child process pinned to one
// CPU with taskset, and how to start one and read the URL(s) it prints.
import { type ChildProcess, spawn } from "node:child_process";
import { fileURLToPath } from "node:url";
import type { Row } from "./wire.js";

export const root = fileURLToPath(new URL("../..", import.meta.url));

export type ServerId = "A" | "A0" | "B" | "C" | "D";

/** One server of the comparison. */
export interface ServerSpec {
  readonly id: ServerId;
  /** Short name for tables. */
  readonly name: string;
  /** What it is, for the report. */
  readonly description: string;
  /** Entry file, relative to the repository root. */
  readonly file: string;
  readonly args: readonly string[];
  readonly env: Readonly<Record<string, string>>;
  /** HTTP/1.1 on a port of its own, announced as `listening (HTTP/1.1) on URL`. */
  readonly separateHttp1: boolean;
  supports(row: Row): boolean;
}

const listenFlags = ["--port", "0", "--host", "127.0.0.1"];

export const serverSpecs: readonly ServerSpec[] = [
  {
    id: "A",
    name: "A hello-metadata",
    description: "this server: `server/main.ts`, LOG_LEVEL=warn, one port for HTTP/1.1 and h2c",
    file: "server/main.ts",
    args: listenFlags,
    env: { LOG_LEVEL: "warn" },
    separateHttp1: false,
    supports: () => true,
  },
  {
    id: "A0",
    name: "A0 metadata off",
    description:
      "this server with `--metadata off` (the metadata features disabled), LOG_LEVEL=warn",
    file: "server/main.ts",
    args: [...listenFlags, "--metadata", "off"],
    env: { LOG_LEVEL: "warn" },
    separateHttp1: false,
    supports: () => true,
  },
  {
    id: "B",
    name: "B connect-node",
    description:
      "stock `connectNodeAdapter` (`bench/servers/connect-node.ts`): same handler with plain `ctx.responseHeader.set` / `ctx.responseTrailer.set`, an h2c server and an HTTP/1.1 server",
    file: "bench/servers/connect-node.ts",
    args: listenFlags,
    env: {},
    separateHttp1: true,
    supports: () => true,
  },
  {
    id: "C",
    name: "C grpc-js",
    description:
      "`@grpc/grpc-js` server (`bench/servers/grpc-js.ts`): hand-written service definition, protobuf-es serializers, `sendMetadata` + status metadata, channelz off; gRPC only",
    file: "bench/servers/grpc-js.ts",
    args: listenFlags,
    env: {},
    separateHttp1: false,
    supports: (row) => row.encoding === "grpc",
  },
  {
    id: "D",
    name: "D raw node:http2",
    description:
      "no framework (`bench/servers/raw-http2.ts`): `node:http2` stream API for h2c and `node:http` for HTTP/1.1, hand-parsed envelopes — the Node limit",
    file: "bench/servers/raw-http2.ts",
    args: listenFlags,
    env: {},
    separateHttp1: true,
    supports: () => true,
  },
];

/** A running server process. */
export interface ServerProcess {
  readonly spec: ServerSpec;
  readonly pid: number;
  /** Base URL for h2c. */
  readonly h2cUrl: string;
  /** Base URL for HTTP/1.1 (the same as h2cUrl on a one-port server). */
  readonly http1Url: string;
  readonly child: ChildProcess;
  /** What it printed (the last 64 KiB), for error reports. */
  output(): string;
  /** SIGTERM, then SIGKILL after `graceMs`; resolves with the exit code (null when killed). */
  stop(graceMs?: number): Promise<number | null>;
}

/** The command line a server runs with, pinned to `cpu`. */
export function serverCommand(spec: ServerSpec, cpu: number): string[] {
  return [
    "taskset",
    "-c",
    String(cpu),
    process.execPath,
    "--import",
    "tsx",
    spec.file,
    ...spec.args,
  ];
}

/**
 * Starts a server pinned to `cpu` and waits until it prints its URL(s).
 * Rejects with its output when it exits first or takes longer than
 * `timeoutMs` (the first start compiles TypeScript on one CPU).
 */
export function startServer(
  spec: ServerSpec,
  cpu: number,
  timeoutMs = 90_000,
): Promise<ServerProcess> {
  const [file, ...args] = serverCommand(spec, cpu);
  // taskset execs node, so the child's pid is the server's.
  const child = spawn(file as string, args, {
    cwd: root,
    env: { ...process.env, ...spec.env },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let out = "";
  const keep = (c: Buffer) => {
    out += c.toString();
    if (out.length > 65_536) out = out.slice(-65_536);
  };
  child.stdout?.on("data", keep);
  child.stderr?.on("data", keep);
  const exited = new Promise<number | null>((resolve) =>
    child.once("exit", (code) => resolve(code)),
  );
  let gone = false;
  void exited.then(() => {
    gone = true;
  });
  return new Promise<ServerProcess>((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill("SIGKILL");
      reject(new Error(`${spec.name} did not start within ${timeoutMs / 1000} s:\n${out}`));
    }, timeoutMs);
    const onData = () => {
      const h2 = /listening on (http:\/\/\S+)/.exec(out)?.[1];
      const h1 = /listening \(HTTP\/1\.1\) on (http:\/\/\S+)/.exec(out)?.[1];
      if (h2 === undefined || (spec.separateHttp1 && h1 === undefined)) return;
      clearTimeout(timer);
      child.stdout?.off("data", onData);
      if (child.pid === undefined) {
        reject(new Error(`${spec.name} has no pid`));
        return;
      }
      resolve({
        spec,
        pid: child.pid,
        h2cUrl: h2,
        http1Url: h1 ?? h2,
        child,
        output: () => out,
        stop: (graceMs = 12_000) => {
          if (gone) return exited;
          child.kill("SIGTERM");
          const kill = setTimeout(() => {
            if (!gone) child.kill("SIGKILL");
          }, graceMs);
          return exited.finally(() => clearTimeout(kill));
        },
      });
    };
    child.stdout?.on("data", onData);
    void exited.then((code) => {
      clearTimeout(timer);
      reject(new Error(`${spec.name} exited with ${code} before listening:\n${out.trim()}`));
    });
  });
}
