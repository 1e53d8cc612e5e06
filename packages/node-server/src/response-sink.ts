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
 * written with the header block.
 */
export function streamSink(
  stream: http2.ServerHttp2Stream,
  edge: Record<string, string>,
  flow: StreamFlow,
): ResponseSink {
  let headSent = false;
  let trailersAnnounced = false;
  const sink: ResponseSink = {
    get headSent() {
      return headSent;
    },
    get gone() {
      return stream.destroyed || stream.closed;
    },
    head(status, header, trailers) {
      if (headSent || sink.gone) return;
      headSent = true;
      trailersAnnounced = trailers;
      stream.respond(plainHeaders(header, { ...edge, ":status": status }), {
        waitForTrailers: trailers,
      });
    },
    async write(chunk) {
      if (sink.gone) return;
      const { written, room } = flow.sent(chunk.byteLength);
      stream.write(chunk, written);
      await room;
    },
    end(last, trailer) {
      if (sink.gone) return;
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
    },
  };
  return sink;
}

/**
 * A sink on a Node response (HTTP/1.1, or HTTP/2 through the compatibility
 * API). Headers set on the response before (edge headers) go out with the
 * header block; HTTP/1.1 trailers use chunked encoding, as Node writes them.
 */
export function responseSink(res: NodeResponse, flow: StreamFlow): ResponseSink {
  const r = res as http.ServerResponse;
  let trailersAnnounced = false;
  const sink: ResponseSink = {
    get headSent() {
      return r.headersSent;
    },
    get gone() {
      return r.destroyed || r.writableEnded;
    },
    head(status, header, trailers, flush) {
      if (r.headersSent || sink.gone) return;
      trailersAnnounced = trailers;
      r.writeHead(status, plainHeaders(header, {}));
      if (flush) r.flushHeaders();
    },
    async write(chunk) {
      if (sink.gone) return;
      const { written, room } = flow.sent(chunk.byteLength);
      r.write(chunk, written);
      await room;
    },
    end(last, trailer) {
      if (sink.gone) return;
      if (trailersAnnounced && trailer)
        r.addTrailers(plainHeaders(trailer, {}) as Record<string, string>);
      if (last && last.byteLength > 0) {
        const { written } = flow.sent(last.byteLength);
        r.end(last, written);
      } else {
        r.end();
      }
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
