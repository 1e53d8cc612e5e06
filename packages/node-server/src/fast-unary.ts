import type { DescMessage, MessageShape } from "@bufbuild/protobuf";
import { fromBinary, fromJsonString } from "@bufbuild/protobuf";
import { Code, ConnectError } from "@connectrpc/connect";
import { parseTimeout as parseConnectTimeout } from "@connectrpc/connect/protocol-connect";
import { parseTimeout as parseGrpcTimeout } from "@connectrpc/connect/protocol-grpc";
import { type WireFormat, wireFormatOf } from "@hello-metadata/metadata/internal";
import { singleEnvelope } from "./envelope.js";
import {
  type FastPathOptions,
  type FastRequest,
  handlerError,
  responseCompression,
  responseContentType,
} from "./fast-path.js";
import { invokeUnary, type UnarySpec, unaryContext } from "./unary-invoke.js";
import { type FastResponse, unaryResponse } from "./unary-response.js";

/**
 * The wire format of a unary request the fast path serves, or undefined
 * when Connect-ES should handle it: the fast path takes binary gRPC and
 * gRPC-Web and Connect unary (JSON or binary), uncompressed; anything else
 * (other codecs, compression, gRPC-Web text, Connect streaming) goes to
 * Connect-ES.
 */
export function fastFormatOf(
  contentType: string | undefined,
  header: (name: string) => string | undefined,
): WireFormat | undefined {
  const format = wireFormatOf(contentType);
  if (!format || format.text || format.stream) return undefined;
  if (format.protocol === "connect") {
    return identity(header("content-encoding")) ? format : undefined;
  }
  return format.codec === "proto" && identity(header("grpc-encoding")) ? format : undefined;
}

function identity(encoding: string | undefined): boolean {
  return encoding === undefined || encoding === "identity";
}

const jsonRead = { ignoreUnknownFields: true };
const utf8Decoder = new TextDecoder("utf-8", { fatal: true });

/**
 * Runs unary calls on the happy path without Connect-ES's streaming
 * pipeline: one buffered body, one parse, the interceptors and the service
 * run as Connect-ES's `invokeUnaryImplementation` runs them (see
 * unary-invoke.ts), one serialized answer (see unary-response.ts),
 * compressed as Connect-ES compresses it when the client accepts one of
 * `acceptCompression`. The call's signal is lazy (see LazySignal).
 *
 * Connect-ES stays the source of truth: `run` returns undefined whenever the
 * request is not plainly well-formed (an envelope that lies or is
 * compressed, a body over the limit, a message that does not parse, a bad
 * timeout), and the adapter then hands the same bytes to Connect-ES's own
 * handler, which answers with its exact error.
 */
export function createFastUnary(options: FastPathOptions) {
  return {
    async run<I extends DescMessage, O extends DescMessage>(
      spec: UnarySpec<I, O>,
      format: WireFormat,
      req: FastRequest,
    ): Promise<FastResponse | undefined> {
      const grpcLike = format.protocol !== "connect";
      const timeout = grpcLike
        ? parseGrpcTimeout(req.header.get("grpc-timeout"), Number.MAX_SAFE_INTEGER)
        : parseConnectTimeout(req.header.get("connect-timeout-ms"), Number.MAX_SAFE_INTEGER);
      if (timeout.error) return undefined;
      const payload = grpcLike ? singleEnvelope(req.body, options.readMaxBytes) : req.body;
      if (payload === undefined || payload.byteLength > options.readMaxBytes) return undefined;
      const input = parse(spec.method.input, format, payload);
      if (input === undefined) return undefined;

      const contentType = grpcLike
        ? responseContentType[format.protocol]
        : responseContentType[format.codec];
      const expired = timeout.timeoutMs !== undefined && timeout.timeoutMs <= 0;
      const context = unaryContext(
        spec,
        format.protocol,
        contentType,
        req,
        expired ? 0 : timeout.timeoutMs,
      );
      // As Connect-ES negotiates it: the client's first accepted name the
      // router has; gRPC names it in the response headers before the handler runs.
      const compression = responseCompression(
        options,
        req.header,
        grpcLike ? "grpc-accept-encoding" : "accept-encoding",
      );
      if (grpcLike && compression) context.responseHeader.set("grpc-encoding", compression.name);
      if (expired) {
        // A deadline that has already passed: the handler does not run (grpc-go does the same).
        const error = new ConnectError("the operation timed out", Code.DeadlineExceeded);
        return unaryResponse(spec.method.output, format, context, undefined, error, compression);
      }
      let output: MessageShape<O> | undefined;
      let error: ConnectError | undefined;
      try {
        output = await invokeUnary(spec, context, input, options.interceptors);
      } catch (e) {
        error = handlerError(e);
      } finally {
        req.abort.done();
      }
      return unaryResponse(spec.method.output, format, context, output, error, compression);
    },
  };
}

function parse<I extends DescMessage>(
  schema: I,
  format: WireFormat,
  payload: Uint8Array,
): MessageShape<I> | undefined {
  try {
    return format.codec === "json"
      ? fromJsonString(schema, utf8Decoder.decode(payload), jsonRead)
      : fromBinary(schema, payload);
  } catch {
    return undefined; // Connect-ES reparses and words the error.
  }
}
