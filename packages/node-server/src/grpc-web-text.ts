import { Code, ConnectError, type ContextValues } from "@connectrpc/connect";
import type { UniversalHandler, UniversalServerResponse } from "@connectrpc/connect/protocol";
import { trailerFlag, trailerSerialize } from "@connectrpc/connect/protocol-grpc-web";
import type { Codec } from "@hello-metadata/metadata/internal";
import { envelope } from "./envelope.js";
import type { createFastServerStream, ServerStreamSpec } from "./fast-server-stream.js";
import type { createFastUnary } from "./fast-unary.js";
import { fastFormatOf } from "./fast-unary.js";
import { respecGrpcMessage, respecGrpcWebBody, setGrpcStatus } from "./grpc-status.js";
import type { LazySignal } from "./lazy-signal.js";
import { joinChunks, readBody } from "./request-body.js";
import type { UnarySpec } from "./unary-invoke.js";
import { universalRequest } from "./universal.js";

/**
 * gRPC-Web's text mode (`application/grpc-web-text`), the default of the
 * official grpc-web JavaScript client: the same frames as binary gRPC-Web,
 * base64-encoded both ways. Connect-ES serves only the binary form, so the
 * adapter decodes the request, lets the binary path answer, and encodes the
 * answer — each body chunk on its own, padding included, which the
 * protocol allows (clients decode the concatenation four characters at a
 * time).
 */

/** The binary content type the decoded request is handled as, for its codec. */
export function binaryContentType(codec: Codec): string {
  return `application/grpc-web+${codec}`;
}

/** The content type of a text answer: its binary form's, in text mode. */
export function textContentType(binary: string | null): string {
  return (binary ?? "application/grpc-web+proto").replace(
    /^application\/grpc-web(?!-text)/i,
    "application/grpc-web-text",
  );
}

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
 * Base64-encodes a binary gRPC-Web answer's body, chunk by chunk, and marks
 * it as text. The trailer frame's `grpc-message` is re-encoded as the spec
 * writes it on the way (see grpc-status.ts). An answer without a content
 * type (a bare refusal such as the 505 for bidi streaming on HTTP/1.1)
 * keeps having none.
 */
export function toTextResponse(r: {
  readonly status: number;
  readonly header?: ConstructorParameters<typeof Headers>[0] | undefined;
  readonly body?: Uint8Array | AsyncIterable<Uint8Array> | undefined;
  readonly trailer?: Headers | undefined;
}): UniversalServerResponse {
  const header = respecGrpcMessage(new Headers(r.header));
  const binary = header.get("content-type");
  if (binary !== null) header.set("content-type", textContentType(binary));
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
      for await (const chunk of respecGrpcWebBody(body)) yield encode(chunk);
    })(),
  };
}

function encode(bytes: Uint8Array): Uint8Array {
  return Buffer.from(Buffer.from(bytes).toString("base64"), "latin1");
}

/** A text answer carrying only a status, for requests that never reach a handler. */
export function textErrorResponse(code: Code, message: string): UniversalServerResponse {
  const trailer = setGrpcStatus(new Headers(), new ConnectError(message, code));
  return toTextResponse({
    status: 200,
    header: { "content-type": textContentType(null) },
    body: envelope(trailerFlag, trailerSerialize(trailer)),
  });
}

/**
 * Serves a gRPC-Web text request: decodes the body, answers it as binary
 * gRPC-Web (the fast paths for unary and server-streaming methods,
 * Connect-ES for the rest), and
 * returns the answer encoded as text. A body that is not base64 is
 * `InvalidArgument`; one over the limit `ResourceExhausted`, in a trailer
 * frame like any gRPC-Web error.
 */
export async function serveGrpcWebText(
  engine: {
    readonly fast: ReturnType<typeof createFastUnary>;
    readonly fastStream: ReturnType<typeof createFastServerStream>;
    readonly readMaxBytes: number;
  },
  handler: UniversalHandler,
  spec: UnarySpec | ServerStreamSpec | undefined,
  codec: Codec,
  call: {
    readonly header: Headers;
    readonly url: string;
    readonly httpVersion: string;
    readonly values: ContextValues;
  },
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
  const { header, url, values } = call;
  const binary = binaryContentType(codec);
  header.set("content-type", binary);
  const format = fastFormatOf(binary, () => header.get("grpc-encoding") ?? undefined);
  const request = { url, header, body, abort, values };
  const fastResult =
    spec && format
      ? spec.kind === "unary"
        ? await engine.fast.run(spec, format, request)
        : await engine.fastStream.run(spec, format, request)
      : undefined;
  if (fastResult) return toTextResponse(fastResult);
  const req = universalRequest({
    httpVersion: call.httpVersion,
    method: "POST",
    url,
    header,
    signal: abort.signal,
    contextValues: values,
    prefix: [body],
  });
  return toTextResponse(await handler(req));
}
