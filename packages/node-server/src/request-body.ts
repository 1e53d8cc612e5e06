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
  return new Promise((resolve, reject) => {
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
    };
    source.on("data", onData);
    source.once("end", onEnd);
    source.once("error", onError);
  });
}

/** The chunks as one array (the chunk itself when there is one). */
export function joinChunks(chunks: readonly Uint8Array[]): Uint8Array {
  if (chunks.length === 1 && chunks[0]) return chunks[0];
  return Buffer.concat(chunks);
}

/**
 * Reads and drops what is left of a request once its answer has been
 * written (the handler stopped reading early: a message over the limit, a
 * call that failed mid-stream). Node closes an HTTP/2 stream whose answer is
 * complete only when no request data waits in its buffer; otherwise the
 * stream stays open until the client gives up or the stream idle timeout
 * resets it. (Node's HTTP/1.1 server discards unread bodies itself.)
 */
export function discardUnread(req: { readonly readableEnded: boolean; resume(): unknown }): void {
  if (!req.readableEnded) req.resume();
}
