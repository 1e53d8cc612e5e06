// The servers the benchmark compares, each run as a child process pinned
// to one CPU by the shared kit (scripts/kit/server-process.ts), and which
// rows each of them serves.
import type { ServerProcessOptions } from "../../scripts/kit/server-process.js";
import type { Row } from "./wire.js";

export type ServerId = "A" | "A0" | "B" | "C" | "D";

/**
 * One server of the comparison: what the report calls it, and how the kit
 * starts it (`entry` and `args` after the listen flags, `env`, and whether
 * it announces a separate HTTP/1.1 port).
 */
export interface ServerSpec
  extends Required<Pick<ServerProcessOptions, "entry" | "args" | "env" | "separateHttp1">> {
  readonly id: ServerId;
  /** Short name for tables. */
  readonly name: string;
  /** What it is, for the report. */
  readonly description: string;
  supports(row: Row): boolean;
}

export const serverSpecs: readonly ServerSpec[] = [
  {
    id: "A",
    name: "A hello-metadata",
    description: "this server: `server/main.ts`, LOG_LEVEL=warn, one port for HTTP/1.1 and h2c",
    entry: "server/main.ts",
    args: [],
    env: { LOG_LEVEL: "warn" },
    separateHttp1: false,
    supports: () => true,
  },
  {
    id: "A0",
    name: "A0 metadata off",
    description:
      "this server with `--metadata off` (the metadata features disabled), LOG_LEVEL=warn",
    entry: "server/main.ts",
    args: ["--metadata", "off"],
    env: { LOG_LEVEL: "warn" },
    separateHttp1: false,
    supports: () => true,
  },
  {
    id: "B",
    name: "B connect-node",
    description:
      "stock `connectNodeAdapter` (`bench/servers/connect-node.ts`): same handler with plain `ctx.responseHeader.set` / `ctx.responseTrailer.set`, an h2c server and an HTTP/1.1 server",
    entry: "bench/servers/connect-node.ts",
    args: [],
    env: {},
    separateHttp1: true,
    supports: () => true,
  },
  {
    id: "C",
    name: "C grpc-js",
    description:
      "`@grpc/grpc-js` server (`bench/servers/grpc-js.ts`): hand-written service definition, protobuf-es serializers, `sendMetadata` + status metadata, channelz off; gRPC only",
    entry: "bench/servers/grpc-js.ts",
    args: [],
    env: {},
    separateHttp1: false,
    supports: (row) => row.encoding === "grpc",
  },
  {
    id: "D",
    name: "D raw node:http2",
    description:
      "no framework (`bench/servers/raw-http2.ts`): `node:http2` stream API for h2c and `node:http` for HTTP/1.1, hand-parsed envelopes — the Node limit",
    entry: "bench/servers/raw-http2.ts",
    args: [],
    env: {},
    separateHttp1: true,
    supports: () => true,
  },
];
