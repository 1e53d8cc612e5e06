import { Code, ConnectError, type Interceptor } from "@connectrpc/connect";
import { type CaptureTargets, captureKey } from "./call-options.js";
import { recordRawHeaders, stopRecording } from "./capture.js";
import { splitErrorMetadata, subtractHeaders } from "./error-metadata.js";
import type { MD } from "./md.js";
import { fromOutgoingContext } from "./outgoing-context.js";
import { rpcProtocolOf } from "./protocol.js";
import { MetadataError } from "./validate.js";
import { readMetadata, writeMetadata } from "./wire.js";

/** Options for {@link clientMetadataInterceptor}. */
export interface ClientMetadataOptions {
  /**
   * Called for each response metadata entry that cannot be read (a `-bin`
   * value that is not base64), which is dropped from the captured MD. The
   * call itself goes on: a finished call is never failed over one bad
   * entry, as in grpc-js. Default: one `console.warn` line naming the key.
   */
  readonly onInvalidMetadata?: (error: MetadataError) => void;
}

const warnInvalid = (error: MetadataError): void => {
  console.warn(`hello-metadata: dropped response metadata: ${error.message}`);
};

/**
 * The client half of the library, for every Connect-ES transport (connect-web
 * and connect-node; Connect, gRPC and gRPC-Web). For every call it:
 * - writes the outgoing metadata of the call's `contextValues` into the
 *   request headers, `-bin` values as unpadded base64. Invalid or reserved
 *   metadata fails the call with `Internal` before anything is sent, as
 *   grpc-go does for invalid metadata (grpc-go drops reserved keys silently;
 *   we refuse them);
 * - fills the MDs asked for with `header()` and `trailer()`, on success and
 *   on error, keeping headers and trailers apart. On a failed unary call the
 *   split is exact when the transport uses `captureFetch` or
 *   `captureHttpClient`; without them a failed unary call reports all of its
 *   metadata as trailer. A gRPC "trailers-only" response has no header
 *   block: everything in it is trailer, as the gRPC spec defines. A
 *   response entry that cannot be decoded is dropped and reported (see
 *   {@link ClientMetadataOptions.onInvalidMetadata}); it never fails the call.
 */
export function clientMetadataInterceptor(options: ClientMetadataOptions = {}): Interceptor {
  const onInvalid = options.onInvalidMetadata ?? warnInvalid;
  const fill = (target: MD | undefined, headers: Headers) => {
    if (!target) return;
    const md = readMetadata(headers, { onInvalid });
    for (const key of target.keys()) target.delete(key);
    md.forEach((values, key) => {
      target.set(key, ...values);
    });
  };
  return (next) => async (req) => {
    const outgoing = fromOutgoingContext(req.contextValues);
    if (outgoing) {
      try {
        writeMetadata(req.header, outgoing);
      } catch (e) {
        if (e instanceof MetadataError) {
          throw new ConnectError(`invalid outgoing metadata: ${e.message}`, Code.Internal);
        }
        throw e;
      }
    }
    const targets = req.contextValues.get(captureKey);
    if (!targets || (!targets.header && !targets.trailer)) return next(req);
    const raw = recordRawHeaders(req.signal);
    const protocol = rpcProtocolOf(req.header);
    try {
      const res = await next(req);
      fill(targets.header, res.header);
      if (!res.stream) {
        fill(targets.trailer, res.trailer);
        return res;
      }
      const message = captureStreamEnd(res.message, res.trailer, res.header, targets, fill);
      return { ...res, message };
    } catch (e) {
      const err = ConnectError.from(e);
      const split = splitErrorMetadata(err.metadata, raw.header, protocol);
      fill(targets.header, split.header);
      fill(targets.trailer, split.trailer);
      throw err;
    } finally {
      stopRecording(req.signal);
    }
  };
}

async function* captureStreamEnd<T>(
  messages: AsyncIterable<T>,
  trailerHeaders: Headers,
  headerHeaders: Headers,
  targets: CaptureTargets,
  fill: (target: MD | undefined, headers: Headers) => void,
): AsyncIterable<T> {
  try {
    yield* messages;
    fill(targets.trailer, trailerHeaders);
  } catch (e) {
    const err = ConnectError.from(e);
    // Stream errors carry the trailers plus a copy of the headers.
    fill(targets.trailer, subtractHeaders(err.metadata, headerHeaders));
    throw err;
  }
}
