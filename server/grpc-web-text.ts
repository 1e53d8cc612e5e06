import type { Code } from "@connectrpc/connect";
import type { UniversalServerResponse } from "@connectrpc/connect/protocol";
import { trailerFlag, trailerSerialize } from "@connectrpc/connect/protocol-grpc-web";

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

/** Base64-encodes an answer's body, chunk by chunk, and marks it as text. */
export function toTextResponse(r: {
  readonly status: number;
  readonly header?: HeadersInit | undefined;
  readonly body?: Uint8Array | AsyncIterable<Uint8Array> | undefined;
  readonly trailer?: Headers | undefined;
}): UniversalServerResponse {
  const header = new Headers(r.header);
  header.set("content-type", textContentType);
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
  const frame = trailerSerialize(trailer);
  const out = new Uint8Array(frame.byteLength + 5);
  out[0] = trailerFlag;
  new DataView(out.buffer).setUint32(1, frame.byteLength);
  out.set(frame, 5);
  return toTextResponse({ status: 200, body: out });
}
