// The servers the benchmark compares, each run as users run it: plain
// `node` on built JavaScript (the esbuild bundle `dist/server/main.js` for
// this server, esbuild bundles of bench/servers/*.ts for the peers, see
// build.ts), stdout to a file, pinned to one CPU — and which rows each of
// them serves.
import type { Row } from "./wire.js";

export type ServerId = "A" | "A-quiet" | "A0" | "B" | "C" | "D";

/** One server of the comparison: what the report calls it, and how it is started. */
export interface ServerSpec {
  readonly id: ServerId;
  /** Short name for tables. */
  readonly name: string;
  /** What it is, for the report. */
  readonly description: string;
  /** The JavaScript file node runs, relative to the repository root. */
  readonly entry: string;
  /** Arguments after the listen flags. */
  readonly args: readonly string[];
  /** Variables set on top of the bench's environment. */
  readonly env: Readonly<Record<string, string>>;
  /** It announces a separate HTTP/1.1 port. */
  readonly separateHttp1: boolean;
  supports(row: Row): boolean;
}

/** Where build.ts writes the peers' bundles (dist/ is not committed). */
export const bundleDir = "dist/bench";

export const serverSpecs: readonly ServerSpec[] = [
  {
    id: "A",
    name: "A hello-metadata",
    description:
      "this server as users run it: `node dist/server/main.js` (the esbuild bundle of `npm run build`), every feature on, LOG_LEVEL=info (one JSON line per call) with stdout redirected to a file",
    entry: "dist/server/main.js",
    args: [],
    env: { LOG_LEVEL: "info" },
    separateHttp1: false,
    supports: () => true,
  },
  {
    id: "A-quiet",
    name: "A-quiet warn",
    description: "A with LOG_LEVEL=warn (no per-call log line): what the call log costs",
    entry: "dist/server/main.js",
    args: [],
    env: { LOG_LEVEL: "warn" },
    separateHttp1: false,
    supports: () => true,
  },
  {
    id: "A0",
    name: "A0 metadata off",
    description:
      "A with `--metadata off` (the metadata features disabled), LOG_LEVEL=info: what the metadata features cost",
    entry: "dist/server/main.js",
    args: ["--metadata", "off"],
    env: { LOG_LEVEL: "info" },
    separateHttp1: false,
    supports: () => true,
  },
  {
    id: "B",
    name: "B connect-node",
    description:
      "stock `connectNodeAdapter` (`bench/servers/connect-node.ts`, bundled): same handler with plain `ctx.responseHeader.set` / `ctx.responseTrailer.set`, an h2c server and an HTTP/1.1 server",
    entry: `${bundleDir}/servers/connect-node.js`,
    args: [],
    env: {},
    separateHttp1: true,
    supports: () => true,
  },
  {
    id: "C",
    name: "C grpc-js",
    description:
      "`@grpc/grpc-js` server (`bench/servers/grpc-js.ts`, bundled): hand-written service definition, protobuf-es serializers, `sendMetadata` + status metadata, channelz off; gRPC only",
    entry: `${bundleDir}/servers/grpc-js.js`,
    args: [],
    env: {},
    separateHttp1: false,
    supports: (row) => row.encoding === "grpc",
  },
  {
    id: "D",
    name: "D raw node:http2",
    description:
      "no framework (`bench/servers/raw-http2.ts`, bundled): `node:http2` stream API for h2c and `node:http` for HTTP/1.1, hand-parsed envelopes — the Node limit",
    entry: `${bundleDir}/servers/raw-http2.js`,
    args: [],
    env: {},
    separateHttp1: true,
    supports: () => true,
  },
];

/** The servers that serve SayHelloStream the same way (count, interval_ms, trailers) over gRPC. */
export const streamServers: readonly ServerId[] = ["A", "C", "D"];
/** The servers of the fixed-load latency comparison. */
export const latencyServers: readonly ServerId[] = ["A", "C"];
/** The servers whose allocations per call are counted. */
export const allocServers: readonly ServerId[] = ["A", "A0", "C", "D"];

export function specOf(id: ServerId): ServerSpec {
  return serverSpecs.find((s) => s.id === id) as ServerSpec;
}
