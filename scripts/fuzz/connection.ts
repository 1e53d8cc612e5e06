// One fuzz case's connection: a raw TCP socket to the server on which the
// case's bytes go out exactly as generated — whole, in pieces with pauses
// between them, or cut short — and that then waits for the answer, half-
// closes, closes, or resets. Every wait is bounded, so no case can hold the
// fuzzer longer than its timing allows.
import { connect } from "node:net";
import fc from "fast-check";
import { backToNormal } from "./grammar-kit.js";

/** How a case's bytes go out. */
export type Delivery =
  | { readonly kind: "whole" }
  /** In pieces cut at these fractions (per mille) of the bytes, `gapMs` apart. */
  | { readonly kind: "pieces"; readonly cuts: readonly number[]; readonly gapMs: number }
  /** Only the first `keepPerMille` ‰ of the bytes, then the client closes. */
  | { readonly kind: "cut"; readonly keepPerMille: number };

/**
 * What the client does after its last byte: read the answer (`wait`),
 * half-close and read (`end`), close at once (`close`), or reset the
 * connection (`reset`, a TCP RST).
 */
export type Ending = "wait" | "end" | "close" | "reset";

/** Deliveries: whole in most cases. */
export const delivery: fc.Arbitrary<Delivery> = fc.oneof(
  backToNormal,
  { arbitrary: fc.constant({ kind: "whole" as const }), weight: 8 },
  {
    arbitrary: fc.record({
      kind: fc.constant("pieces" as const),
      cuts: fc.array(fc.integer({ min: 1, max: 999 }), { minLength: 1, maxLength: 4 }),
      gapMs: fc.integer({ min: 0, max: 5 }),
    }),
    weight: 2,
  },
  {
    arbitrary: fc.record({
      kind: fc.constant("cut" as const),
      keepPerMille: fc.integer({ min: 0, max: 999 }),
    }),
    weight: 1,
  },
);

/** Endings: waiting for the answer in most cases. */
export const ending: fc.Arbitrary<Ending> = fc.oneof(
  backToNormal,
  { arbitrary: fc.constant("wait" as const), weight: 8 },
  { arbitrary: fc.constantFrom("end" as const, "close" as const, "reset" as const), weight: 1 },
);

/** How long a case may wait for its answer. */
export interface Timing {
  /** Once the server has sent something, this long without more ends the wait. */
  readonly quietMs: number;
  /** The longest wait after the last byte is written, whatever the server does. */
  readonly maxMs: number;
}

/** What one connection saw. */
export interface Exchange {
  /** The first 64 KiB the server sent. */
  readonly received: Buffer;
  /** The server closed (or reset) the connection before the client did. */
  readonly serverClosed: boolean;
  /** A socket error other than the server closing or resetting (ECONNREFUSED: the server is gone). */
  readonly error: string | undefined;
}

const keepBytes = 64 * 1024;

/** The pieces a delivery cuts `bytes` into (a cut delivery yields one piece, the part it keeps). */
export function piecesOf(bytes: Buffer, d: Delivery): Buffer[] {
  if (d.kind === "whole") return [bytes];
  if (d.kind === "cut")
    return [bytes.subarray(0, Math.floor((bytes.length * d.keepPerMille) / 1000))];
  const at = [...new Set(d.cuts.map((c) => Math.floor((bytes.length * c) / 1000)))].sort(
    (a, b) => a - b,
  );
  const out: Buffer[] = [];
  let from = 0;
  for (const to of [...at, bytes.length]) {
    if (to > from) out.push(bytes.subarray(from, to));
    from = Math.max(from, to);
  }
  return out;
}

/**
 * Connects to `port` on 127.0.0.1, sends `bytes` as `delivery` says, ends
 * as `ending` says (a cut delivery always closes), and resolves with what
 * the server sent, after at most `gapMs` per piece plus `timing.maxMs`.
 * Never rejects: a refused or reset connection is part of the result.
 */
/**
 * The fuzzer's own client addresses, taken in turn: 127.0.0.3 to
 * 127.0.0.254. A server rightly limits how many connections one address may
 * open per second; spread over many, the cases reach the code behind that
 * budget instead of being refused at the door. (The bystander calls from
 * 127.0.0.2.)
 */
let nextClient = 0;
function clientAddress(): string {
  nextClient = (nextClient + 1) % 252;
  return `127.0.0.${nextClient + 3}`;
}

export function exchange(
  port: number,
  bytes: Buffer,
  d: Delivery,
  end: Ending,
  timing: Timing,
): Promise<Exchange> {
  return new Promise((resolve) => {
    const socket = connect({
      port,
      host: "127.0.0.1",
      noDelay: true,
      localAddress: clientAddress(),
    });
    const got: Buffer[] = [];
    let gotBytes = 0;
    let serverClosed = false;
    let error: string | undefined;
    let done = false;
    let quiet: NodeJS.Timeout | undefined;
    let cap: NodeJS.Timeout | undefined;
    const finish = () => {
      if (done) return;
      done = true;
      clearTimeout(quiet);
      clearTimeout(cap);
      socket.destroy();
      resolve({ received: Buffer.concat(got), serverClosed, error });
    };
    socket.on("data", (chunk: Buffer) => {
      if (gotBytes < keepBytes) {
        got.push(chunk.subarray(0, keepBytes - gotBytes));
        gotBytes += chunk.length;
      }
      if (cap !== undefined) {
        clearTimeout(quiet);
        quiet = setTimeout(finish, timing.quietMs);
      }
    });
    socket.on("end", () => {
      serverClosed = true;
      finish();
    });
    socket.on("close", () => {
      if (!done) serverClosed = true;
      finish();
    });
    socket.on("error", (e: NodeJS.ErrnoException) => {
      if (e.code === "ECONNRESET" || e.code === "EPIPE") serverClosed = true;
      else error = e.code ?? e.message;
      finish();
    });
    socket.once("connect", async () => {
      const pieces = piecesOf(bytes, d);
      for (const [i, piece] of pieces.entries()) {
        if (i > 0 && d.kind === "pieces" && d.gapMs > 0) {
          await new Promise((r) => setTimeout(r, d.gapMs));
        }
        if (done || socket.destroyed) return;
        socket.write(piece);
      }
      const how = d.kind === "cut" ? "close" : end;
      if (how === "close") {
        socket.end(() => finish());
        return;
      }
      if (how === "reset") {
        // Let the bytes leave first: a reset discards what is still queued.
        socket.write(Buffer.alloc(0), () => {
          if (!done) socket.resetAndDestroy();
          finish();
        });
        return;
      }
      if (how === "end") socket.end();
      cap = setTimeout(finish, timing.maxMs);
      if (got.length > 0) quiet = setTimeout(finish, timing.quietMs);
    });
  });
}
