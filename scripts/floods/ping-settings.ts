// PING and SETTINGS floods: one connection per address writes PING (or
// empty SETTINGS) frames as fast as the socket takes them, reading the
// server's ACKs, and reconnects whenever the server ends the connection.
// The server may answer them or close the connection (nghttp2 sends GOAWAY
// when too many ACKs wait to be sent); it must stay up, bounded, and fast
// for a bystander.
import { pingFrame, settingsFrame } from "../fuzz/http2-frames.js";
import type { Flood, FloodContext } from "./flood.js";
import { reconnecting } from "./reconnect.js";

/** The shape of a control-frame flood. */
export interface ControlFloodOptions {
  readonly addresses: number;
  readonly seconds: number;
  /** Frames written per batch, before yielding to the event loop. */
  readonly batch: number;
  readonly rssBoundMiB: number;
}

/** The runner's floods: 4 addresses, 10 s. */
export const controlFloodDefaults: ControlFloodOptions = {
  addresses: 4,
  seconds: 10,
  batch: 1_000,
  rssBoundMiB: 100,
};

function controlFlood(
  name: string,
  frame: (i: number) => Buffer,
  what: string,
  options: Partial<ControlFloodOptions>,
): Flood {
  const o = { ...controlFloodDefaults, ...options };
  return {
    name,
    description: `${what} in batches of ${o.batch} on one connection per address (${o.addresses}), reconnecting, for ${o.seconds} s`,
    seconds: o.seconds,
    addresses: o.addresses,
    rssBoundMiB: o.rssBoundMiB,
    run: (ctx) => run(ctx, o, frame, name),
  };
}

async function run(
  ctx: FloodContext,
  o: ControlFloodOptions,
  frame: (i: number) => Buffer,
  name: string,
): Promise<void> {
  let sent = 0;
  await Promise.all(
    ctx.addresses.map((localAddress) =>
      reconnecting(
        ctx.url,
        { localAddress, tally: ctx.tally, deadline: ctx.deadline },
        async (conn) => {
          while (!conn.closed && conn.goaway === undefined && performance.now() < ctx.deadline) {
            const frames = Array.from({ length: o.batch }, (_, i) => frame(sent + i));
            sent += o.batch;
            conn.write(Buffer.concat(frames));
            await conn.drained();
            await new Promise((r) => setImmediate(r));
          }
        },
      ),
    ),
  );
  ctx.tally.add(`${name === "ping" ? "PINGs" : "SETTINGS frames"} sent`, sent);
}

/** PING frames, each with its own 8 bytes. */
export function pingFlood(options: Partial<ControlFloodOptions> = {}): Flood {
  return controlFlood(
    "ping",
    (i) => {
      const data = Buffer.alloc(8);
      data.writeUInt32BE(i >>> 0, 4);
      return pingFrame(data);
    },
    "PING frames",
    options,
  );
}

/** SETTINGS frames, each setting the initial window size to a value that changes. */
export function settingsFlood(options: Partial<ControlFloodOptions> = {}): Flood {
  return controlFlood(
    "settings",
    (i) => settingsFrame([[0x4, 65_535 + (i % 1024)]]),
    "SETTINGS frames (INITIAL_WINDOW_SIZE)",
    options,
  );
}
