import type * as http from "node:http";
import type * as http2 from "node:http2";
import type { UniversalServerResponse } from "@connectrpc/connect/protocol";
import type { NodeResponse } from "./node-request.js";
import type { FastResponse } from "./unary-response.js";

function headerObject(h: Headers, into: http2.OutgoingHttpHeaders): http2.OutgoingHttpHeaders {
  h.forEach((value, key) => {
    into[key] = value;
  });
  return into;
}

/**
 * Writes a fast-path answer to Node's HTTP/1.1 (or HTTP/2 compatibility)
 * response: HTTP trailers (gRPC's status) after the body, as connect-node
 * writes them (on HTTP/1.1 that makes the body chunked).
 */
export function writeFastHttp1(res: NodeResponse, r: FastResponse): void {
  (res as http.ServerResponse).writeHead(r.status, headerObject(r.header, {}));
  if (r.trailer) res.addTrailers(headerObject(r.trailer, {}));
  res.end(r.body);
}

/**
 * Writes a fast or universal answer to a raw HTTP/2 stream: `extra` headers
 * first (the edge's: CORS, request id), then the answer's; HTTP trailers
 * after the body when the answer has any. Stops quietly when the client
 * has gone.
 */
export async function writeStream(
  stream: http2.ServerHttp2Stream,
  r: FastResponse | UniversalServerResponse,
  extra: Record<string, string>,
): Promise<void> {
  if (stream.destroyed || stream.closed) return;
  const head = headerObject(r.header instanceof Headers ? r.header : new Headers(r.header), {
    ...extra,
    ":status": r.status,
  });
  const trailer = r.trailer;
  const hasTrailer = trailer !== undefined && [...trailer.keys()].length > 0;
  stream.respond(head, { waitForTrailers: hasTrailer });
  if (hasTrailer) {
    stream.once("wantTrailers", () => {
      if (!stream.destroyed) stream.sendTrailers(headerObject(trailer, {}));
    });
  }
  const body = r.body;
  if (body === undefined) {
    stream.end();
  } else if (body instanceof Uint8Array) {
    stream.end(body);
  } else {
    for await (const chunk of body) {
      if (stream.destroyed) return;
      if (!stream.write(chunk)) await new Promise((ok) => stream.once("drain", ok));
    }
    stream.end();
  }
}
