import { Code, ConnectError } from "@connectrpc/connect";
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
 * Rejects with `Canceled` when the stream closes before its end (the client
 * went away, or the server gave up waiting).
 */
export function readBody(source: NodeJS.ReadableStream, max: number): Promise<ReadBody> {
  return new Promise((resolve, reject) => {
    const onClose = () => {
      cleanup();
      reject(new ConnectError("the client closed the request", Code.Canceled));
    };
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
    const onError = (e: unknown) => {
      cleanup();
      reject(e);
    };
    const cleanup = () => {
      source.off("data", onData);
      source.off("end", onEnd);
      source.off("error", onError);
      source.off("close", onClose);
    };
    source.on("data", onData);
    source.once("end", onEnd);
    source.once("error", onError);
    source.once("close", onClose);
  });
}

/** The chunks as one array (the chunk itself when there is one). */
export function joinChunks(chunks: readonly Uint8Array[]): Uint8Array {
  if (chunks.length === 1 && chunks[0]) return chunks[0];
  return Buffer.concat(chunks);
}

/**
 * Bounds how long a unary call's request may take to arrive: if `source`
 * has not ended within `ms`, `expire` is called (it answers
 * `deadline_exceeded` and closes the exchange). Streaming calls get no such
 * timer: their handler runs while the request arrives.
 */
export function bodyDeadline(source: NodeJS.ReadableStream, ms: number, expire: () => void): void {
  const timer = setTimeout(expire, ms);
  const clear = () => clearTimeout(timer);
  source.once("end", clear);
  source.once("close", clear);
}
