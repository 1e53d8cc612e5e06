import type { DescMessage, MessageShape } from "@bufbuild/protobuf";
import { toBinary, toJsonString } from "@bufbuild/protobuf";
import { Code, ConnectError, type HandlerContext } from "@connectrpc/connect";
import {
  type Compression,
  compressedFlag,
  mergeNonProtocolHeaders,
} from "@connectrpc/connect/protocol";
import {
  codeToHttpStatus,
  errorToJsonBytes,
  trailerMux,
} from "@connectrpc/connect/protocol-connect";
import { setTrailerStatus } from "@connectrpc/connect/protocol-grpc";
import { trailerFlag, trailerSerialize } from "@connectrpc/connect/protocol-grpc-web";
import type { WireFormat } from "@hello-metadata/metadata/internal";
import { concat, envelope } from "./envelope.js";

/** A response the adapter writes as it is: status, headers, one body, optional HTTP trailers. */
export interface FastResponse {
  readonly status: number;
  readonly header: Headers;
  readonly body: Uint8Array;
  readonly trailer?: Headers;
}

const utf8 = new TextEncoder();

/** Messages (gRPC) and bodies (Connect) smaller than this go uncompressed, as Connect-ES's default `compressMinBytes`. */
const compressMinBytes = 1024;

/** The envelope of one response message, compressed when it is large enough and the client accepts it. */
async function messageEnvelope(
  bytes: Uint8Array,
  compression: Compression | null,
): Promise<Uint8Array> {
  if (!compression || bytes.byteLength < compressMinBytes) return envelope(0, bytes);
  return envelope(compressedFlag, await compression.compress(bytes));
}

/**
 * The answer to a finished unary call in its wire format, built with
 * Connect-ES's protocol helpers: gRPC gets one envelope and HTTP trailers
 * (`setTrailerStatus` on error); gRPC-Web gets the message and the trailer
 * frame in the body (`trailerSerialize`); Connect gets its HTTP status, the
 * message or the JSON error (`errorToJsonBytes`), and the trailers as
 * `trailer-` headers (`trailerMux`). With a `compression`, a message (gRPC)
 * or body (Connect) of at least 1 KiB is compressed, as Connect-ES does;
 * gRPC's `grpc-encoding` header is the caller's to set.
 */
export async function unaryResponse<O extends DescMessage>(
  schema: O,
  format: WireFormat,
  ctx: HandlerContext,
  output: MessageShape<O> | undefined,
  error: ConnectError | undefined,
  compression: Compression | null,
): Promise<FastResponse> {
  const header = ctx.responseHeader;
  const trailer = ctx.responseTrailer;
  switch (format.protocol) {
    case "grpc": {
      if (error) setTrailerStatus(trailer, error);
      const body =
        output === undefined || error
          ? new Uint8Array(0)
          : await messageEnvelope(toBinary(schema, output), compression);
      return { status: 200, header, body, trailer };
    }
    case "grpc-web": {
      if (error) setTrailerStatus(trailer, error);
      const frames = [envelope(trailerFlag, trailerSerialize(trailer))];
      if (output !== undefined && !error) {
        frames.unshift(await messageEnvelope(toBinary(schema, output), compression));
      }
      return { status: 200, header, body: concat(frames) };
    }
    case "connect": {
      let status = 200;
      let body: Uint8Array;
      if (error || output === undefined) {
        const err = error ?? new ConnectError("internal error", Code.Internal);
        status = codeToHttpStatus(err.code);
        header.set("content-type", "application/json");
        if (!err.isWireError) mergeNonProtocolHeaders(header, err.metadata);
        body = errorToJsonBytes(err, {});
      } else {
        body =
          format.codec === "json"
            ? utf8.encode(toJsonString(schema, output))
            : toBinary(schema, output);
      }
      if (compression && body.byteLength >= compressMinBytes) {
        body = await compression.compress(body);
        header.set("content-encoding", compression.name);
      }
      const muxed = trailerMux(header, trailer);
      muxed.set("content-length", String(body.byteLength));
      return { status, header: muxed, body };
    }
  }
}
