import { createContextKey } from "@connectrpc/connect";

/**
 * Sends a call's response headers now, if the engine serving the call can:
 * given the complete response header (the handler context's
 * `responseHeader`, protocol headers included), it writes the header block
 * to the wire at once (an HTTP/2 HEADERS frame, or HTTP/1.1's status line
 * and headers, flushed) and returns true; it returns false when the
 * protocol cannot send headers ahead of the answer (Connect unary carries
 * its trailers and status in the header block) or the headers have already
 * gone out.
 */
export type HeaderSender = (responseHeader: Headers) => boolean;

/**
 * Where an engine puts a call's {@link HeaderSender} in the call's context
 * values, so `sendHeader` can send headers when it is called, as grpc-go's
 * does. Engines that cannot (stock connect-node) leave it unset: the headers
 * then leave with the first message, which clients cannot tell apart except
 * by timing.
 */
export const headerSenderKey = createContextKey<HeaderSender | undefined>(undefined, {
  description: "hello-metadata: send response headers now",
});
