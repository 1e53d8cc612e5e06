import type * as http from "node:http";
import type * as http2 from "node:http2";
import {
  Code,
  ConnectError,
  type ConnectRouter,
  createConnectRouter,
  createServiceImplSpec,
  type Interceptor,
  type MethodImplSpec,
} from "@connectrpc/connect";
import type {
  UniversalHandler,
  UniversalServerRequest,
  UniversalServerResponse,
} from "@connectrpc/connect/protocol";
import {
  compressionBrotli,
  compressionGzip,
  universalRequestFromNodeRequest,
  universalResponseToNodeResponse,
} from "@connectrpc/connect-node";
import { FastHeaders } from "./fast-headers.js";
import {
  createFastUnary,
  type FastProtocol,
  type FastResponse,
  fastProtocolOf,
  LazySignal,
} from "./fast-unary.js";
import {
  binaryContentType,
  decodeTextBody,
  isGrpcWebText,
  textErrorResponse,
  toTextResponse,
} from "./grpc-web-text.js";

type UnarySpec = MethodImplSpec & { kind: "unary" };
/** A request from Node's HTTP/1.1 server or its HTTP/2 compatibility API. */
export type NodeRequest = http.IncomingMessage | http2.Http2ServerRequest;
/** A response of Node's HTTP/1.1 server or its HTTP/2 compatibility API. */
export type NodeResponse = http.ServerResponse | http2.Http2ServerResponse;

/** Options for {@link createNodeAdapter}. */
export interface NodeAdapterOptions {
  /** Registers the services, as for `connectNodeAdapter`. */
  readonly routes: (router: ConnectRouter) => void;
  readonly interceptors: Interceptor[];
  readonly readMaxBytes: number;
  /** Answers requests for paths that are not RPCs (static files, 404, unknown methods). */
  readonly fallback: (req: NodeRequest, res: NodeResponse) => void;
  /**
   * Called once per fast-path HTTP/2 stream before anything else: may change
   * the request headers (the request id) and returns headers to add to the
   * response (request id, CORS).
   */
  readonly edgeHeaders: (headers: http.IncomingHttpHeaders) => Record<string, string>;
}

/**
 * The server's Node glue, in one place: Connect-ES's universal handlers for
 * every RPC, plus a fast path for unary calls that skips the streaming
 * pipeline (see fast-unary.ts). HTTP/1.1 requests arrive through Node's
 * request/response API; HTTP/2 streams arrive raw (`handleStream`) and only
 * those the fast path does not take are handed to the compatibility API.
 */
export function createNodeAdapter(options: NodeAdapterOptions) {
  const router = createConnectRouter({
    interceptors: options.interceptors,
    readMaxBytes: options.readMaxBytes,
    acceptCompression: [compressionGzip, compressionBrotli],
  });
  const unary = new Map<string, UnarySpec>();
  options.routes(recordingRouter(router, unary));
  const handlers = new Map<string, UniversalHandler>(
    router.handlers.map((h) => [h.requestPath, h]),
  );
  const fast = createFastUnary({
    interceptors: options.interceptors,
    readMaxBytes: options.readMaxBytes,
  });

  /** Runs a request through Connect-ES's own handler, with a body that may start with bytes already read. */
  function universal(
    handler: UniversalHandler,
    req: Omit<UniversalServerRequest, "body">,
    prefix: Uint8Array[],
    rest: AsyncIterable<Uint8Array> | undefined,
  ): Promise<UniversalServerResponse> {
    async function* body() {
      yield* prefix;
      if (rest) yield* rest;
    }
    return handler({ ...req, body: body() });
  }

  /**
   * Serves a gRPC-Web text request (see grpc-web-text.ts): decodes the body,
   * answers it as binary gRPC-Web (fast path for unary methods, Connect-ES
   * for the rest), and returns the answer encoded as text.
   */
  async function serveText(
    handler: UniversalHandler,
    spec: UnarySpec | undefined,
    incoming: http.IncomingHttpHeaders,
    target: { readonly path: string; readonly httpVersion: string },
    source: NodeJS.ReadableStream,
    abort: LazySignal,
  ): Promise<UniversalServerResponse> {
    const limit = Math.ceil(((options.readMaxBytes + 5) * 4) / 3) + 64;
    const { chunks, complete } = await readBody(source, limit);
    if (!complete) {
      return textErrorResponse(
        Code.ResourceExhausted,
        `message is larger than configured readMaxBytes ${options.readMaxBytes}`,
      );
    }
    const body = decodeTextBody(join(chunks));
    if (!body) {
      return textErrorResponse(
        Code.InvalidArgument,
        "gRPC-Web text request body is not valid base64",
      );
    }
    const header = headersOf(incoming);
    header.set("content-type", binaryContentType);
    const url = absoluteUrl(incoming, target.path);
    const fastResult = spec
      ? await fast.run(spec, "grpc-web", { url, header, body, abort })
      : undefined;
    if (fastResult) return toTextResponse(fastResult);
    const req = {
      httpVersion: target.httpVersion,
      method: "POST",
      url,
      header,
      signal: abort.signal,
    };
    return toTextResponse(await universal(handler, req, [body], undefined));
  }

  return {
    /** The paths Connect-ES answers. */
    rpcPaths: new Set(handlers.keys()),

    /** Handles an HTTP/1.1 (or HTTP/2 compatibility) request. */
    handleRequest(req: NodeRequest, res: NodeResponse): void {
      const path = (req.url ?? "").split("?", 1)[0] ?? "";
      const handler = handlers.get(path);
      if (!handler) {
        options.fallback(req, res);
        return;
      }
      if (req.method === "POST" && isGrpcWebText(req.headers["content-type"])) {
        const abort = new LazySignal();
        res.once("close", () => {
          if (!res.writableFinished)
            abort.abort(new ConnectError("the client closed the request", Code.Canceled));
        });
        const target = { path: req.url ?? "/", httpVersion: req.httpVersion };
        const source = req as unknown as NodeJS.ReadableStream;
        void serveText(handler, unary.get(path), req.headers, target, source, abort)
          .then((uRes) => universalResponseToNodeResponse(uRes, res))
          .catch(ignoreAbort);
        return;
      }
      const spec = unary.get(path);
      const protocol =
        spec && req.method === "POST"
          ? fastProtocolOf(req.headers["content-type"], (n) => single(req.headers[n]))
          : undefined;
      if (!spec || !protocol) {
        const uReq = universalRequestFromNodeRequest(req, res, undefined, undefined);
        void handler(uReq)
          .then((uRes) => universalResponseToNodeResponse(uRes, res))
          .catch(ignoreAbort);
        return;
      }
      const abort = new LazySignal();
      res.once("close", () => {
        if (!res.writableFinished)
          abort.abort(new ConnectError("the client closed the request", Code.Canceled));
      });
      void readBody(req as unknown as NodeJS.ReadableStream, options.readMaxBytes)
        .then(async ({ chunks, complete }) => {
          const url = absoluteUrl(req.headers, req.url ?? "/");
          const header = headersOf(req.headers);
          const result = complete
            ? await fast.run(spec, protocol, { url, header, body: join(chunks), abort })
            : undefined;
          if (result) return writeHttp1(res, result);
          const uRes = await universal(
            handler,
            { httpVersion: req.httpVersion, method: "POST", url, header, signal: abort.signal },
            chunks,
            complete ? undefined : (req as AsyncIterable<Uint8Array>),
          );
          await universalResponseToNodeResponse(uRes, res);
        })
        .catch(ignoreAbort);
    },

    /**
     * Takes an HTTP/2 stream if the fast path serves it, and returns true;
     * returns false, having touched nothing, so the caller can hand the
     * stream to Node's compatibility API.
     */
    handleStream(stream: http2.ServerHttp2Stream, headers: http2.IncomingHttpHeaders): boolean {
      if (headers[":method"] !== "POST") return false;
      const rawPath = headers[":path"] ?? "";
      const path = rawPath.split("?", 1)[0] ?? "";
      const spec = unary.get(path);
      const handler = handlers.get(path);
      if (handler && isGrpcWebText(headers["content-type"])) {
        const extra = options.edgeHeaders(headers);
        const abort = new LazySignal();
        let finished = false;
        stream.once("close", () => {
          if (!finished)
            abort.abort(new ConnectError("the client closed the request", Code.Canceled));
        });
        stream.on("error", () => {});
        void serveText(handler, spec, headers, { path: rawPath, httpVersion: "2.0" }, stream, abort)
          .then(async (uRes) => {
            await writeStream(stream, uRes, extra);
            finished = true;
          })
          .catch(ignoreAbort);
        return true;
      }
      const protocol: FastProtocol | undefined =
        spec && handler
          ? fastProtocolOf(headers["content-type"], (n) => single(headers[n]))
          : undefined;
      if (!spec || !handler || !protocol) return false;
      const extra = options.edgeHeaders(headers);
      const abort = new LazySignal();
      let finished = false;
      stream.once("close", () => {
        if (!finished)
          abort.abort(new ConnectError("the client closed the request", Code.Canceled));
      });
      stream.on("error", () => {});
      void readBody(stream, options.readMaxBytes)
        .then(async ({ chunks, complete }) => {
          const url = absoluteUrl(headers, rawPath);
          const header = headersOf(headers);
          let result: FastResponse | UniversalServerResponse | undefined = complete
            ? await fast.run(spec, protocol, { url, header, body: join(chunks), abort })
            : undefined;
          result ??= await universal(
            handler,
            { httpVersion: "2.0", method: "POST", url, header, signal: abort.signal },
            chunks,
            complete ? undefined : stream,
          );
          await writeStream(stream, result, extra);
          finished = true;
        })
        .catch(ignoreAbort);
      return true;
    },
  };
}

/** Wraps a router so that registering a service also records its unary methods' specs by path. */
function recordingRouter(router: ConnectRouter, unary: Map<string, UnarySpec>): ConnectRouter {
  return {
    get handlers() {
      return router.handlers;
    },
    service(service, impl, opts) {
      const spec = createServiceImplSpec(service, impl);
      for (const m of Object.values(spec.methods)) {
        if (m.kind === "unary") unary.set(`/${service.typeName}/${m.method.name}`, m as UnarySpec);
      }
      router.service(service, impl, opts);
      return this;
    },
    rpc(method, impl, opts) {
      router.rpc(method, impl, opts);
      return this;
    },
  };
}

function single(v: string | string[] | undefined): string | undefined {
  return Array.isArray(v) ? v[0] : v;
}

function headersOf(incoming: http.IncomingHttpHeaders): Headers {
  return new FastHeaders(incoming);
}

function absoluteUrl(headers: http.IncomingHttpHeaders, path: string): string {
  const authority = headers[":authority"] ?? headers.host ?? "localhost";
  return `http://${authority}${path}`;
}

/**
 * Reads a request body up to `max` + 5 bytes (a gRPC envelope's header). A
 * larger body stops being read: `complete` is false and the rest is left in
 * the stream for Connect-ES, which enforces the limit in its own words.
 */
function readBody(
  source: NodeJS.ReadableStream,
  max: number,
): Promise<{ chunks: Uint8Array[]; complete: boolean }> {
  return new Promise((resolve, reject) => {
    const chunks: Uint8Array[] = [];
    let size = 0;
    const onData = (c: Buffer) => {
      chunks.push(c);
      size += c.byteLength;
      if (size > max + 5) {
        cleanup();
        source.pause();
        resolve({ chunks, complete: false });
      }
    };
    const onEnd = () => {
      cleanup();
      resolve({ chunks, complete: true });
    };
    const onError = (e: unknown) => {
      cleanup();
      reject(e);
    };
    const cleanup = () => {
      source.off("data", onData);
      source.off("end", onEnd);
      source.off("error", onError);
    };
    source.on("data", onData);
    source.once("end", onEnd);
    source.once("error", onError);
  });
}

function join(chunks: Uint8Array[]): Uint8Array {
  if (chunks.length === 1 && chunks[0]) return chunks[0];
  return Buffer.concat(chunks);
}

function headerObject(h: Headers, into: http2.OutgoingHttpHeaders): http2.OutgoingHttpHeaders {
  h.forEach((value, key) => {
    into[key] = value;
  });
  return into;
}

function writeHttp1(res: NodeResponse, r: FastResponse): void {
  const out: Record<string, string> = {};
  r.header.forEach((value, key) => {
    out[key] = value;
  });
  (res as http.ServerResponse).writeHead(r.status, out);
  res.end(r.body);
}

/** Writes a fast or universal response to a raw HTTP/2 stream. */
async function writeStream(
  stream: http2.ServerHttp2Stream,
  r: FastResponse | UniversalServerResponse,
  extra: Record<string, string>,
): Promise<void> {
  if (stream.destroyed || stream.closed) return;
  const head = headerObject(r.header instanceof Headers ? r.header : new Headers(r.header), {
    ...extra,
    ":status": r.status,
  });
  const trailer = r.trailer;
  const hasTrailer = trailer !== undefined && [...trailer.keys()].length > 0;
  stream.respond(head, { waitForTrailers: hasTrailer });
  if (hasTrailer) {
    stream.once("wantTrailers", () => {
      if (!stream.destroyed) stream.sendTrailers(headerObject(trailer, {}));
    });
  }
  const body = r.body;
  if (body === undefined) {
    stream.end();
  } else if (body instanceof Uint8Array) {
    stream.end(body);
  } else {
    for await (const chunk of body) {
      if (stream.destroyed) return;
      if (!stream.write(chunk)) await new Promise((ok) => stream.once("drain", ok));
    }
    stream.end();
  }
}

/**
 * Swallows the errors that only mean the client went away (a cancelled call,
 * a reset stream, a connection that closed mid-request) and reports the rest.
 */
function ignoreAbort(reason: unknown): void {
  const nodeCode = (reason as NodeJS.ErrnoException | undefined)?.code;
  if (
    nodeCode === "ECONNRESET" ||
    nodeCode === "ERR_STREAM_PREMATURE_CLOSE" ||
    nodeCode === "EPIPE"
  )
    return;
  if (reason instanceof Error && reason.message === "aborted") return; // Node: request aborted mid-body
  const code = ConnectError.from(reason).code;
  if (code === Code.Canceled || code === Code.Aborted) return;
  console.error("rpc failed in the adapter", reason);
}
