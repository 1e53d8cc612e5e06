// Connection flood: idle HTTP/2 connections (the preface and SETTINGS, then
// nothing) from several addresses, each address up to its burst of new
// connections, until the process holds more than its global connection
// budget — with the server under `ulimit -n 1024`, so that budget is the
// descriptor limit less the headroom (960). Past the budget new
// connections are closed at once; the server must neither run out of
// descriptors (EMFILE) nor crash, and a new client at another address must
// still be served.
import { type Flood, type FloodContext, sleepUntil } from "./flood.js";
import { openRawH2, type RawH2 } from "./raw-h2.js";

/** The shape of a connection flood. */
export interface ConnectionFloodOptions {
  readonly addresses: number;
  /** Connections each address opens (at most its burst, maxNewConnectionsPerClient, 200). */
  readonly connectionsPerAddress: number;
  /** Connections opened at once. */
  readonly parallel: number;
  /** How long the connections are held open once all are opened. */
  readonly holdSeconds: number;
  /** The server's `ulimit -n`. */
  readonly descriptorLimit: number;
  readonly rssBoundMiB: number;
}

/** The runner's flood: 6 addresses × 200 = 1,200 connections against a budget of 960. */
export const connectionFloodDefaults: ConnectionFloodOptions = {
  addresses: 6,
  connectionsPerAddress: 200,
  parallel: 50,
  holdSeconds: 8,
  descriptorLimit: 1024,
  rssBoundMiB: 100,
};

/** Builds the flood; the defaults are {@link connectionFloodDefaults}. */
export function connectionFlood(options: Partial<ConnectionFloodOptions> = {}): Flood {
  const o = { ...connectionFloodDefaults, ...options };
  return {
    name: "connections",
    description: `${o.addresses} addresses × ${o.connectionsPerAddress} idle h2c connections (${o.addresses * o.connectionsPerAddress} in all), held ${o.holdSeconds} s`,
    seconds: o.holdSeconds + 12,
    addresses: o.addresses,
    descriptorLimit: o.descriptorLimit,
    rssBoundMiB: o.rssBoundMiB,
    run: (ctx) => run(ctx, o),
  };
}

async function run(ctx: FloodContext, o: ConnectionFloodOptions): Promise<void> {
  const conns: RawH2[] = [];
  const plan = ctx.addresses.flatMap((a) =>
    Array.from({ length: o.connectionsPerAddress }, () => a),
  );
  for (let i = 0; i < plan.length && performance.now() < ctx.deadline; i += o.parallel) {
    const batch = plan.slice(i, i + o.parallel);
    conns.push(
      ...(await Promise.all(
        batch.map((localAddress) => openRawH2(ctx.url, { localAddress, tally: ctx.tally })),
      )),
    );
  }
  await sleepUntil(ctx.deadline, 1_000);
  const held = () => conns.filter((c) => !c.closed).length;
  ctx.note("connections held open 1 s after the last was opened", held());
  const holdUntil = Math.min(performance.now() + o.holdSeconds * 1000, ctx.deadline - 1_000);
  await sleepUntil(holdUntil);
  ctx.note("connections held open at the end", held());
  for (const c of conns) c.destroy();
}
