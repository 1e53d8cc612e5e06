import type { DescMessage, MessageShape } from "@bufbuild/protobuf";
import { create, isMessage } from "@bufbuild/protobuf";
import type {
  ContextValues,
  HandlerContext,
  Interceptor,
  MethodImplSpec,
  UnaryRequest,
  UnaryResponse,
} from "@connectrpc/connect";
import type { RpcProtocol } from "@hello-metadata/metadata/internal";
import { FastHeaders } from "./fast-headers.js";
import { interceptorChain } from "./interceptor-chain.js";
import type { LazySignal } from "./lazy-signal.js";

/** A unary method as a router registered it. */
export type UnarySpec<
  I extends DescMessage = DescMessage,
  O extends DescMessage = DescMessage,
> = MethodImplSpec<I, O> & { kind: "unary" };

/** Where the handler context rides on a request through the interceptors. */
const contextOf = Symbol("hello-metadata handler context");
type CarryingRequest = UnaryRequest & { [contextOf]: HandlerContext };
type Next = (req: UnaryRequest) => Promise<UnaryResponse>;

/** What a unary call brings to its handler context. */
interface UnaryCall {
  readonly url: string;
  readonly header: Headers;
  readonly abort: LazySignal;
  readonly values: ContextValues;
}

/**
 * A handler context for one call with one request message (unary, or
 * server-streaming on its fast path), as Connect-ES builds one: the
 * response headers start with the content type, gRPC trailers with status 0,
 * and the deadline (if any) arms the lazy signal.
 */
export function unaryContext(
  spec: Pick<MethodImplSpec, "method">,
  protocol: RpcProtocol,
  responseContentType: string,
  call: UnaryCall,
  timeoutMs: number | undefined,
): HandlerContext {
  const deadline = timeoutMs === undefined ? undefined : Date.now() + timeoutMs;
  if (deadline !== undefined) call.abort.setDeadline(deadline);
  return new UnaryHandlerContext(spec, protocol, responseContentType, call, deadline);
}

/**
 * The context's one class, so that a call allocates the object and its two
 * header sets and nothing else (an object literal with a getter and an
 * arrow function would add a closure and an accessor per call).
 */
class UnaryHandlerContext implements HandlerContext {
  readonly method: HandlerContext["method"];
  readonly service: HandlerContext["service"];
  readonly requestMethod = "POST";
  readonly requestHeader: Headers;
  readonly responseHeader: Headers;
  readonly responseTrailer: Headers;
  readonly protocolName: string;
  readonly values: ContextValues;
  readonly url: string;
  readonly #abort: LazySignal;
  readonly #deadline: number | undefined;

  constructor(
    spec: Pick<MethodImplSpec, "method">,
    protocol: RpcProtocol,
    responseContentType: string,
    call: UnaryCall,
    deadline: number | undefined,
  ) {
    this.method = spec.method;
    this.service = spec.method.parent;
    this.requestHeader = call.header;
    this.responseHeader = FastHeaders.of("content-type", responseContentType);
    this.responseTrailer =
      protocol === "connect" ? new FastHeaders() : FastHeaders.of("grpc-status", "0");
    this.protocolName = protocol;
    this.values = call.values;
    this.url = call.url;
    this.#abort = call.abort;
    this.#deadline = deadline;
  }

  get signal(): AbortSignal {
    return this.#abort.signal;
  }

  timeoutMs(): number | undefined {
    return this.#deadline === undefined ? undefined : this.#deadline - Date.now();
  }
}

/**
 * Runs the interceptors and the implementation, as Connect-ES's
 * `invokeUnaryImplementation` does (same request and response objects, same
 * header copying), with the chain built once per method and the signal left
 * lazy.
 */
export async function invokeUnary<I extends DescMessage, O extends DescMessage>(
  spec: UnarySpec<I, O>,
  context: HandlerContext,
  input: MessageShape<I>,
  interceptors: Interceptor[],
): Promise<MessageShape<O>> {
  const next = interceptorChain(spec, interceptors, unaryImpl);
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

/** The implementation at the end of a unary chain: the handler, its answer made a message. */
function unaryImpl<I extends DescMessage, O extends DescMessage>(spec: UnarySpec<I, O>): Next {
  return async (req) => {
    const ctx = (req as CarryingRequest)[contextOf];
    const result = await spec.impl(req.message as MessageShape<I>, handlerView(ctx, req));
    return {
      stream: false,
      method: spec.method,
      service: spec.method.parent,
      message: isMessage(result, spec.method.output) ? result : create(spec.method.output, result),
      header: ctx.responseHeader,
      trailer: ctx.responseTrailer,
    } as UnaryResponse;
  };
}

/** The handler's view of the call: the context, with what interceptors changed on the request. */
export function handlerView(
  ctx: HandlerContext,
  req: Pick<UnaryRequest, "header" | "contextValues">,
): HandlerContext {
  if (req.header === ctx.requestHeader && req.contextValues === ctx.values) return ctx;
  return Object.create(ctx, {
    requestHeader: { value: req.header },
    values: { value: req.contextValues },
  }) as HandlerContext;
}

/** Makes `to` hold exactly what `from` holds, as Connect-ES's copyHeaders does. */
export function replaceHeaders(to: Headers, from: Headers): void {
  for (const key of [...to.keys()]) to.delete(key);
  from.forEach((value, key) => {
    to.set(key, value);
  });
}
