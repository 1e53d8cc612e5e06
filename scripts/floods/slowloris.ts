// Slowloris: HTTP/1.1 connections from several addresses that send a
// request line and then one header line a second, never finishing the
// headers. The server must end each at headersTimeoutMs (10 s) with 408 and
// a close, keep no connection behind, and serve a bystander throughout.
import { connect } from "node:net";
import { sayHelloPath } from "../kit/h2-calls.js";
import { type Flood, type FloodContext, sleepUntil } from "./flood.js";

/** The shape of a slowloris flood. */
export interface SlowlorisOptions {
  readonly addresses: number;
  /** Connections per address (within its burst of new connections, 200). */
  readonly connectionsPerAddress: number;
  /** Seconds between header lines. */
  readonly trickleSeconds: number;
  /** How long the flood lasts (past headersTimeoutMs, so the server's cut is seen). */
  readonly seconds: number;
  readonly rssBoundMiB: number;
}

/** The runner's flood: 4 addresses × 150 connections, 14 s. */
export const slowlorisDefaults: SlowlorisOptions = {
  addresses: 4,
  connectionsPerAddress: 150,
  trickleSeconds: 1,
  seconds: 14,
  rssBoundMiB: 100,
};

/** Builds the flood; the defaults are {@link slowlorisDefaults}. */
export function slowlorisFlood(options: Partial<SlowlorisOptions> = {}): Flood {
  const o = { ...slowlorisDefaults, ...options };
  return {
    name: "slowloris",
    description: `${o.addresses} addresses × ${o.connectionsPerAddress} HTTP/1.1 connections trickling a header line every ${o.trickleSeconds} s, for ${o.seconds} s`,
    seconds: o.seconds,
    addresses: o.addresses,
    rssBoundMiB: o.rssBoundMiB,
    run: (ctx) => run(ctx, o),
  };
}

/** One trickling connection; resolves when it closes or the deadline passes. */
function trickle(ctx: FloodContext, localAddress: string, o: SlowlorisOptions): Promise<void> {
  const { hostname, port } = new URL(ctx.url);
  return new Promise((resolve) => {
    const socket = connect({ host: hostname, port: Number(port), localAddress });
    let got = "";
    let line = 0;
    let timer: NodeJS.Timeout | undefined;
    const end = (why: string) => {
      clearTimeout(timer);
      ctx.tally.add(why);
      socket.destroy();
      resolve();
    };
    const next = () => {
      if (performance.now() >= ctx.deadline) return end("still trickling at the end");
      socket.write(`x-slow-${line++}: ${"a".repeat(16)}\r\n`);
      timer = setTimeout(next, o.trickleSeconds * 1000);
    };
    socket.on("data", (d: Buffer) => {
      got += d.toString("latin1");
    });
    socket.on("error", () => {});
    socket.once("close", () => {
      const status = /^HTTP\/1\.1 (\d{3})/.exec(got)?.[1];
      end(status ? `${status} then closed` : "closed without an answer");
    });
    socket.once("connect", () => {
      ctx.tally.add("connections");
      socket.write(`POST ${sayHelloPath} HTTP/1.1\r\nhost: ${ctx.url.slice(7)}\r\n`);
      timer = setTimeout(next, o.trickleSeconds * 1000);
    });
  });
}

async function run(ctx: FloodContext, o: SlowlorisOptions): Promise<void> {
  const all = ctx.addresses.flatMap((a) =>
    Array.from({ length: o.connectionsPerAddress }, () => trickle(ctx, a, o)),
  );
  await Promise.race([Promise.all(all), sleepUntil(ctx.deadline + 500)]);
}
