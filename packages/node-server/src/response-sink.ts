import type * as http from "node:http";
import * as http2 from "node:http2";
import type { StreamFlow } from "./flow-budget.js";
import type { NodeResponse } from "./node-request.js";

/**
 * Where an answer is written: a raw HTTP/2 stream or a Node HTTP/1.1 (or
 * HTTP/2 compatibility) response, behind one shape, so one writer serves
 * both. Every write counts against the flow budget (see flow-budget.ts) and
 * waits while the stream is over its share.
 */
export interface ResponseSink {
  /** Whether the header block has gone out (by `head`, or early by `sendHeader`). */
  readonly headSent: boolean;
  /** Whether the peer is gone (stream closed or reset, connection closed). */
  readonly gone: boolean;
  /**
   * Writes the status and header block. `trailers`: HTTP trailers will
   * follow the body (gRPC). `flush`: put the block on the wire now, ahead
   * of any body (sendHeader); otherwise it may leave with the first chunk.
   * A second call does nothing.
   */
  head(status: number, header: Headers, trailers: boolean, flush?: boolean): void;
  /** Writes one body chunk; resolves when the stream has room for more. */
  write(chunk: Uint8Array): Promise<void>;
  /** Ends the answer: the last chunk (if any), then the trailers (if any and announced). */
  end(last: Uint8Array | undefined, trailer: Headers | undefined): void;
}

function plainHeaders(
  h: Headers,
  into: Record<string, string | number>,
): Record<string, string | number> {
  h.forEach((value, key) => {
    into[key] = value;
  });
  return into;
}

/**
 * A sink on a raw HTTP/2 stream. `edge` headers (CORS, request id) are
 * written with the header block. The block is held until the first body
 * bytes or the end (or sent at once when `head` is asked to flush), so that
 * an answer with neither body nor trailers — gRPC's trailers-only error —
 * goes out as one HEADERS frame with END_STREAM, as the gRPC spec frames
 * it. (A header block followed by an empty DATA frame is read by grpc-js
 * and grpc-go as a call that ended without a status.)
 */
export function streamSink(
  stream: http2.ServerHttp2Stream,
  edge: Record<string, string>,
  flow: StreamFlow,
): ResponseSink {
  let headSent = false;
  let trailersAnnounced = false;
  let pending: Record<string, string | number> | undefined;
  const respond = (endStream: boolean) => {
    if (!pending) return;
    const block = pending;
    pending = undefined;
    stream.respond(block, endStream ? { endStream } : { waitForTrailers: trailersAnnounced });
  };
  const sink: ResponseSink = {
    get headSent() {
      return headSent;
    },
    get gone() {
      return stream.destroyed || stream.closed;
    },
    head(status, header, trailers, flush) {
      if (headSent || sink.gone) return;
      headSent = true;
      trailersAnnounced = trailers;
      pending = plainHeaders(header, { ...edge, ":status": status });
      if (flush) respond(false);
    },
    async write(chunk) {
      if (sink.gone) return;
      respond(false);
      const { written, room } = flow.sent(chunk.byteLength);
      stream.write(chunk, written);
      await room;
    },
    end(last, trailer) {
      if (sink.gone) return;
      const empty = !last || last.byteLength === 0;
      if (pending && empty && !trailersAnnounced) {
        respond(true);
        return;
      }
      respond(false);
      if (trailersAnnounced) {
        stream.once("wantTrailers", () => {
          if (!stream.destroyed) stream.sendTrailers(plainHeaders(trailer ?? new Headers(), {}));
        });
      }
      if (last && last.byteLength > 0) {
        const { written } = flow.sent(last.byteLength);
        stream.end(last, written);
      } else {
        stream.end();
      }
      // What the handler left unread is dropped: Node closes a stream whose
      // answer is complete only when no request data waits in its buffer.
      if (!stream.readableEnded) stream.resume();
    },
  };
  return sink;
}

/**
 * A sink on a Node response (HTTP/1.1, or HTTP/2 through the compatibility
 * API). Headers set on the response before (edge headers) go out with the
 * header block; HTTP/1.1 trailers use chunked encoding, as Node writes them.
 * As on raw streams, the header block waits for the body or the end unless
 * flushed, so an answer that is only headers ends with them (on HTTP/2, one
 * HEADERS frame with END_STREAM).
 */
export function responseSink(res: NodeResponse, flow: StreamFlow): ResponseSink {
  const r = res as http.ServerResponse;
  let trailersAnnounced = false;
  let pending: { status: number; header: Headers } | undefined;
  const writeHead = () => {
    if (!pending || r.headersSent) return;
    r.writeHead(pending.status, plainHeaders(pending.header, {}));
    pending = undefined;
  };
  const sink: ResponseSink = {
    get headSent() {
      return pending !== undefined || r.headersSent;
    },
    get gone() {
      return r.destroyed || r.writableEnded;
    },
    head(status, header, trailers, flush) {
      if (sink.headSent || sink.gone) return;
      trailersAnnounced = trailers;
      pending = { status, header };
      if (flush) {
        writeHead();
        r.flushHeaders();
      }
    },
    async write(chunk) {
      if (sink.gone) return;
      writeHead();
      const { written, room } = flow.sent(chunk.byteLength);
      r.write(chunk, written);
      await room;
    },
    end(last, trailer) {
      if (sink.gone) return;
      if (pending && (!last || last.byteLength === 0) && !(trailersAnnounced && trailer)) {
        // Headers only: let Node write them as the end of the answer.
        r.statusCode = pending.status;
        pending.header.forEach((value, key) => {
          r.setHeader(key, value);
        });
        pending = undefined;
        r.end();
        return;
      }
      writeHead();
      if (trailersAnnounced && trailer)
        r.addTrailers(plainHeaders(trailer, {}) as Record<string, string>);
      if (last && last.byteLength > 0) {
        const { written } = flow.sent(last.byteLength);
        r.end(last, written);
      } else {
        r.end();
      }
      // HTTP/2 through the compatibility API: drop what was left unread, as
      // on raw streams (Node's HTTP/1.1 server does it itself).
      const request = (r as unknown as { req?: { readableEnded?: boolean; resume?: () => void } })
        .req;
      if (request && request.readableEnded === false && "stream" in request) request.resume?.();
    },
  };
  return sink;
}

/** Resets an HTTP/2 stream (CANCEL) or destroys an HTTP/1.1 response's connection. */
export function resetExchange(exchange: http2.ServerHttp2Stream | NodeResponse): void {
  if ("rstCode" in exchange && typeof exchange.close === "function" && "respond" in exchange) {
    if (!exchange.destroyed) exchange.close(http2.constants.NGHTTP2_CANCEL);
    return;
  }
  (exchange as http.ServerResponse).destroy();
}
