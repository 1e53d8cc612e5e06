import type { UniversalServerResponse } from "@connectrpc/connect/protocol";
import type { RpcProtocol } from "@hello-metadata/metadata/internal";
import type { FastStreamResponse } from "./fast-server-stream.js";
import { respecGrpcMessage, respecGrpcWebBody } from "./grpc-status.js";
import type { ResponseSink } from "./response-sink.js";
import type { FastResponse } from "./unary-response.js";

/** An answer to write: the fast paths' (one body, or streamed) or Connect-ES's (maybe streamed). */
export type Answer = FastResponse | FastStreamResponse | UniversalServerResponse;

/**
 * Writes an answer to a sink: the header block (unless `sendHeader` already
 * sent it), the body chunk by chunk under the flow budget, then the
 * trailers. On the way out, Connect-ES's `grpc-message` values are
 * re-encoded as the gRPC spec writes them (trailers, trailers-only headers,
 * gRPC-Web trailer frames; see grpc-status.ts). `protocol` is the wire
 * protocol of the request, undefined for answers that are not RPCs.
 * Stops quietly when the peer has gone.
 */
export async function writeAnswer(
  sink: ResponseSink,
  answer: Answer,
  protocol: RpcProtocol | undefined,
): Promise<void> {
  // The fast path's FastHeaders has the Headers contract without being one of
  // undici's; copying it into a new Headers would cost every call.
  const header = isHeaders(answer.header) ? answer.header : new Headers(answer.header);
  const trailer = answer.trailer;
  const respec = (protocol === "grpc" || protocol === "grpc-web") && !("specEncoded" in answer);
  if (respec) {
    respecGrpcMessage(header);
    if (trailer) respecGrpcMessage(trailer);
  }
  const hasTrailer = trailer !== undefined && !isEmpty(trailer);
  sink.head(answer.status, header, hasTrailer);
  const body = answer.body;
  if (body === undefined || body instanceof Uint8Array) {
    sink.end(body, trailer);
    return;
  }
  const chunks = respec && protocol === "grpc-web" ? respecGrpcWebBody(body) : body;
  for await (const chunk of chunks) {
    if (sink.gone) return;
    await sink.write(chunk);
  }
  sink.end(undefined, trailer);
}

function isEmpty(h: Headers): boolean {
  for (const _ of h.keys()) return false;
  return true;
}

function isHeaders(h: unknown): h is Headers {
  return (
    h instanceof Headers ||
    (typeof h === "object" &&
      h !== null &&
      typeof (h as Headers).forEach === "function" &&
      typeof (h as Headers).get === "function")
  );
}
