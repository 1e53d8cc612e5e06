import type * as http from "node:http";
import type * as http2 from "node:http2";
import {
  Code,
  type ConnectRouter,
  createConnectRouter,
  createServiceImplSpec,
  type Interceptor,
} from "@connectrpc/connect";
import type { UniversalHandler, UniversalServerResponse } from "@connectrpc/connect/protocol";
import {
  compressionBrotli,
  compressionGzip,
  universalRequestFromNodeRequest,
  universalResponseToNodeResponse,
} from "@connectrpc/connect-node";
import {
  acceptedContentTypes,
  acceptPost,
  isRpcContentType,
  type WireFormat,
} from "@hello-metadata/metadata/internal";
import { abortOnClose } from "./call-abort.js";
import { FastHeaders } from "./fast-headers.js";
import { createFastUnary, fastFormatOf } from "./fast-unary.js";
import { checkGetQuery } from "./get-request.js";
import { isGrpcWebText, serveGrpcWebText } from "./grpc-web-text.js";
import type { LazySignal } from "./lazy-signal.js";
import { reportUnlessClientGone } from "./node-errors.js";
import type { NodeRequest, NodeResponse, Responder } from "./node-request.js";
import { discardUnread, joinChunks, readBody } from "./request-body.js";
import { writeFastHttp1, writeStream } from "./response-writer.js";
import { writeRpcError } from "./rpc-errors.js";
import type { UnarySpec } from "./unary-invoke.js";
import type { FastResponse } from "./unary-response.js";
import { absoluteUrl, withBody } from "./universal.js";

/** Options for {@link createNodeAdapter}. */
export interface NodeAdapterOptions {
  /** Registers the services, as for `connectNodeAdapter`. */
  readonly routes: (router: ConnectRouter) => void;
  /** Interceptors for every call, outermost first. */
  readonly interceptors?: Interceptor[];
  /** Largest request message, in bytes (default 4 MiB, as Connect-ES's). */
  readonly readMaxBytes?: number;
  /**
   * Answers requests for paths that are not RPCs (static files, say);
   * default: 404. Unknown RPCs (an RPC content type on an unknown path) get
   * the protocol's `unimplemented` before this is asked.
   */
  readonly fallback?: (req: NodeRequest, res: NodeResponse) => void;
  /**
   * Called once per request, before anything is written, on every path: may
   * change the request headers (a request id) and returns headers to add to
   * the response (CORS, the request id). `rpc` tells whether the path is an
   * RPC this adapter serves.
   */
  readonly edgeHeaders?: (
    headers: http.IncomingHttpHeaders,
    route: { readonly rpc: boolean },
  ) => Record<string, string>;
}

/**
 * A Node request handler for a Connect router, like connect-node's
 * `connectNodeAdapter`: pass it to `http.createServer` or
 * `http2.createServer`. HTTP/2 servers that hand it their raw streams
 * (`handleStream`) get the unary fast path on them too.
 */
export interface NodeAdapter {
  /** Handles an HTTP/1.1 or HTTP/2 compatibility request. */
  (req: NodeRequest, res: NodeResponse): void;
  /**
   * Takes a raw HTTP/2 stream if the fast path (or gRPC-Web text) serves it,
   * and returns true; returns false, having touched nothing, so the caller
   * can hand the stream to Node's compatibility API (and from there to this
   * adapter as a request).
   */
  handleStream(stream: http2.ServerHttp2Stream, headers: http2.IncomingHttpHeaders): boolean;
  /** The request paths of every RPC the router serves. */
  readonly rpcPaths: ReadonlySet<string>;
}

const defaultReadMaxBytes = 4 * 1024 * 1024;

/**
 * Creates the adapter: Connect-ES's universal handlers for every RPC, plus a
 * fast path for unary calls that skips the streaming pipeline (see
 * fast-unary.ts) and gRPC-Web text, which Connect-ES does not serve (see
 * grpc-web-text.ts). Before any RPC code runs it answers, in the protocol's
 * own words, what Connect-ES would answer less clearly: an unknown method
 * (`unimplemented`), a POST with a content type no protocol uses (415 naming
 * the accepted ones), a Connect GET whose query is not usable
 * (`invalid_argument`).
 */
export function createNodeAdapter(options: NodeAdapterOptions): NodeAdapter {
  const interceptors = options.interceptors ?? [];
  const readMaxBytes = options.readMaxBytes ?? defaultReadMaxBytes;
  const acceptCompression = [compressionGzip, compressionBrotli];
  const router = createConnectRouter({ interceptors, readMaxBytes, acceptCompression });
  const unary = new Map<string, UnarySpec>();
  options.routes(recordingRouter(router, unary));
  const handlers = new Map<string, UniversalHandler>(
    router.handlers.map((h) => [h.requestPath, h]),
  );
  const fast = createFastUnary({ interceptors, readMaxBytes, acceptCompression });
  const edge: NonNullable<NodeAdapterOptions["edgeHeaders"]> = options.edgeHeaders ?? (() => ({}));
  const fallback = options.fallback ?? notFound;

  /** The fast path's answer, or Connect-ES's for the same bytes when the fast path declines. */
  async function answerUnary(
    handler: UniversalHandler,
    spec: UnarySpec,
    format: WireFormat,
    call: { url: string; header: Headers; httpVersion: string; abort: LazySignal },
    source: NodeJS.ReadableStream & AsyncIterable<Uint8Array>,
  ): Promise<FastResponse | UniversalServerResponse> {
    const { chunks, complete } = await readBody(source, readMaxBytes);
    const { url, header, abort } = call;
    const result = complete
      ? await fast.run(spec, format, { url, header, body: joinChunks(chunks), abort })
      : undefined;
    if (result) return result;
    const req = {
      httpVersion: call.httpVersion,
      method: "POST",
      url,
      header,
      signal: abort.signal,
    };
    return handler(withBody(req, chunks, complete ? undefined : source));
  }

  /** Answers before any RPC code what the protocols would answer less clearly. */
  function refuse(req: NodeRequest, res: Responder): boolean {
    if (req.method === "GET") {
      const problem = checkGetQuery(new URL(req.url ?? "", "http://x").searchParams);
      if (problem) {
        writeRpcError(res, "application/json", Code.InvalidArgument, problem);
        return true;
      }
    }
    const contentType = req.headers["content-type"];
    if (req.method === "POST" && !isRpcContentType(contentType)) {
      res.writeHead(415, {
        "content-type": "text/plain; charset=utf-8",
        "accept-post": acceptPost,
      });
      res.end(
        `unsupported content-type ${JSON.stringify(contentType ?? "")}: use ${acceptedContentTypes}\n`,
      );
      return true;
    }
    return false;
  }

  const adapter = (req: NodeRequest, res: NodeResponse): void => {
    // HTTP/2: once the answer is out, what the handler left unread is dropped,
    // or the stream would stay open (see discardUnread).
    if ("stream" in req) req.stream.once("finish", () => discardUnread(req));
    const path = (req.url ?? "").split("?", 1)[0] ?? "";
    const handler = handlers.get(path);
    for (const [k, v] of Object.entries(edge(req.headers, { rpc: handler !== undefined }))) {
      res.setHeader(k, v);
    }
    if (!handler) {
      const method = req.method ?? "";
      if (method !== "GET" && method !== "HEAD" && isRpcContentType(req.headers["content-type"])) {
        // An unknown path is HTTP 404 on Connect, as Connect-ES's router and
        // connect-go answer it; the body still names the code.
        const message = `unknown method ${path}`;
        writeRpcError(res, req.headers["content-type"], Code.Unimplemented, message, {
          httpStatus: 404,
        });
      } else {
        fallback(req, res);
      }
      return;
    }
    if (refuse(req, res)) return;
    const spec = unary.get(path);
    const source = req as unknown as NodeJS.ReadableStream & AsyncIterable<Uint8Array>;
    if (req.method === "POST" && isGrpcWebText(req.headers["content-type"])) {
      const { abort, finished } = abortOnClose(res);
      const target = { path: req.url ?? "/", httpVersion: req.httpVersion };
      void serveGrpcWebText(
        { fast, readMaxBytes },
        handler,
        spec,
        req.headers,
        target,
        source,
        abort,
      )
        .then((uRes) => universalResponseToNodeResponse(uRes, res))
        .then(finished)
        .catch(reportUnlessClientGone);
      return;
    }
    const format =
      spec && req.method === "POST"
        ? fastFormatOf(req.headers["content-type"], (n) => single(req.headers[n]))
        : undefined;
    if (!spec || !format) {
      const uReq = universalRequestFromNodeRequest(req, res, undefined, undefined);
      void handler(uReq)
        .then((uRes) => universalResponseToNodeResponse(uRes, res))
        .catch(reportUnlessClientGone);
      return;
    }
    const { abort, finished } = abortOnClose(res);
    const call = {
      url: absoluteUrl(req.headers, req.url ?? "/"),
      header: new FastHeaders(req.headers),
      httpVersion: req.httpVersion,
      abort,
    };
    void answerUnary(handler, spec, format, call, source)
      .then((r) =>
        r.body instanceof Uint8Array
          ? writeFastHttp1(res, r as FastResponse)
          : universalResponseToNodeResponse(r as UniversalServerResponse, res),
      )
      .then(finished)
      .catch(reportUnlessClientGone);
  };

  adapter.rpcPaths = new Set(handlers.keys()) as ReadonlySet<string>;
  adapter.handleStream = (
    stream: http2.ServerHttp2Stream,
    headers: http2.IncomingHttpHeaders,
  ): boolean => {
    if (headers[":method"] !== "POST") return false;
    const rawPath = headers[":path"] ?? "";
    const path = rawPath.split("?", 1)[0] ?? "";
    const handler = handlers.get(path);
    if (!handler) return false;
    const spec = unary.get(path);
    const contentType = headers["content-type"];
    const text = isGrpcWebText(contentType);
    const format = spec && !text ? fastFormatOf(contentType, (n) => single(headers[n])) : undefined;
    if (!text && !(spec && format)) return false;
    const extra = edge(headers, { rpc: true });
    const { abort, finished } = abortOnClose(stream);
    stream.on("error", () => {});
    const source = stream as NodeJS.ReadableStream & AsyncIterable<Uint8Array>;
    const target = { path: rawPath, httpVersion: "2.0" };
    const call = {
      url: absoluteUrl(headers, rawPath),
      header: new FastHeaders(headers),
      httpVersion: "2.0",
      abort,
    };
    const answer =
      spec && format
        ? answerUnary(handler, spec, format, call, source)
        : serveGrpcWebText({ fast, readMaxBytes }, handler, spec, headers, target, source, abort);
    void answer
      .then((r) => writeStream(stream, r, extra))
      .then(finished)
      .catch(reportUnlessClientGone);
    return true;
  };
  return adapter as NodeAdapter;
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

function notFound(_req: NodeRequest, res: Responder): void {
  res.writeHead(404, { "content-type": "text/plain; charset=utf-8" });
  res.end("not found\n");
}

function single(v: string | string[] | undefined): string | undefined {
  return Array.isArray(v) ? v[0] : v;
}
