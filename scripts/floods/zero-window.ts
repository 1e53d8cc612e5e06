// Zero-window flood: connections that set SETTINGS_INITIAL_WINDOW_SIZE 0
// and never read, each opening many streams at once — half SayHelloStream
// (count 100, a message every millisecond) and half SayHello — with a long
// name, so every answer is bytes the server must hold for a peer that takes
// none. The flow budget must bound them: past its per-stream, per-connection
// and process budgets handlers wait and new streams are refused, and stalled
// streams are reset after stallTimeoutMs, releasing what they held.
import { setting } from "../fuzz/http2-frames.js";
import { type Flood, type FloodContext, sleepUntil } from "./flood.js";
import { type FloodCall, grpcCallFrames, openRawH2, type RawH2 } from "./raw-h2.js";

/** The shape of a zero-window flood. */
export interface ZeroWindowOptions {
  readonly connections: number;
  readonly streamsPerConnection: number;
  /** Attacker addresses the connections are spread over (each holds at most 1024 streams). */
  readonly addresses: number;
  /**
   * Bytes of the name every call sends; each greeting repeats it, so a
   * SayHelloStream of 100 answers with about 100 × this many bytes.
   */
  readonly nameBytes: number;
  /** What the streams ask for, in turn (default SayHelloStream, then SayHello). */
  readonly rpcs: readonly FloodCall["rpc"][];
  /** Messages each SayHelloStream asks for (at most 100). */
  readonly streamCount: number;
  /** How long the connections are held unread (past stallTimeoutMs, 10 s, stalled streams are reset). */
  readonly holdSeconds: number;
  readonly rssBoundMiB: number;
}

/** The runner's flood: 64 connections × 64 streams from 8 addresses, held 12 s. */
export const zeroWindowDefaults: ZeroWindowOptions = {
  connections: 64,
  streamsPerConnection: 64,
  addresses: 8,
  nameBytes: 2_600,
  rpcs: ["SayHelloStream", "SayHello"],
  streamCount: 100,
  holdSeconds: 12,
  rssBoundMiB: 450,
};

/** Builds the flood; the defaults are {@link zeroWindowDefaults}. */
export function zeroWindowFlood(options: Partial<ZeroWindowOptions> = {}): Flood {
  const o = { ...zeroWindowDefaults, ...options };
  return {
    name: "zero-window",
    description: `${o.connections} connections × ${o.streamsPerConnection} streams (SETTINGS_INITIAL_WINDOW_SIZE 0, never read) from ${o.addresses} addresses, half SayHelloStream count 100, half SayHello, ${o.nameBytes}-byte names, held ${o.holdSeconds} s`,
    seconds: o.holdSeconds + 8,
    addresses: o.addresses,
    rssBoundMiB: o.rssBoundMiB,
    run: (ctx) => run(ctx, o),
  };
}

/** Request bytes written to one connection before a pause, under the server's 65,535-byte connection window. */
const windowChunk = 60_000;

async function run(ctx: FloodContext, o: ZeroWindowOptions): Promise<void> {
  const authority = new URL(ctx.url).host;
  const name = "z".repeat(o.nameBytes);
  const calls: FloodCall[] = o.rpcs.map((rpc) =>
    rpc === "SayHello" ? { rpc, name } : { rpc, name, count: o.streamCount, intervalMs: 1 },
  );
  const perChunk = Math.max(1, Math.floor(windowChunk / (o.nameBytes + 16)));
  const open = async (i: number): Promise<RawH2> => {
    const conn = await openRawH2(ctx.url, {
      localAddress: ctx.addresses[i % ctx.addresses.length] as string,
      settings: [[setting.initialWindowSize, 0]],
      tally: ctx.tally,
      ack: false,
    });
    conn.stopReading();
    // This client never reads the server's WINDOW_UPDATEs, so it paces its
    // request bodies instead: a chunk within the connection window, then a
    // pause in which the server consumes it and grants the window again.
    for (let j = 0; j < o.streamsPerConnection && !conn.closed; j += perChunk) {
      const frames: Buffer[] = [];
      for (let k = j; k < Math.min(j + perChunk, o.streamsPerConnection); k++) {
        frames.push(grpcCallFrames(2 * k + 1, calls[k % calls.length] as FloodCall, authority));
      }
      conn.write(Buffer.concat(frames));
      if (j + perChunk < o.streamsPerConnection) await sleepUntil(ctx.deadline, 100);
    }
    return conn;
  };
  const conns = await Promise.all(Array.from({ length: o.connections }, (_, i) => open(i)));
  ctx.tally.add("streams opened", o.connections * o.streamsPerConnection);
  const holdUntil = Math.min(performance.now() + o.holdSeconds * 1000, ctx.deadline - 2_000);
  let peakSampled = 0;
  while (performance.now() < holdUntil) {
    peakSampled = Math.max(peakSampled, ctx.rssKiB());
    await sleepUntil(holdUntil, 250);
  }
  ctx.note("peak VmRSS sampled while held, MiB", (peakSampled / 1024).toFixed(1));
  // Now read what the server sent while it was not read: its resets and refusals.
  for (const c of conns) c.startReading();
  await sleepUntil(ctx.deadline, 1_000);
  for (const c of conns) c.destroy();
}
