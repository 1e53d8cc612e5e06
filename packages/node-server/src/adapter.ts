import type * as http from "node:http";
import * as http2 from "node:http2";
import {
  Code,
  type ConnectRouter,
  createConnectRouter,
  createContextValues,
  createServiceImplSpec,
  type Interceptor,
} from "@connectrpc/connect";
import type { UniversalHandler } from "@connectrpc/connect/protocol";
import { compressionBrotli, compressionGzip } from "@connectrpc/connect-node";
import {
  acceptedContentTypes,
  acceptPost,
  headerSenderKey,
  isRpcContentType,
  type RpcProtocol,
  type WireFormat,
  wireFormatOf,
} from "@hello-metadata/metadata/internal";
import { abortOnClose } from "./call-abort.js";
import { clientAddressKey } from "./call-context.js";
import { clampTimeoutHeader } from "./deadline.js";
import { consoleLog, type EngineLog } from "./engine-log.js";
import { FastHeaders } from "./fast-headers.js";
import { createFastServerStream, type ServerStreamSpec } from "./fast-server-stream.js";
import { createFastUnary, fastFormatOf } from "./fast-unary.js";
import { createFlowBudget, type FlowBudget } from "./flow-budget.js";
import { checkGetQuery } from "./get-request.js";
import { serveGrpcWebText, textContentType } from "./grpc-web-text.js";
import type { NodeRequest, NodeResponse } from "./node-request.js";
import { createArrivalWatch, joinChunks, readBody } from "./request-body.js";
import { runGuarded, summarize } from "./request-context.js";
import { unsupportedEncoding } from "./request-encoding.js";
import { http1Target, http2Target, type RequestTarget } from "./request-target.js";
import { type ResponseSink, resetExchange, responseSink, streamSink } from "./response-sink.js";
import { type Answer, writeAnswer } from "./response-writer.js";
import { writePlain, writeRpcError } from "./rpc-errors.js";
import type { UnarySpec } from "./unary-invoke.js";
import { universalRequest } from "./universal.js";

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
   * the protocol's `unimplemented` before this is asked. It may return a
   * promise; a rejection is answered 500 (or the connection reset, if the
   * answer had begun) and logged, never left unhandled.
   */
  readonly fallback?: (req: NodeRequest, res: NodeResponse) => void | Promise<void>;
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
  /** Where failures are reported (default: the console, warnings and errors only). */
  readonly log?: EngineLog;
  /**
   * The authority requests without one are taken to address (HTTP/1.0 may
   * omit Host); default `localhost`. `serve` passes its own.
   */
  readonly authority?: () => string;
  /**
   * The client a request stands for, from its TCP peer and its headers
   * (behind a trusted proxy, the client the proxy names; see
   * trusted-proxies.ts); default the peer. It is what `clientAddressKey`
   * holds.
   */
  readonly clientOf?: (peer: string, headers: http.IncomingHttpHeaders) => string;
  /**
   * How long a unary call's request may take to arrive (default 30 s); then
   * the call is answered `deadline_exceeded` and the exchange closed.
   */
  readonly requestTimeoutMs?: number;
  /**
   * The budget for response bytes waiting on slow readers, shared with the
   * server's other adapters; default a budget of its own with generous
   * limits (see flow-budget.ts). `serve` passes the one from its limits.
   */
  readonly flow?: FlowBudget;
}

/**
 * A Node request handler for a Connect router, like connect-node's
 * `connectNodeAdapter`: pass it to `http.createServer` or
 * `http2.createServer`. HTTP/2 servers that hand it their raw streams
 * (`handleStream`) get every RPC on raw streams: the unary fast path,
 * headers sent at `sendHeader`, and flow budgets.
 */
export interface NodeAdapter {
  /** Handles an HTTP/1.1 or HTTP/2 compatibility request. Never throws. */
  (req: NodeRequest, res: NodeResponse): void;
  /**
   * Takes a raw HTTP/2 stream whose path is an RPC of this router and
   * returns true; returns false, having touched nothing, for any other path,
   * so the caller can hand the stream to Node's compatibility API (and from
   * there to this adapter as a request). Never throws.
   */
  handleStream(
    stream: http2.ServerHttp2Stream,
    headers: http2.IncomingHttpHeaders,
    client?: string,
  ): boolean;
  /** The request paths of every RPC the router serves. */
  readonly rpcPaths: ReadonlySet<string>;
}

const defaultReadMaxBytes = 4 * 1024 * 1024;

/** The request compressions every protocol accepts (and may answer with). */
const acceptCompression = [compressionGzip, compressionBrotli];

/** One RPC request, whichever way it arrived. */
interface RpcCall {
  readonly handler: UniversalHandler;
  /** The method's spec, when it has a fast path (unary and server-streaming methods). */
  readonly spec: UnarySpec | ServerStreamSpec | undefined;
  readonly target: RequestTarget;
  readonly method: string;
  readonly httpVersion: string;
  /** The request headers, as Connect-ES reads them. */
  readonly header: Headers;
  readonly contentType: string | undefined;
  readonly body: NodeJS.ReadableStream & AsyncIterable<Uint8Array>;
  readonly sink: ResponseSink;
  /** Where the call's signal comes from, and how its end is marked. */
  readonly lifetime: ReturnType<typeof abortOnClose>;
  /** Ends the exchange now (after an answer the server gave up with). */
  close(): void;
  /** The client's address (see clientAddressKey). */
  readonly client: string;
}

/**
 * Creates the adapter: Connect-ES's universal handlers for every RPC, plus a
 * fast path for unary calls that skips the streaming pipeline (see
 * fast-unary.ts) and gRPC-Web text, which Connect-ES does not serve (see
 * grpc-web-text.ts). Before any RPC code runs it answers, in the protocol's
 * own words, what Connect-ES would answer less clearly or not at all: a
 * request it cannot route (400: bad authority or target, two Host headers),
 * an unknown method (`unimplemented`), a POST with a content type no
 * protocol uses (415 naming the accepted ones), a Connect GET whose query is
 * not usable (`invalid_argument`), a request compressed in an encoding the
 * server cannot read (`unimplemented` with the protocol's accept header
 * naming gzip and br). No exception escapes a request: every
 * entry point runs guarded (see request-context.ts).
 */
export function createNodeAdapter(options: NodeAdapterOptions): NodeAdapter {
  const interceptors = options.interceptors ?? [];
  const readMaxBytes = options.readMaxBytes ?? defaultReadMaxBytes;
  const log = options.log ?? consoleLog;
  const authority = options.authority ?? (() => "localhost");
  const flow = options.flow ?? defaultFlow();
  const router = createConnectRouter({ interceptors, readMaxBytes, acceptCompression });
  const specs = new Map<string, UnarySpec | ServerStreamSpec>();
  options.routes(recordingRouter(router, specs));
  const handlers = new Map<string, UniversalHandler>(
    router.handlers.map((h) => [h.requestPath, h]),
  );
  const fast = createFastUnary({ interceptors, readMaxBytes, acceptCompression });
  const fastStream = createFastServerStream({ interceptors, readMaxBytes, acceptCompression });
  const edge: NonNullable<NodeAdapterOptions["edgeHeaders"]> = options.edgeHeaders ?? (() => ({}));
  const fallback = options.fallback ?? notFound;
  const requestTimeoutMs = options.requestTimeoutMs ?? 30_000;
  const clientOf = options.clientOf ?? ((peer: string) => peer);
  const arrivals = createArrivalWatch(requestTimeoutMs);

  /**
   * Sends the call's headers at `sendHeader` where the protocol allows it:
   * gRPC and gRPC-Web (also as text) always answer 200 with the status in
   * trailers or the body, and Connect streams carry theirs in the
   * end-of-stream message; Connect unary carries its trailers in the header
   * block, so its headers cannot go first.
   */
  function headerSender(format: WireFormat, sink: ResponseSink) {
    if (format.protocol === "connect" && !format.stream) return undefined;
    return (responseHeader: Headers): boolean => {
      if (sink.headSent || sink.gone) return false;
      const header = new Headers(responseHeader);
      if (format.text) header.set("content-type", textContentType(header.get("content-type")));
      sink.head(200, header, format.protocol === "grpc", true);
      return true;
    };
  }

  /** Serves one RPC: the fast path, gRPC-Web text, or Connect-ES's handler. */
  async function serveRpc(call: RpcCall): Promise<void> {
    const { sink, target, lifetime } = call;
    const format = wireFormatOf(call.contentType);
    if (refused(call, format)) return;
    const protocol: RpcProtocol = format?.protocol ?? "connect";
    if (format) clampTimeoutHeader(call.header, protocol);
    const values = createContextValues().set(clientAddressKey, call.client);
    const sender = format && headerSender(format, sink);
    if (sender) values.set(headerSenderKey, sender);
    const abort = lifetime.abort;
    const isPost = call.method === "POST";
    const unarySpec = call.spec?.kind === "unary" ? call.spec : undefined;
    let arrived = noop;
    if (unarySpec && isPost) {
      arrived = arrivals.watch(
        call.body as unknown as { readableEnded: boolean; destroyed: boolean },
        () => {
          const message = `the request did not arrive within ${requestTimeoutMs} ms`;
          writeRpcError(sink, protocol, Code.DeadlineExceeded, message);
          call.close();
        },
      );
    }
    let answer: Answer;
    if (isPost && format?.text) {
      answer = await serveGrpcWebText(
        { fast, fastStream, readMaxBytes },
        call.handler,
        call.spec,
        format.codec,
        { header: call.header, url: target.url, httpVersion: call.httpVersion, values },
        call.body,
        abort,
      );
      await writeAnswer(sink, answer, undefined);
      lifetime.finished();
      return;
    }
    /** Connect-ES's own handler, with any body bytes the fast path already read. */
    const universal = (prefix: Uint8Array[], rest: typeof call.body | undefined) =>
      call.handler(
        universalRequest({
          httpVersion: call.httpVersion,
          method: call.method,
          url: target.url,
          header: call.header,
          signal: abort.signal,
          contextValues: values,
          prefix,
          rest,
        }),
      );
    const fastFormat =
      isPost && call.spec
        ? fastFormatOf(call.contentType, (n) => call.header.get(n) ?? undefined)
        : undefined;
    if (call.spec && fastFormat) {
      const { chunks, complete } = await readBody(call.body, readMaxBytes);
      if (complete) arrived();
      const request = complete
        ? { url: target.url, header: call.header, body: joinChunks(chunks), abort, values }
        : undefined;
      const result =
        request === undefined
          ? undefined
          : call.spec.kind === "unary"
            ? await fast.run(call.spec, fastFormat, request)
            : await fastStream.run(call.spec, fastFormat, request);
      answer = result ?? (await universal(chunks, complete ? undefined : call.body));
    } else {
      answer = await universal([], call.body);
    }
    arrived(); // a unary handler has read its whole request by the time it answers
    await writeAnswer(sink, answer, protocol);
    lifetime.finished();
  }

  /** Answers before any RPC code what the protocols would answer less clearly. */
  function refused(call: RpcCall, format: WireFormat | undefined): boolean {
    if (call.method === "GET") {
      const problem = checkGetQuery(new URLSearchParams(call.target.search));
      if (problem) {
        writeRpcError(call.sink, "connect", Code.InvalidArgument, problem);
        return true;
      }
    }
    const encoding = format && unsupportedEncoding(call.header, format, acceptCompression);
    if (format && encoding) {
      writeRpcError(call.sink, format.protocol, Code.Unimplemented, encoding.message, {
        header: encoding.accept,
      });
      return true;
    }
    if (call.method === "POST" && !format) {
      writePlain(
        call.sink,
        415,
        `unsupported content-type ${JSON.stringify(call.contentType ?? "")}: use ${acceptedContentTypes}\n`,
        { "accept-post": acceptPost },
      );
      return true;
    }
    return false;
  }

  /** What to do when serving a request failed outside the protocol's own error path. */
  function answerFailure(sink: ResponseSink, exchange: http2.ServerHttp2Stream | NodeResponse) {
    return (contentType: string | undefined) => () => {
      if (sink.gone) return;
      if (sink.headSent) {
        resetExchange(exchange);
        return;
      }
      const protocol = wireFormatOf(contentType)?.protocol;
      if (protocol) writeRpcError(sink, protocol, Code.Internal, "internal error");
      else writePlain(sink, 500, "internal error\n");
    };
  }

  const adapter = (req: NodeRequest, res: NodeResponse): void => {
    req.on("error", ignore); // the client went away mid-request: its close says so
    const describe = () =>
      summarize(
        req.method,
        req.url,
        req.httpVersion,
        clientOf(req.socket?.remoteAddress ?? "", req.headers),
      );
    const flowTrack = () => {
      const f = flow.track(req.socket ?? res, () => resetExchange(res as http.ServerResponse));
      // A writer waiting for room on an exchange that is gone must not wait for other streams.
      res.once("close", () => f.release());
      return f;
    };
    let sink: ResponseSink | undefined;
    const fail = (e: unknown) => {
      sink ??= responseSink(res, flowTrack());
      answerFailure(sink, res)(req.headers["content-type"])();
      void e;
    };
    runGuarded(
      describe,
      log,
      async () => {
        const target =
          "stream" in req
            ? http2Target(req.headers, authority())
            : http1Target(req as http.IncomingMessage, authority());
        if ("problem" in target) {
          sink = responseSink(res, flowTrack());
          if (!("stream" in req)) res.setHeader("connection", "close");
          writePlain(sink, 400, `Bad Request: ${target.problem}\n`);
          return;
        }
        const handler = handlers.get(target.path);
        for (const [k, v] of Object.entries(edge(req.headers, { rpc: handler !== undefined }))) {
          res.setHeader(k, v);
        }
        const method = req.method ?? "";
        if (!handler) {
          const contentType = req.headers["content-type"];
          if (method !== "GET" && method !== "HEAD" && isRpcContentType(contentType)) {
            sink = responseSink(res, flowTrack());
            // An unknown path is HTTP 404 on Connect, as Connect-ES's router and
            // connect-go answer it; the body still names the code.
            writeRpcError(
              sink,
              wireFormatOf(contentType)?.protocol ?? "connect",
              Code.Unimplemented,
              `unknown method ${target.path}`,
              { httpStatus: 404 },
            );
            return;
          }
          await fallback(req, res);
          return;
        }
        sink = responseSink(res, flowTrack());
        await serveRpc({
          handler,
          spec: specs.get(target.path),
          target,
          method,
          httpVersion: req.httpVersion,
          header: new FastHeaders(req.headers),
          contentType: req.headers["content-type"],
          body: req as unknown as NodeJS.ReadableStream & AsyncIterable<Uint8Array>,
          sink,
          lifetime: abortOnClose(res),
          close: () => setTimeout(() => req.destroy(), 50).unref(),
          client: clientOf(req.socket?.remoteAddress ?? "", req.headers),
        });
      },
      fail,
    );
  };

  adapter.rpcPaths = new Set(handlers.keys()) as ReadonlySet<string>;
  adapter.handleStream = (
    stream: http2.ServerHttp2Stream,
    headers: http2.IncomingHttpHeaders,
    client?: string,
  ): boolean => {
    const rawPath = headers[":path"];
    const path = typeof rawPath === "string" ? (rawPath.split("?", 1)[0] ?? "") : "";
    const handler = handlers.get(path);
    if (!handler) return false;
    const describe = () => summarize(headers[":method"], rawPath, "2.0", client);
    let sink: ResponseSink | undefined;
    const newSink = (extra: Record<string, string>) => {
      const f = flow.track(stream.session ?? stream, () => resetExchange(stream));
      // A writer waiting for room on a stream that is gone must not wait for other streams.
      stream.once("close", () => f.release());
      return streamSink(stream, extra, f);
    };
    runGuarded(
      describe,
      log,
      async () => {
        const target = http2Target(headers, authority());
        if ("problem" in target) {
          sink = newSink({});
          writePlain(sink, 400, `Bad Request: ${target.problem}\n`);
          return;
        }
        sink = newSink(edge(headers, { rpc: true }));
        await serveRpc({
          handler,
          spec: specs.get(path),
          target,
          method: typeof headers[":method"] === "string" ? headers[":method"] : "",
          httpVersion: "2.0",
          header: new FastHeaders(headers),
          contentType: headers["content-type"],
          body: stream as NodeJS.ReadableStream & AsyncIterable<Uint8Array>,
          sink,
          lifetime: abortOnClose(stream),
          close: () => {
            if (!stream.destroyed) stream.close(http2.constants.NGHTTP2_NO_ERROR);
          },
          client: client ?? clientOf(stream.session?.socket?.remoteAddress ?? "", headers),
        });
      },
      () => {
        sink ??= newSink({});
        answerFailure(sink, stream)(headers["content-type"])();
      },
    );
    return true;
  };
  return adapter as NodeAdapter;
}

function ignore(): void {}
const noop = ignore;

/** A budget for adapters used on their own, outside `serve`. */
function defaultFlow(): FlowBudget {
  return createFlowBudget({
    maxPendingBytesPerStream: 1024 * 1024,
    maxPendingBytesPerConnection: 16 * 1024 * 1024,
    maxPendingBytesTotal: 256 * 1024 * 1024,
    maxPendingWritesTotal: 65_536,
    stallTimeoutMs: 30_000,
  });
}

/**
 * Wraps a router so that registering a service also records, by path, the
 * specs of its methods that have a fast path (unary and server-streaming).
 */
function recordingRouter(
  router: ConnectRouter,
  specs: Map<string, UnarySpec | ServerStreamSpec>,
): ConnectRouter {
  return {
    get handlers() {
      return router.handlers;
    },
    service(service, impl, opts) {
      const spec = createServiceImplSpec(service, impl);
      for (const m of Object.values(spec.methods)) {
        if (m.kind === "unary" || m.kind === "server_streaming") {
          specs.set(`/${service.typeName}/${m.method.name}`, m as UnarySpec | ServerStreamSpec);
        }
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

function notFound(_req: NodeRequest, res: NodeResponse): void {
  (res as http.ServerResponse).writeHead(404, { "content-type": "text/plain; charset=utf-8" });
  res.end("not found\n");
}
