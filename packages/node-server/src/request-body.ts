import { envelopeHeaderBytes } from "./envelope.js";

/** A request body read into memory, up to a limit. */
export interface ReadBody {
  readonly chunks: Uint8Array[];
  /** False when the body was larger than the limit: the rest is still in the stream. */
  readonly complete: boolean;
}

/**
 * Reads a request body up to `max` + 5 bytes (a gRPC envelope's header). A
 * larger body stops being read: `complete` is false and the rest is left in
 * the stream for Connect-ES, which enforces the limit in its own words.
 */
export function readBody(source: NodeJS.ReadableStream, max: number): Promise<ReadBody> {
  return new Promise((resolve) => {
    // Only data and end: a stream that closes before its end leaves this
    // promise unsettled, and with it nothing but garbage (the call never
    // started; the arrival watch forgets it when it sees the stream gone).
    const chunks: Uint8Array[] = [];
    let size = 0;
    const onData = (c: Buffer) => {
      chunks.push(c);
      size += c.byteLength;
      if (size > max + envelopeHeaderBytes) {
        cleanup();
        source.pause();
        resolve({ chunks, complete: false });
      }
    };
    const onEnd = () => {
      cleanup();
      resolve({ chunks, complete: true });
    };
    const cleanup = () => {
      source.off("data", onData);
      source.off("end", onEnd);
    };
    source.on("data", onData);
    source.once("end", onEnd);
  });
}

/** The chunks as one array (the chunk itself when there is one). */
export function joinChunks(chunks: readonly Uint8Array[]): Uint8Array {
  if (chunks.length === 1 && chunks[0]) return chunks[0];
  return Buffer.concat(chunks);
}

/** A request whose arrival is bounded, as the arrival watch tracks it. */
interface Arrival {
  readonly source: { readonly readableEnded: boolean; readonly destroyed: boolean };
  readonly started: number;
  readonly expire: () => void;
}

/**
 * Bounds how long unary calls' requests may take to arrive: a request whose
 * source has not ended within `ms` of `watch()` gets `expire` called (it
 * answers `deadline_exceeded` and closes the exchange). One sweep per
 * watch, a few times per `ms`, instead of a timer and listeners per call.
 * Streaming calls are not watched: their handler runs while the request
 * arrives.
 */
export function createArrivalWatch(ms: number): {
  /** Starts watching; call the returned function once the request has arrived. */
  watch(source: Arrival["source"], expire: () => void): () => void;
  close(): void;
} {
  const pending = new Set<Arrival>();
  let sweep: NodeJS.Timeout | undefined;
  const run = () => {
    const now = Date.now();
    for (const a of pending) {
      if (a.source.readableEnded || a.source.destroyed) pending.delete(a);
      else if (now - a.started >= ms) {
        pending.delete(a);
        a.expire();
      }
    }
    if (pending.size === 0) {
      clearInterval(sweep);
      sweep = undefined;
    }
  };
  return {
    watch(source, expire) {
      const arrival = { source, started: Date.now(), expire };
      pending.add(arrival);
      if (!sweep) {
        sweep = setInterval(run, Math.max(10, Math.min(1_000, ms / 4)));
        sweep.unref();
      }
      return () => {
        pending.delete(arrival);
      };
    },
    close() {
      clearInterval(sweep);
      pending.clear();
    },
  };
}
