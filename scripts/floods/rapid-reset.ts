// Rapid reset (CVE-2023-44487): HEADERS for a SayHello and RST_STREAM(CANCEL)
// right after, over and over, from several addresses at once; after each
// GOAWAY the attacker reconnects. The server must send GOAWAY
// (ENHANCE_YOUR_CALM) past maxResetsPerSecond and hold the address off
// (its new connections closed at once), and a bystander's calls must stay
// fast throughout.
import { headersFrame, rstStreamFrame } from "../fuzz/http2-frames.js";
import { sayHelloPath } from "../kit/h2-calls.js";
import type { Flood, FloodContext } from "./flood.js";
import { grpcHeaderBlock } from "./raw-h2.js";
import { reconnecting } from "./reconnect.js";

/** The shape of a rapid-reset flood. */
export interface RapidResetOptions {
  readonly addresses: number;
  readonly seconds: number;
  /** HEADERS + RST_STREAM pairs written per batch, before yielding to the event loop. */
  readonly batch: number;
  /** Streams per connection at most (so a connection the server never stops still ends). */
  readonly maxStreamsPerConnection: number;
  readonly rssBoundMiB: number;
}

/** The runner's flood: 4 addresses, 20 s. */
export const rapidResetDefaults: RapidResetOptions = {
  addresses: 4,
  seconds: 20,
  batch: 100,
  maxStreamsPerConnection: 100_000,
  rssBoundMiB: 100,
};

/** Builds the flood; the defaults are {@link rapidResetDefaults}. */
export function rapidResetFlood(options: Partial<RapidResetOptions> = {}): Flood {
  const o = { ...rapidResetDefaults, ...options };
  return {
    name: "rapid-reset",
    description: `HEADERS + RST_STREAM(CANCEL) in batches of ${o.batch}, reconnecting after every GOAWAY, from ${o.addresses} addresses for ${o.seconds} s`,
    seconds: o.seconds,
    addresses: o.addresses,
    rssBoundMiB: o.rssBoundMiB,
    run: (ctx) => run(ctx, o),
  };
}

async function run(ctx: FloodContext, o: RapidResetOptions): Promise<void> {
  const authority = new URL(ctx.url).host;
  const block = grpcHeaderBlock(sayHelloPath, authority);
  let streams = 0;
  await Promise.all(
    ctx.addresses.map((localAddress) =>
      reconnecting(
        ctx.url,
        { localAddress, tally: ctx.tally, deadline: ctx.deadline },
        async (conn) => {
          let id = 1;
          while (!conn.closed && conn.goaway === undefined && performance.now() < ctx.deadline) {
            const frames: Buffer[] = [];
            for (let i = 0; i < o.batch && id < 2 * o.maxStreamsPerConnection; i++, id += 2) {
              frames.push(headersFrame(id, block), rstStreamFrame(id, 0x8));
            }
            if (frames.length === 0) break;
            streams += frames.length / 2;
            conn.write(Buffer.concat(frames));
            await conn.drained();
            await new Promise((r) => setImmediate(r));
          }
        },
      ),
    ),
  );
  ctx.tally.add("streams reset", streams);
}
