import type { DescMessage, MessageShape } from "@bufbuild/protobuf";
import {
  create,
  fromBinary,
  fromJsonString,
  isMessage,
  toBinary,
  toJsonString,
} from "@bufbuild/protobuf";
import {
  Code,
  ConnectError,
  createContextValues,
  type HandlerContext,
  type Interceptor,
  type MethodImplSpec,
  type UnaryRequest,
  type UnaryResponse,
} from "@connectrpc/connect";
import { mergeNonProtocolHeaders } from "@connectrpc/connect/protocol";
import {
  codeToHttpStatus,
  errorToJsonBytes,
  parseTimeout as parseConnectTimeout,
  trailerMux,
} from "@connectrpc/connect/protocol-connect";
import {
  parseTimeout as parseGrpcTimeout,
  setTrailerStatus,
} from "@connectrpc/connect/protocol-grpc";
import { trailerFlag, trailerSerialize } from "@connectrpc/connect/protocol-grpc-web";
import { FastHeaders } from "./fast-headers.js";

/** The unary wire formats the fast path serves. */
export type FastProtocol = "grpc" | "grpc-web" | "connect-json" | "connect-proto";

/**
 * Picks the fast path's protocol from a request's content type and encoding
 * headers, or undefined when Connect-ES should handle the request (other
 * codecs, compression, gRPC-Web text, anything unusual).
 */
export function fastProtocolOf(
  contentType: string | undefined,
  header: (name: string) => string | undefined,
): FastProtocol | undefined {
  switch (contentType) {
    case "application/grpc":
    case "application/grpc+proto":
      return identity(header("grpc-encoding")) ? "grpc" : undefined;
    case "application/grpc-web":
    case "application/grpc-web+proto":
      return identity(header("grpc-encoding")) ? "grpc-web" : undefined;
    case "application/json":
    case "application/json; charset=utf-8":
      return identity(header("content-encoding")) ? "connect-json" : undefined;
    case "application/proto":
      return identity(header("content-encoding")) ? "connect-proto" : undefined;
    default:
      return undefined;
  }
}

function identity(encoding: string | undefined): boolean {
  return encoding === undefined || encoding === "identity";
}

/** A response the adapter writes as it is: status, headers, one body, optional HTTP trailers. */
export interface FastResponse {
  readonly status: number;
  readonly header: Headers;
  readonly body: Uint8Array;
  readonly trailer?: Headers;
}

/** One unary call as the adapter hands it over. */
export interface FastRequest {
  readonly url: string;
  readonly header: Headers;
  readonly body: Uint8Array;
  /** Aborted by the adapter when the client goes away; the deadline aborts it too. */
  readonly abort: LazySignal;
}

/**
 * An abort signal that costs nothing until someone reads it. Most unary
 * calls never look at their signal, and an AbortController (an EventTarget)
 * is among the most expensive things a call would otherwise allocate. The
 * first read of `signal` creates it, already aborted if the client went away
 * or the deadline passed, and arms the deadline timer from then on.
 */
export class LazySignal {
  #controller: AbortController | undefined;
  #reason: unknown;
  #deadline: number | undefined;
  #timer: NodeJS.Timeout | undefined;

  /** Sets the deadline (an absolute `Date.now()` time) the signal aborts at. */
  setDeadline(at: number): void {
    this.#deadline = at;
  }

  get signal(): AbortSignal {
    if (this.#controller) return this.#controller.signal;
    const controller = new AbortController();
    this.#controller = controller;
    if (this.#reason !== undefined) {
      controller.abort(this.#reason);
    } else if (this.#deadline !== undefined) {
      const left = this.#deadline - Date.now();
      if (left <= 0) controller.abort(deadlineExceeded());
      else this.#timer = setTimeout(() => controller.abort(deadlineExceeded()), left);
    }
    return controller.signal;
  }

  /** Aborts with `reason` (always given, so no DOMException is built). */
  abort(reason: ConnectError): void {
    if (this.#controller) this.#controller.abort(reason);
    else this.#reason ??= reason;
  }

  /** Releases the deadline timer; call when the call is over. */
  done(): void {
    clearTimeout(this.#timer);
  }
}

function deadlineExceeded(): ConnectError {
  return new ConnectError("the operation timed out", Code.DeadlineExceeded);
}

const protocolName: Record<FastProtocol, string> = {
  grpc: "grpc",
  "grpc-web": "grpc-web",
  "connect-json": "connect",
  "connect-proto": "connect",
};

const responseContentType: Record<FastProtocol, string> = {
  grpc: "application/grpc+proto",
  "grpc-web": "application/grpc-web+proto",
  "connect-json": "application/json",
  "connect-proto": "application/proto",
};

const jsonRead = { ignoreUnknownFields: true };
const utf8 = new TextEncoder();
const utf8Decoder = new TextDecoder("utf-8", { fatal: true });

/**
 * Runs unary calls on the happy path without Connect-ES's streaming
 * pipeline: one buffered body, one parse, the interceptors and the service
 * run as Connect-ES's `invokeUnaryImplementation` runs them (with the chain
 * built once per method), one serialized answer. The call's signal is lazy
 * (see LazySignal) and never aborted without a reason, so a call that does
 * not look at it allocates no AbortController and no DOMException.
 *
 * Connect-ES stays the source of truth: `run` returns undefined whenever the
 * request is not plainly well-formed (an envelope that lies or is
 * compressed, a body over the limit, a message that does not parse, a bad
 * timeout), and the adapter then hands the same bytes to Connect-ES's own
 * handler, which answers with its exact error. Responses are built with
 * Connect-ES's exported protocol helpers (`setTrailerStatus`, `trailerMux`,
 * `errorToJsonBytes`, `codeToHttpStatus`, `trailerSerialize`).
 */
export function createFastUnary(options: {
  readonly interceptors: Interceptor[];
  readonly readMaxBytes: number;
}) {
  return {
    async run<I extends DescMessage, O extends DescMessage>(
      spec: MethodImplSpec<I, O> & { kind: "unary" },
      protocol: FastProtocol,
      req: FastRequest,
    ): Promise<FastResponse | undefined> {
      const grpcLike = protocol === "grpc" || protocol === "grpc-web";
      const timeout = grpcLike
        ? parseGrpcTimeout(req.header.get("grpc-timeout"), Number.MAX_SAFE_INTEGER)
        : parseConnectTimeout(req.header.get("connect-timeout-ms"), Number.MAX_SAFE_INTEGER);
      if (timeout.error) return undefined;
      const payload = grpcLike ? unwrapEnvelope(req.body, options.readMaxBytes) : req.body;
      if (payload === undefined || payload.byteLength > options.readMaxBytes) return undefined;
      const input = parse(spec.method.input, protocol, payload);
      if (input === undefined) return undefined;

      const context = handlerContext(spec, protocol, req, timeout.timeoutMs);
      let output: MessageShape<O> | undefined;
      let error: ConnectError | undefined;
      try {
        output = await invoke(spec, context, input, options.interceptors);
      } catch (e) {
        error =
          e instanceof ConnectError
            ? e
            : new ConnectError("internal error", Code.Internal, undefined, undefined, e);
      } finally {
        req.abort.done();
      }
      return respond(spec.method.output, protocol, context, output, error);
    },
  };
}

/** Where the handler context rides on a request through the interceptors. */
const contextOf = Symbol("hello-metadata handler context");
type CarryingRequest = UnaryRequest & { [contextOf]: HandlerContext };

/** Interceptor chains, built once per method and interceptor list, not per call. */
const chains = new WeakMap<
  object,
  WeakMap<Interceptor[], (req: UnaryRequest) => Promise<UnaryResponse>>
>();

/**
 * Runs the interceptors and the implementation, as Connect-ES's
 * `invokeUnaryImplementation` does (same request and response objects, same
 * header copying), with the chain built once per method and the signal left
 * lazy.
 */
async function invoke<I extends DescMessage, O extends DescMessage>(
  spec: MethodImplSpec<I, O> & { kind: "unary" },
  context: HandlerContext,
  input: MessageShape<I>,
  interceptors: Interceptor[],
): Promise<MessageShape<O>> {
  let perSpec = chains.get(spec);
  if (!perSpec) {
    perSpec = new WeakMap();
    chains.set(spec, perSpec);
  }
  let next = perSpec.get(interceptors);
  if (!next) {
    const impl = async (req: UnaryRequest): Promise<UnaryResponse> => {
      const ctx = (req as CarryingRequest)[contextOf];
      const result = await spec.impl(req.message as MessageShape<I>, handlerView(ctx, req));
      return {
        stream: false,
        method: spec.method,
        service: spec.method.parent,
        message: isMessage(result, spec.method.output)
          ? result
          : create(spec.method.output, result),
        header: ctx.responseHeader,
        trailer: ctx.responseTrailer,
      } as UnaryResponse;
    };
    // Interceptors wrap from the last to the first, as Connect-ES's applyInterceptors does.
    const chain = interceptors.reduceRight<(req: UnaryRequest) => Promise<UnaryResponse>>(
      (inner, interceptor) => interceptor(inner as never) as never,
      impl,
    );
    perSpec.set(interceptors, chain);
    next = chain;
  }
  const request = {
    stream: false as const,
    message: input,
    method: spec.method,
    service: spec.method.parent,
    requestMethod: context.requestMethod,
    url: context.url,
    header: context.requestHeader,
    contextValues: context.values,
    get signal() {
      return context.signal;
    },
    [contextOf]: context,
  };
  const res = await next(request as unknown as UnaryRequest);
  if (res.header !== context.responseHeader) replaceHeaders(context.responseHeader, res.header);
  if (res.trailer !== context.responseTrailer) replaceHeaders(context.responseTrailer, res.trailer);
  return res.message as MessageShape<O>;
}

/** The handler's view of the call: the context, with what interceptors changed on the request. */
function handlerView(ctx: HandlerContext, req: UnaryRequest): HandlerContext {
  if (req.header === ctx.requestHeader && req.contextValues === ctx.values) return ctx;
  return Object.create(ctx, {
    requestHeader: { value: req.header },
    values: { value: req.contextValues },
  }) as HandlerContext;
}

function replaceHeaders(to: Headers, from: Headers): void {
  for (const key of [...to.keys()]) to.delete(key);
  from.forEach((value, key) => {
    to.set(key, value);
  });
}

/** The single message of a gRPC body, or undefined when the envelope is not plainly one uncompressed message. */
function unwrapEnvelope(body: Uint8Array, readMaxBytes: number): Uint8Array | undefined {
  if (body.byteLength < 5 || body[0] !== 0) return undefined;
  const length =
    ((body[1] ?? 0) << 24) | ((body[2] ?? 0) << 16) | ((body[3] ?? 0) << 8) | (body[4] ?? 0);
  if (length !== body.byteLength - 5 || length > readMaxBytes) return undefined;
  return body.subarray(5);
}

function envelope(flags: number, data: Uint8Array): Uint8Array {
  const out = new Uint8Array(data.byteLength + 5);
  out[0] = flags;
  new DataView(out.buffer).setUint32(1, data.byteLength);
  out.set(data, 5);
  return out;
}

function parse<I extends DescMessage>(
  schema: I,
  protocol: FastProtocol,
  payload: Uint8Array,
): MessageShape<I> | undefined {
  try {
    return protocol === "connect-json"
      ? fromJsonString(schema, utf8Decoder.decode(payload), jsonRead)
      : fromBinary(schema, payload);
  } catch {
    return undefined; // Connect-ES reparses and words the error.
  }
}

function handlerContext(
  spec: MethodImplSpec & { kind: "unary" },
  protocol: FastProtocol,
  req: FastRequest,
  timeoutMs: number | undefined,
): HandlerContext {
  const deadline = timeoutMs === undefined ? undefined : Date.now() + timeoutMs;
  if (deadline !== undefined) req.abort.setDeadline(deadline);
  const grpcLike = protocol === "grpc" || protocol === "grpc-web";
  const signalSource = req.abort;
  return {
    method: spec.method,
    service: spec.method.parent,
    get signal() {
      return signalSource.signal;
    },
    timeoutMs: () => (deadline === undefined ? undefined : deadline - Date.now()),
    requestMethod: "POST",
    requestHeader: req.header,
    responseHeader: new FastHeaders({ "content-type": responseContentType[protocol] }),
    responseTrailer: new FastHeaders(grpcLike ? { "grpc-status": "0" } : undefined),
    protocolName: protocolName[protocol],
    values: createContextValues(),
    url: req.url,
  };
}

function respond<O extends DescMessage>(
  schema: O,
  protocol: FastProtocol,
  ctx: HandlerContext,
  output: MessageShape<O> | undefined,
  error: ConnectError | undefined,
): FastResponse {
  const header = ctx.responseHeader;
  const trailer = ctx.responseTrailer;
  switch (protocol) {
    case "grpc": {
      if (error) setTrailerStatus(trailer, error);
      const body =
        output === undefined || error ? new Uint8Array(0) : envelope(0, toBinary(schema, output));
      return { status: 200, header, body, trailer };
    }
    case "grpc-web": {
      if (error) setTrailerStatus(trailer, error);
      const frames = [envelope(trailerFlag, trailerSerialize(trailer))];
      if (output !== undefined && !error) frames.unshift(envelope(0, toBinary(schema, output)));
      return { status: 200, header, body: concat(frames) };
    }
    default: {
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
          protocol === "connect-json"
            ? utf8.encode(toJsonString(schema, output))
            : toBinary(schema, output);
      }
      const muxed = trailerMux(header, trailer);
      muxed.set("content-length", String(body.byteLength));
      return { status, header: muxed, body };
    }
  }
}

function concat(parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.byteLength, 0));
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.byteLength;
  }
  return out;
}
