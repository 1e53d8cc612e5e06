import type { ConnectError } from "@connectrpc/connect";
import { setTrailerStatus } from "@connectrpc/connect/protocol-grpc";
import { trailerFlag, trailerParse, trailerSerialize } from "@connectrpc/connect/protocol-grpc-web";
import { encodeGrpcMessage } from "@hello-metadata/metadata/internal";
import { envelope, envelopeHeaderBytes } from "./envelope.js";

/**
 * `grpc-status` and `grpc-message` as the gRPC spec writes them, on every
 * path. Connect-ES percent-encodes messages with `encodeURIComponent`
 * (`must%20be%20at%20most`), which grpc-js undoes only in part and
 * protobuf-ts not at all; the spec encodes only bytes outside 0x20–0x7E and
 * `%` (see encodeGrpcMessage). Everything the engine writes for gRPC and
 * gRPC-Web goes through here: its own answers, and Connect-ES's, re-encoded
 * on their way out.
 */

/** Connect-ES's `setTrailerStatus`, with the message encoded as the spec says. */
export function setGrpcStatus(target: Headers, error: ConnectError | undefined): Headers {
  setTrailerStatus(target, error);
  if (error) target.set("grpc-message", encodeGrpcMessage(error.rawMessage));
  return target;
}

/**
 * Re-encodes a `grpc-message` that Connect-ES wrote (always
 * `encodeURIComponent`'s form) in the spec's form. Headers without one are
 * left alone.
 */
export function respecGrpcMessage(headers: Headers): Headers {
  const raw = headers.get("grpc-message");
  if (raw === null || !raw.includes("%")) return headers;
  let text: string;
  try {
    text = decodeURIComponent(raw);
  } catch {
    return headers; // not encodeURIComponent's output: leave it as it came
  }
  headers.set("grpc-message", encodeGrpcMessage(text));
  return headers;
}

/**
 * A gRPC-Web response body with its trailer frame's `grpc-message`
 * re-encoded (see respecGrpcMessage). Envelopes pass through as they are,
 * whatever the chunking; only frames with the trailer flag are rewritten.
 */
export async function* respecGrpcWebBody(
  body: AsyncIterable<Uint8Array>,
): AsyncGenerator<Uint8Array> {
  let pending: Uint8Array = new Uint8Array(0);
  for await (const chunk of body) {
    pending = pending.byteLength === 0 ? chunk : joinBytes(pending, chunk);
    let at = 0;
    while (pending.byteLength - at >= envelopeHeaderBytes) {
      const view = new DataView(pending.buffer, pending.byteOffset + at);
      const size = envelopeHeaderBytes + view.getUint32(1);
      if (pending.byteLength - at < size) break;
      const frame = pending.subarray(at, at + size);
      at += size;
      const flags = frame[0] ?? 0;
      if ((flags & trailerFlag) === trailerFlag) {
        const trailer = respecGrpcMessage(trailerParse(frame.subarray(envelopeHeaderBytes)));
        yield envelope(flags, trailerSerialize(trailer));
      } else {
        yield frame;
      }
    }
    pending = pending.subarray(at);
  }
  if (pending.byteLength > 0) yield pending; // an incomplete frame: not ours to fix
}

function joinBytes(a: Uint8Array, b: Uint8Array): Uint8Array {
  const out = new Uint8Array(a.byteLength + b.byteLength);
  out.set(a, 0);
  out.set(b, a.byteLength);
  return out;
}
