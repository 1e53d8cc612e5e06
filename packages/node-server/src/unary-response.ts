import type { DescMessage, MessageShape } from "@bufbuild/protobuf";
import { toJsonString } from "@bufbuild/protobuf";
import { Code, ConnectError, type HandlerContext } from "@connectrpc/connect";
import { mergeNonProtocolHeaders } from "@connectrpc/connect/protocol";
import {
  codeToHttpStatus,
  errorToJsonBytes,
  trailerMux,
} from "@connectrpc/connect/protocol-connect";
import { trailerFlag, trailerSerialize } from "@connectrpc/connect/protocol-grpc-web";
import type { WireFormat } from "@hello-metadata/metadata/internal";
import { encodeBinary } from "./binary-encoder.js";
import { concat, envelope } from "./envelope.js";
import { setGrpcStatus } from "./grpc-status.js";

/** A response the adapter writes as it is: status, headers, one body, optional HTTP trailers. */
export interface FastResponse {
  readonly status: number;
  readonly header: Headers;
  readonly body: Uint8Array;
  readonly trailer?: Headers;
}

const utf8 = new TextEncoder();

/**
 * The answer to a finished unary call in its wire format, built with
 * Connect-ES's protocol helpers: gRPC gets one envelope and HTTP trailers
 * (`setTrailerStatus` on error); gRPC-Web gets the message and the trailer
 * frame in the body (`trailerSerialize`); Connect gets its HTTP status, the
 * message or the JSON error (`errorToJsonBytes`), and the trailers as
 * `trailer-` headers (`trailerMux`).
 */
export function unaryResponse<O extends DescMessage>(
  schema: O,
  format: WireFormat,
  ctx: HandlerContext,
  output: MessageShape<O> | undefined,
  error: ConnectError | undefined,
): FastResponse {
  const header = ctx.responseHeader;
  const trailer = ctx.responseTrailer;
  switch (format.protocol) {
    case "grpc": {
      if (error) setGrpcStatus(trailer, error);
      const body =
        output === undefined || error
          ? new Uint8Array(0)
          : envelope(0, encodeBinary(schema, output));
      return { status: 200, header, body, trailer };
    }
    case "grpc-web": {
      if (error) setGrpcStatus(trailer, error);
      const frames = [envelope(trailerFlag, trailerSerialize(trailer))];
      if (output !== undefined && !error) frames.unshift(envelope(0, encodeBinary(schema, output)));
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
            : encodeBinary(schema, output);
      }
      const muxed = trailerMux(header, trailer);
      muxed.set("content-length", String(body.byteLength));
      return { status, header: muxed, body };
    }
  }
}
