import type * as http from "node:http";
import { Code } from "@connectrpc/connect";
import type { UniversalHandler, UniversalServerResponse } from "@connectrpc/connect/protocol";
import { trailerFlag, trailerSerialize } from "@connectrpc/connect/protocol-grpc-web";
import { envelope } from "./envelope.js";
import { FastHeaders } from "./fast-headers.js";
import type { createFastUnary } from "./fast-unary.js";
import { fastFormatOf } from "./fast-unary.js";
import type { LazySignal } from "./lazy-signal.js";
import { joinChunks, readBody } from "./request-body.js";
import type { UnarySpec } from "./unary-invoke.js";
import { absoluteUrl, withBody } from "./universal.js";

/**
 * gRPC-Web's text mode (`application/grpc-web-text`), the default of the
 * official grpc-web JavaScript client: the same frames as binary gRPC-Web,
 * base64-encoded both ways. Connect-ES serves only the binary form, so the
 * adapter decodes the request, lets the binary path answer, and encodes the
 * answer — each body chunk on its own, padding included, which the
 * protocol allows (clients decode the concatenation four characters at a
 * time).
 */

/** Reports whether a request's content type is gRPC-Web text. */
export function isGrpcWebText(contentType: string | undefined): boolean {
  return (
    contentType !== undefined && /^application\/grpc-web-text(\+proto)?\s*(;|$)/i.test(contentType)
  );
}

/** The binary content type the decoded request is handled as. */
export const binaryContentType = "application/grpc-web+proto";

/** The content type of a text answer. */
export const textContentType = "application/grpc-web-text+proto";

/**
 * Decodes a text request body: standard base64, whitespace ignored, each
 * group of four characters padded only at its end (so independently encoded
 * segments may follow one another). Undefined when it is anything else.
 */
export function decodeTextBody(body: Uint8Array): Uint8Array | undefined {
  const text = Buffer.from(body).toString("latin1").replace(/\s+/g, "");
  if (!/^(?:[A-Za-z0-9+/]{2}(?:[A-Za-z0-9+/]{2}|[A-Za-z0-9+/]=|==))*$/.test(text)) return undefined;
  const segments = text.match(/[^=]+=*/g) ?? [];
  return Buffer.concat(segments.map((segment) => Buffer.from(segment, "base64")));
}

/**
 * Base64-encodes an answer's body, chunk by chunk, and marks it as text. An
 * answer without a content type (a bare refusal such as the 505 for bidi
 * streaming on HTTP/1.1) keeps having none.
 */
export function toTextResponse(r: {
  readonly status: number;
  readonly header?: ConstructorParameters<typeof Headers>[0] | undefined;
  readonly body?: Uint8Array | AsyncIterable<Uint8Array> | undefined;
  readonly trailer?: Headers | undefined;
}): UniversalServerResponse {
  const header = new Headers(r.header);
  if (header.has("content-type")) header.set("content-type", textContentType);
  const body = r.body;
  return {
    status: r.status,
    header,
    trailer: r.trailer,
    body: (async function* () {
      if (body === undefined) return;
      if (body instanceof Uint8Array) {
        yield encode(body);
        return;
      }
      for await (const chunk of body) yield encode(chunk);
    })(),
  };
}

function encode(bytes: Uint8Array): Uint8Array {
  return Buffer.from(Buffer.from(bytes).toString("base64"), "latin1");
}

/** A text answer carrying only a status, for requests that never reach a handler. */
export function textErrorResponse(code: Code, message: string): UniversalServerResponse {
  const trailer = new Headers({
    "grpc-status": String(code),
    "grpc-message": encodeURIComponent(message),
  });
  return toTextResponse({
    status: 200,
    header: { "content-type": textContentType },
    body: envelope(trailerFlag, trailerSerialize(trailer)),
  });
}

/**
 * Serves a gRPC-Web text request: decodes the body, answers it as binary
 * gRPC-Web (the fast path for unary methods, Connect-ES for the rest), and
 * returns the answer encoded as text. A body that is not base64 is
 * `InvalidArgument`; one over the limit `ResourceExhausted`, in a trailer
 * frame like any gRPC-Web error.
 */
export async function serveGrpcWebText(
  engine: { readonly fast: ReturnType<typeof createFastUnary>; readonly readMaxBytes: number },
  handler: UniversalHandler,
  spec: UnarySpec | undefined,
  incoming: http.IncomingHttpHeaders,
  target: { readonly path: string; readonly httpVersion: string },
  source: NodeJS.ReadableStream,
  abort: LazySignal,
): Promise<UniversalServerResponse> {
  const { readMaxBytes } = engine;
  const limit = Math.ceil(((readMaxBytes + 5) * 4) / 3) + 64;
  const { chunks, complete } = await readBody(source, limit);
  if (!complete) {
    return textErrorResponse(
      Code.ResourceExhausted,
      `message is larger than configured readMaxBytes ${readMaxBytes}`,
    );
  }
  const body = decodeTextBody(joinChunks(chunks));
  if (!body) {
    return textErrorResponse(
      Code.InvalidArgument,
      "gRPC-Web text request body is not valid base64",
    );
  }
  const header = new FastHeaders(incoming);
  header.set("content-type", binaryContentType);
  const url = absoluteUrl(incoming, target.path);
  const format = fastFormatOf(binaryContentType, () => header.get("grpc-encoding") ?? undefined);
  const fastResult =
    spec && format ? await engine.fast.run(spec, format, { url, header, body, abort }) : undefined;
  if (fastResult) return toTextResponse(fastResult);
  const req = {
    httpVersion: target.httpVersion,
    method: "POST",
    url,
    header,
    signal: abort.signal,
  };
  return toTextResponse(await handler(withBody(req, [body], undefined)));
}
