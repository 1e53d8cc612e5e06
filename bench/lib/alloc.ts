// Bytes allocated per call, counted by V8 itself: the server runs (on its
// own, after the load) under `node --trace-gc-nvp`, which prints one line
// per garbage collection with `allocated=N`, the bytes allocated on the
// JavaScript heap since the collection before. After as many warm-up calls
// as are counted, the bench notes where stdout (a file) ends, sends the
// counted calls with h2load (gRPC unary, the same shape as the load), and
// sums `allocated` over the collections printed meanwhile. The sum is off
// by at most what was allocated between the last collection and the end of
// the window minus the same at its start — one young generation at most
// (a few MB), against hundreds of MB over 60,000 calls. It counts the V8
// heap only: Buffers' backing stores (off-heap) are not in it.
import { readFile, stat } from "node:fs/promises";
import { join } from "node:path";
import { sayHelloPath } from "../../scripts/kit/h2-calls.js";
import { runH2load } from "../../scripts/kit/h2load.js";
import { repoRoot, startServerProcess } from "../../scripts/kit/server-process.js";
import type { NodeBinary } from "./node.js";
import type { ServerSpec } from "./servers.js";
import { requestBody, requestHeaders } from "./wire.js";

export interface Allocation {
  readonly calls: number;
  /** Calls h2load counted as failed, errored, timed out or non-2xx. */
  readonly failed: number;
  readonly collections: number;
  readonly bytes: number;
  readonly bytesPerCall: number;
}

/** Sums `allocated=` over the --trace-gc-nvp lines of `text`. */
export function allocatedIn(text: string): { collections: number; bytes: number } {
  let collections = 0;
  let bytes = 0;
  for (const m of text.matchAll(/ allocated=(\d+)/g)) {
    collections++;
    bytes += Number(m[1]);
  }
  return { collections, bytes };
}

export async function countAllocations(o: {
  spec: ServerSpec;
  node: NodeBinary;
  calls: number;
  serverCpu: number;
  loadCpu: number;
  dir: string;
}): Promise<Allocation> {
  const logFile = join(o.dir, `${o.spec.id}-alloc.stdout`);
  const server = await startServerProcess({
    command: [o.node.path, "--trace-gc-nvp", join(repoRoot, o.spec.entry)],
    args: o.spec.args,
    env: o.spec.env,
    separateHttp1: o.spec.separateHttp1,
    cpu: o.serverCpu,
    logFile,
    timeoutMs: 60_000,
    name: `${o.spec.name} (--trace-gc-nvp)`,
  });
  try {
    const load = (calls: number) =>
      runH2load({
        url: server.url,
        path: sayHelloPath,
        body: requestBody("grpc"),
        headers: requestHeaders("grpc"),
        connections: 8,
        streams: 16,
        threads: 1,
        calls,
        cpu: o.loadCpu,
        dir: o.dir,
        name: `alloc-${o.spec.id}`,
      });
    const warm = await load(o.calls);
    const from = (await stat(logFile)).size;
    const h = await load(o.calls);
    const text = (await readFile(logFile)).subarray(from).toString("latin1");
    const { collections, bytes } = allocatedIn(text);
    return {
      calls: h.succeeded,
      failed: h.failed + h.errored + h.timeout + h.statusOther + warm.failed + warm.statusOther,
      collections,
      bytes,
      bytesPerCall: bytes / Math.max(1, h.succeeded),
    };
  } finally {
    await server.stop();
  }
}
