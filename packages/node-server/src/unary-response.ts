import type { DescMessage, MessageShape } from "@bufbuild/protobuf";
import { toJsonString } from "@bufbuild/protobuf";
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
import { trailerFlag, trailerSerialize } from "@connectrpc/connect/protocol-grpc-web";
import type { WireFormat } from "@hello-metadata/metadata/internal";
import { encodeBinary } from "./binary-encoder.js";
import { concat, envelope } from "./envelope.js";
import { compressMinBytes } from "./fast-path.js";
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
 * (the status set as the spec encodes it on error); gRPC-Web gets the
 * message and the trailer frame in the body (`trailerSerialize`); Connect
 * gets its HTTP status, the message or the JSON error (`errorToJsonBytes`),
 * and the trailers as `trailer-` headers (`trailerMux`). With a
 * `compression`, a message (gRPC) or body (Connect) of at least 1 KiB is
 * compressed, as Connect-ES does, and only then is the answer a promise;
 * gRPC's `grpc-encoding` header is the caller's to set.
 */
export function unaryResponse<O extends DescMessage>(
  schema: O,
  format: WireFormat,
  ctx: HandlerContext,
  output: MessageShape<O> | undefined,
  error: ConnectError | undefined,
  compression: Compression | null,
): FastResponse | Promise<FastResponse> {
  const header = ctx.responseHeader;
  const trailer = ctx.responseTrailer;
  const squeeze = (bytes: Uint8Array) =>
    compression !== null && bytes.byteLength >= compressMinBytes;
  switch (format.protocol) {
    case "grpc": {
      if (error) setGrpcStatus(trailer, error);
      if (output === undefined || error)
        return { status: 200, header, body: new Uint8Array(0), trailer };
      const message = encodeBinary(schema, output);
      if (!squeeze(message)) return { status: 200, header, body: envelope(0, message), trailer };
      return (compression as Compression)
        .compress(message)
        .then((c) => ({ status: 200, header, body: envelope(compressedFlag, c), trailer }));
    }
    case "grpc-web": {
      if (error) setGrpcStatus(trailer, error);
      const trailerFrame = envelope(trailerFlag, trailerSerialize(trailer));
      if (output === undefined || error) return { status: 200, header, body: trailerFrame };
      const message = encodeBinary(schema, output);
      if (!squeeze(message)) {
        return { status: 200, header, body: concat([envelope(0, message), trailerFrame]) };
      }
      return (compression as Compression).compress(message).then((c) => ({
        status: 200,
        header,
        body: concat([envelope(compressedFlag, c), trailerFrame]),
      }));
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
      const finish = (bytes: Uint8Array): FastResponse => {
        const muxed = trailerMux(header, trailer);
        muxed.set("content-length", String(bytes.byteLength));
        return { status, header: muxed, body: bytes };
      };
      if (!squeeze(body)) return finish(body);
      header.set("content-encoding", (compression as Compression).name);
      return (compression as Compression).compress(body).then(finish);
    }
  }
}
