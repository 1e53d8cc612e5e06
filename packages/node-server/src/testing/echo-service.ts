import { create } from "@bufbuild/protobuf";
import {
  Code,
  ConnectError,
  type ConnectRouter,
  type HandlerContext,
  type ServiceImpl,
} from "@connectrpc/connect";
import { type Echo, type Echoed, EchoedSchema, EchoService } from "./gen/enginetest/v1/echo_pb.js";

/**
 * The engine's own test service, on nothing but plain Connect-ES APIs
 * (`ctx.responseHeader`, `ctx.responseTrailer`, `ConnectError`), so the very
 * same routes can be given to this engine and to stock `connectNodeAdapter`.
 * It answers only from what the request says, so two servers that read a
 * request alike answer it alike, byte for byte.
 *
 * Every method copies each request header whose name starts with
 * {@link echoPrefix} to the response headers and to the response trailers
 * (same name, same value as the request's `Headers` joined it), before its
 * first message and on error too. An `Echo` with `error_code` fails the
 * call with that code and `error_message`; the error carries the metadata
 * `x-echo-error: <code>`.
 */
export const echoService: ServiceImpl<typeof EchoService> = {
  unary(req, ctx) {
    echoMetadata(ctx);
    failIfAsked(req.echo);
    return { echoed: echoed(ctx, req.echo, 0) };
  },
  async *serverStream(req, ctx) {
    echoMetadata(ctx);
    for (let index = 0; index < repeatOf(req.echo); index++) {
      yield { echoed: echoed(ctx, req.echo, index) };
    }
    failIfAsked(req.echo);
  },
  async clientStream(requests, ctx) {
    echoMetadata(ctx);
    const texts: string[] = [];
    const data: Uint8Array[] = [];
    for await (const req of requests) {
      failIfAsked(req.echo);
      texts.push(req.echo?.text ?? "");
      data.push(req.echo?.data ?? new Uint8Array(0));
    }
    const all = { text: texts.join(","), data: Buffer.concat(data) };
    return { echoed: echoed(ctx, all, 0), count: texts.length };
  },
  async *bidiStream(requests, ctx) {
    echoMetadata(ctx);
    let index = 0;
    for await (const req of requests) {
      failIfAsked(req.echo);
      for (let i = 0; i < repeatOf(req.echo); i++) yield { echoed: echoed(ctx, req.echo, index++) };
    }
  },
};

/** Registers {@link echoService}: the routes both servers under test get. */
export function echoRoutes(router: ConnectRouter): void {
  router.service(EchoService, echoService);
}

/** Request headers with this prefix come back as response headers and trailers. */
export const echoPrefix = "x-echo-";

/** Most messages one request may ask for, so a request cannot make a server work for long. */
export const maxRepeat = 50;

function echoMetadata(ctx: HandlerContext): void {
  ctx.requestHeader.forEach((value, key) => {
    if (!key.startsWith(echoPrefix)) return;
    ctx.responseHeader.set(key, value);
    ctx.responseTrailer.set(key, value);
  });
}

function failIfAsked(echo: Echo | undefined): void {
  const code = echo?.errorCode ?? 0;
  if (code === 0) return;
  if (code > Code.Unauthenticated) {
    throw new ConnectError(`error_code ${code} is not a status code`, Code.InvalidArgument);
  }
  throw new ConnectError(echo?.errorMessage ?? "", code as Code, { "x-echo-error": String(code) });
}

function repeatOf(echo: Echo | undefined): number {
  return Math.min(Math.max(echo?.repeat ?? 0, 1), maxRepeat);
}

function echoed(
  ctx: HandlerContext,
  echo: Pick<Echo, "text" | "data"> | undefined,
  index: number,
): Echoed {
  return create(EchoedSchema, {
    text: echo?.text ?? "",
    data: echo?.data ?? new Uint8Array(0),
    index,
    protocol: ctx.protocolName,
    requestMethod: ctx.requestMethod,
    hasDeadline: ctx.timeoutMs() !== undefined,
  });
}
