import type { DescMessage, MessageShape } from "@bufbuild/protobuf";
import { create, fromBinary, isMessage } from "@bufbuild/protobuf";
import {
  Code,
  ConnectError,
  type HandlerContext,
  type Interceptor,
  type MethodImplSpec,
  type StreamRequest,
  type StreamResponse,
} from "@connectrpc/connect";
import {
  type Compression,
  compressedFlag,
  createAsyncIterable,
} from "@connectrpc/connect/protocol";
import { parseTimeout } from "@connectrpc/connect/protocol-grpc";
import { trailerFlag, trailerSerialize } from "@connectrpc/connect/protocol-grpc-web";
import type { WireFormat } from "@hello-metadata/metadata/internal";
import { encodeBinary } from "./binary-encoder.js";
import { envelope, singleEnvelope } from "./envelope.js";
import {
  compressMinBytes,
  type FastPathOptions,
  type FastRequest,
  handlerError,
  responseCompression,
  responseContentType,
} from "./fast-path.js";
import { setGrpcStatus } from "./grpc-status.js";
import { interceptorChain } from "./interceptor-chain.js";
import { handlerView, replaceHeaders, unaryContext } from "./unary-invoke.js";

/** A server-streaming method as a router registered it. */
export type ServerStreamSpec<
  I extends DescMessage = DescMessage,
  O extends DescMessage = DescMessage,
> = MethodImplSpec<I, O> & { kind: "server_streaming" };

/**
 * A streamed answer the fast path built: the body yields envelopes (and, on
 * gRPC-Web, the trailer frame last); `trailer` (gRPC) is complete once the
 * body is. Its `grpc-message` is written as the spec writes it already.
 */
export interface FastStreamResponse {
  readonly status: 200;
  readonly header: Headers;
  readonly body: AsyncIterable<Uint8Array>;
  readonly trailer: Headers | undefined;
  readonly specEncoded: true;
}

/** Where the call's own request rides through the interceptors, to spot one they replaced. */
const carried = Symbol("hello-metadata server stream call");
interface Carried {
  readonly context: HandlerContext;
  readonly input: unknown;
  readonly message: AsyncIterable<unknown>;
}
type CarryingRequest = StreamRequest & { [carried]: Carried };
type Next = (req: StreamRequest) => Promise<StreamResponse>;

/**
 * Runs server-streaming calls in binary gRPC and gRPC-Web on the happy
 * path without Connect-ES's streaming pipeline, which costs several async
 * generators and promise hops per message: one buffered request, one parse,
 * the interceptors and the service as Connect-ES's `transformInvokeImplementation`
 * runs them, then per message one encode and one envelope (compressed as
 * Connect-ES compresses when the client accepts one of
 * `acceptCompression`), and the status in the trailers (gRPC) or the
 * trailer frame (gRPC-Web). As Connect-ES does, the answer is returned once
 * the first message (or the end, or an error) is there, so a handler can
 * still set headers before it yields.
 *
 * Connect-ES stays the source of truth: `run` returns undefined whenever
 * the request is not plainly well-formed (not exactly one uncompressed
 * envelope, over the limit, a message that does not parse, a bad timeout),
 * and the adapter hands the same bytes to Connect-ES's own handler.
 */
export function createFastServerStream(options: FastPathOptions) {
  return {
    async run<I extends DescMessage, O extends DescMessage>(
      spec: ServerStreamSpec<I, O>,
      format: WireFormat,
      req: FastRequest,
    ): Promise<FastStreamResponse | undefined> {
      if (format.protocol === "connect" || format.codec !== "proto") return undefined;
      const timeout = parseTimeout(req.header.get("grpc-timeout"), Number.MAX_SAFE_INTEGER);
      if (timeout.error) return undefined;
      const payload = singleEnvelope(req.body, options.readMaxBytes);
      if (payload === undefined) return undefined;
      let input: MessageShape<I>;
      try {
        input = fromBinary(spec.method.input, payload);
      } catch {
        return undefined; // Connect-ES reparses and words the error.
      }
      const web = format.protocol === "grpc-web";
      const expired = timeout.timeoutMs !== undefined && timeout.timeoutMs <= 0;
      const context = unaryContext(
        spec,
        format.protocol,
        responseContentType[format.protocol],
        req,
        expired ? 0 : timeout.timeoutMs,
      );
      const compression = responseCompression(options, req.header, "grpc-accept-encoding");
      if (compression) context.responseHeader.set("grpc-encoding", compression.name);
      const trailer = context.responseTrailer;
      const frames = expired
        ? failed(new ConnectError("the operation timed out", Code.DeadlineExceeded))
        : messages(spec, context, input, options.interceptors, compression);
      const body = withStatus(frames, trailer, web, () => req.abort.done());
      // Wait for the first envelope (or the end) before the header block is
      // taken, as Connect-ES's untilFirst does.
      const first = await body.next();
      return {
        status: 200,
        header: context.responseHeader,
        body: replay(first, body),
        trailer: web ? undefined : trailer,
        specEncoded: true,
      };
    },
  };
}

/** The envelopes of the handler's messages, through the interceptors. */
async function* messages<I extends DescMessage, O extends DescMessage>(
  spec: ServerStreamSpec<I, O>,
  context: HandlerContext,
  input: MessageShape<I>,
  interceptors: Interceptor[],
  compression: Compression | null,
): AsyncGenerator<Uint8Array> {
  const next = interceptorChain(spec, interceptors, streamImpl);
  const message = createAsyncIterable([input]);
  const request = {
    stream: true as const,
    message,
    method: spec.method,
    service: spec.method.parent,
    requestMethod: context.requestMethod,
    url: context.url,
    header: context.requestHeader,
    contextValues: context.values,
    get signal() {
      return context.signal;
    },
    [carried]: { context, input, message } satisfies Carried,
  };
  const res = await next(request as unknown as StreamRequest);
  if (res.header !== context.responseHeader) replaceHeaders(context.responseHeader, res.header);
  const schema = spec.method.output;
  for await (const m of res.message) {
    const out = isMessage(m, schema) ? m : create(schema, m as MessageShape<O>);
    const bytes = encodeBinary(schema, out);
    if (compression !== null && bytes.byteLength >= compressMinBytes) {
      yield envelope(compressedFlag, await compression.compress(bytes));
    } else {
      yield envelope(0, bytes);
    }
  }
  if (res.trailer !== context.responseTrailer) replaceHeaders(context.responseTrailer, res.trailer);
}

/** A stream that fails before its first message. */
async function* failed(error: ConnectError): AsyncGenerator<Uint8Array> {
  yield* [];
  throw error;
}

/**
 * `frames`, then the status: an error (a ConnectError, or anything else as
 * `internal`) goes into the trailers as the spec writes it, and gRPC-Web
 * gets the trailer frame last. `done` runs once, however the stream ends
 * (finished, failed, or abandoned by a peer that went away).
 */
async function* withStatus(
  frames: AsyncGenerator<Uint8Array>,
  trailer: Headers,
  web: boolean,
  done: () => void,
): AsyncGenerator<Uint8Array> {
  let error: ConnectError | undefined;
  try {
    yield* frames;
  } catch (e) {
    error = handlerError(e);
  } finally {
    done();
  }
  if (error) setGrpcStatus(trailer, error);
  // Sorted by name as Connect-ES's frame is (a Headers copy iterates sorted;
  // the context's FastHeaders, in insertion order).
  if (web) yield envelope(trailerFlag, trailerSerialize(new Headers(trailer)));
}

/** `rest` with its first result, already pulled, in front. */
async function* replay(
  first: IteratorResult<Uint8Array>,
  rest: AsyncGenerator<Uint8Array>,
): AsyncGenerator<Uint8Array> {
  if (first.done) return;
  yield first.value;
  yield* rest;
}

/** The implementation at the end of a server-streaming chain: the handler's messages. */
function streamImpl<I extends DescMessage, O extends DescMessage>(
  spec: ServerStreamSpec<I, O>,
): Next {
  return async (req) => {
    const call = (req as CarryingRequest)[carried];
    const input =
      req.message === call.message
        ? (call.input as MessageShape<I>)
        : await single(req.message as AsyncIterable<MessageShape<I>>);
    return {
      stream: true,
      method: spec.method,
      service: spec.method.parent,
      message: spec.impl(input, handlerView(call.context, req)),
      header: call.context.responseHeader,
      trailer: call.context.responseTrailer,
    } as StreamResponse;
  };
}

/** The one message of a request an interceptor replaced, as Connect-ES's ensureSingle demands it. */
async function single<T>(messages: AsyncIterable<T>): Promise<T> {
  const it = messages[Symbol.asyncIterator]();
  const first = await it.next();
  if (first.done === true) {
    throw new ConnectError(
      "protocol error: missing input message for server-streaming method",
      Code.Unimplemented,
    );
  }
  const second = await it.next();
  if (second.done !== true) {
    throw new ConnectError(
      "protocol error: received extra input message for server-streaming method",
      Code.Unimplemented,
    );
  }
  return first.value;
}
