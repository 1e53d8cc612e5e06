import * as http from "node:http";
import * as http2 from "node:http2";
import type { AddressInfo, Socket } from "node:net";
import { Code } from "@connectrpc/connect";
import type { Logger } from "pino";
import { serverMetadataInterceptor } from "../metadata/index.js";
import { acceptedContentTypes, isRpcContentType } from "./content-type.js";
import { createCorsPolicy } from "./cors.js";
import { createDownstream } from "./downstream.js";
import { checkGetQuery } from "./get-request.js";
import { limits as defaultLimits, type Limits } from "./limits.js";
import { createLogger, loggingInterceptor } from "./logging.js";
import { appMetadataKeys } from "./metadata-keys.js";
import { createNodeAdapter, type NodeRequest, type NodeResponse } from "./node-adapter.js";
import { createOnePortServer } from "./one-port.js";
import { writeRpcError } from "./protocol-errors.js";
import { assignRequestId } from "./request-id.js";
import { routes } from "./routes.js";
import { createServingState, type ServingState } from "./serving-state.js";
import { createStaticHandler } from "./static-files.js";

/** Options for {@link startServer}. */
export interface ServerOptions {
  /** TCP port; 0 picks a free one. */
  readonly port: number;
  /** Host or address to bind. */
  readonly host: string;
  /** Folder of the built web page, served at `/`. */
  readonly webRoot: string;
  /** Where call logs go; default a JSON logger on stdout. */
  readonly logger?: Logger;
  /** Base URL of the next HelloService for hops; default this server. */
  readonly downstream?: string | undefined;
  /** Incoming keys a hop forwards; default `appMetadataKeys.forwardByDefault`. */
  readonly forwardAllowList?: readonly string[];
  /** Extra origins allowed by CORS; the server's own and `npm run dev`'s are always allowed. */
  readonly corsOrigins?: readonly string[];
  /**
   * The metadata features (the library's interceptor, request ids, the
   * metadata size limit, library-written headers). Default on; off only to
   * measure what they cost (`--metadata off`).
   */
  readonly metadata?: boolean;
  /** Overrides for the limits in limits.ts (tests shorten timeouts). */
  readonly limits?: Partial<Limits>;
}

/** A listening server. */
export interface RunningServer {
  /** Base URL, e.g. `http://localhost:8080`. */
  readonly url: string;
  readonly port: number;
  readonly serving: ServingState;
  /** Open TCP connections right now (for leak checks). */
  openConnections(): number;
  /**
   * Shuts down gracefully: stops accepting connections, reports NOT_SERVING,
   * lets in-flight calls (streams included) finish within the grace period,
   * then closes whatever is left. Resolves when every connection is gone.
   */
  close(): Promise<void>;
}

/** The Vite dev server's origin (`npm run dev`). */
export const devOrigin = "http://localhost:5173";

/**
 * Starts the hello-metadata server: HelloService over Connect, gRPC and
 * gRPC-Web, and the web page, on one port that speaks HTTP/1.1 and h2c.
 */
export async function startServer(options: ServerOptions): Promise<RunningServer> {
  const limits: Limits = { ...defaultLimits, ...options.limits };
  const logger = options.logger ?? createLogger();
  const serving = createServingState();
  let self = "";
  let ownUrl = "";
  const downstream = createDownstream(() => options.downstream ?? ownUrl);
  const allRoutes = routes({
    metadataWrites: options.metadata === false ? "plain" : "library",
    downstream,
    forwardAllowList: options.forwardAllowList ?? appMetadataKeys.forwardByDefault,
    self: () => self,
    serving,
  });
  const serveStatic = createStaticHandler(options.webRoot);
  const metadataOn = options.metadata !== false;
  const adapter = createNodeAdapter({
    routes: allRoutes,
    readMaxBytes: limits.maxRequestBytes,
    interceptors: metadataOn
      ? [
          loggingInterceptor(logger),
          serverMetadataInterceptor({ maxBytes: limits.maxMetadataBytes }),
        ]
      : [loggingInterceptor(logger)],
    fallback(req, res) {
      if (req.method === "GET" || req.method === "HEAD") {
        void serveStatic(req, res);
        return;
      }
      const path = (req.url ?? "").split("?")[0] ?? "";
      if (isRpcContentType(req.headers["content-type"])) {
        writeRpcError(
          res,
          req.headers["content-type"],
          Code.Unimplemented,
          `unknown method ${path}`,
        );
        return;
      }
      res.writeHead(404, { "content-type": "text/plain; charset=utf-8" });
      res.end("not found\n");
    },
    edgeHeaders(headers) {
      const extra = cors.responseHeaders(single(headers.origin));
      if (metadataOn) extra["x-request-id"] = assignRequestId(headers);
      return extra;
    },
  });
  const rpcPaths = adapter.rpcPaths;

  let cors = createCorsPolicy([devOrigin, ...(options.corsOrigins ?? [])]);
  let draining = false;

  const serve = (req: NodeRequest, res: NodeResponse): void => {
    const origin = req.headers.origin;
    if (req.method === "OPTIONS") {
      const answer = cors.preflight(
        origin,
        req.headers["access-control-request-method"],
        req.headers["access-control-request-headers"],
      );
      res.writeHead(answer.status, answer.headers);
      if (answer.reason) res.end(`CORS preflight refused: ${answer.reason}\n`);
      else res.end();
      return;
    }
    for (const [k, v] of Object.entries(cors.responseHeaders(origin))) res.setHeader(k, v);
    if (draining && "httpVersionMajor" in req && req.httpVersionMajor === 1) {
      res.setHeader("connection", "close");
    }
    const path = (req.url ?? "").split("?")[0] ?? "";
    if (rpcPaths.has(path) && metadataOn)
      res.setHeader("x-request-id", assignRequestId(req.headers));
    if (req.method === "GET" && rpcPaths.has(path)) {
      const problem = checkGetQuery(new URL(req.url ?? "", "http://x").searchParams);
      if (problem) {
        writeRpcError(res, "application/json", Code.InvalidArgument, problem);
        return;
      }
    }
    if (
      req.method === "POST" &&
      rpcPaths.has(path) &&
      !isRpcContentType(req.headers["content-type"])
    ) {
      res.writeHead(415, {
        "content-type": "text/plain; charset=utf-8",
        "accept-post":
          "application/json, application/proto, application/grpc, application/grpc-web",
      });
      res.end(
        `unsupported content-type ${JSON.stringify(req.headers["content-type"] ?? "")}: use ${acceptedContentTypes}\n`,
      );
      return;
    }
    adapter.handleRequest(req, res);
  };

  const h1 = http.createServer(
    {
      maxHeaderSize: limits.maxHeaderBytes,
      headersTimeout: limits.headersTimeoutMs,
      requestTimeout: limits.requestTimeoutMs,
      // How often Node checks the two timeouts above (its default is 30 s).
      connectionsCheckingInterval: Math.min(1_000, limits.headersTimeoutMs / 2),
    },
    serve,
  );
  const h2Options: http2.ServerOptions = {
    maxSessionMemory: 32,
    // Every field costs at least 32 bytes of the header list size, so this
    // many pairs never cut a list that fits maxHeaderListSize.
    maxHeaderListPairs: Math.ceil(limits.maxHeaderBytes / 32) + 16,
    settings: {
      maxConcurrentStreams: limits.maxConcurrentStreams,
      maxHeaderListSize: limits.maxHeaderBytes,
    },
  };
  // HTTP/2 streams arrive raw, so unary calls can take the fast path; every
  // other stream is handed to a second server object that never listens and
  // only runs Node's request/response compatibility API on it.
  const h2 = http2.createServer(h2Options);
  const h2Compat = http2.createServer(h2Options, serve);
  // No count limit on HTTP/1.1 (Node's default silently drops fields past
  // 2000): maxHeaderSize bounds the count.
  h1.maxHeadersCount = 0;
  // The HTTP/1.1 server never listens itself (connections are handed to it),
  // but Node starts its connection tracking on "listening": without it,
  // headersTimeout, requestTimeout and closeIdleConnections() do nothing.
  h1.emit("listening");
  h1.on("clientError", (err: NodeJS.ErrnoException, socket) => {
    // A request Node cannot parse (a NUL or bare CR in a header, an illegal
    // header name, headers over the limit): say why, then close.
    if (!socket.writable || err.code === "ECONNRESET") {
      socket.destroy();
      return;
    }
    const status =
      err.code === "HPE_HEADER_OVERFLOW"
        ? 431
        : err.code === "ERR_HTTP_REQUEST_TIMEOUT"
          ? 408
          : 400;
    const reason = http.STATUS_CODES[status] ?? "Bad Request";
    const body = `${reason}: ${describeParseError(err)}\n`;
    socket.end(
      `HTTP/1.1 ${status} ${reason}\r\ncontent-type: text/plain; charset=utf-8\r\ncontent-length: ${Buffer.byteLength(body)}\r\nconnection: close\r\n\r\n${body}`,
    );
  });
  h2.setTimeout(limits.idleTimeoutMs);
  h2.on(
    "stream",
    (
      stream: http2.ServerHttp2Stream,
      headers: http2.IncomingHttpHeaders,
      flags: number,
      rawHeaders: string[],
    ) => {
      // A stream whose request never finishes, or that goes quiet, is reset.
      stream.setTimeout(limits.streamIdleTimeoutMs, () =>
        stream.close(http2.constants.NGHTTP2_CANCEL),
      );
      if (!adapter.handleStream(stream, headers)) {
        h2Compat.emit("stream", stream, headers, flags, rawHeaders);
      }
    },
  );
  const tcp = createOnePortServer({
    http1: h1,
    http2: h2,
    sniffTimeoutMs: limits.firstBytesTimeoutMs,
    maxConnectionsPerClient: limits.maxConnectionsPerClient,
  });

  const sockets = new Set<Socket>();
  tcp.on("connection", (s: Socket) => {
    sockets.add(s);
    s.once("close", () => sockets.delete(s));
  });
  const sessions = new Set<http2.ServerHttp2Session>();
  h2.on("session", (s) => {
    // A connection that only spoke after shutdown began is told to go away at once.
    if (draining) {
      s.goaway(http2.constants.NGHTTP2_NO_ERROR);
      s.close();
    }
    sessions.add(s);
    s.once("close", () => sessions.delete(s));
  });

  await new Promise<void>((resolve, reject) => {
    tcp.once("error", reject);
    tcp.listen(options.port, options.host, () => {
      tcp.off("error", reject);
      resolve();
    });
  });
  const { port } = tcp.address() as AddressInfo;
  const hostForUrl = options.host.includes(":") ? `[${options.host}]` : options.host;
  ownUrl = `http://${hostForUrl}:${port}`;
  self = `${hostForUrl}:${port}`;
  cors = createCorsPolicy([
    ownUrl,
    `http://localhost:${port}`,
    `http://127.0.0.1:${port}`,
    devOrigin,
    ...(options.corsOrigins ?? []),
  ]);

  let closing: Promise<void> | undefined;
  const close = () => {
    closing ??= new Promise<void>((resolve) => {
      draining = true;
      serving.stopServing();
      const grace = setTimeout(() => {
        for (const s of sockets) s.destroy();
      }, limits.shutdownGraceMs);
      const idleSweep = setInterval(() => h1.closeIdleConnections(), 50);
      tcp.close(() => {
        clearTimeout(grace);
        clearInterval(idleSweep);
        downstream.close();
        resolve();
      });
      for (const s of sessions) s.close();
      h1.closeIdleConnections();
    });
    return closing;
  };
  return { url: ownUrl, port, serving, close, openConnections: () => sockets.size };
}

/**
 * A one-line reason for an HTTP/1.1 parse error, with the parser's own words
 * (llhttp's `reason`, e.g. "Invalid header value char"), never echoing the
 * request itself.
 */
function describeParseError(err: NodeJS.ErrnoException & { reason?: string }): string {
  const reason = err.reason ? ` (${err.reason})` : "";
  switch (err.code) {
    case "HPE_HEADER_OVERFLOW":
      return "request headers are larger than the server accepts";
    case "HPE_INVALID_HEADER_TOKEN":
      return /value/i.test(err.reason ?? "")
        ? `a control character (NUL, CR, LF, …) is not allowed in a header value${reason}`
        : `a header name is empty or contains a character that is not allowed${reason}`;
    case "HPE_INVALID_CHARACTER":
    case "HPE_LF_EXPECTED":
    case "HPE_CR_EXPECTED":
      return `a control character (NUL, CR, LF, …) is not allowed in a header value${reason}`;
    case "ERR_HTTP_REQUEST_TIMEOUT":
      return "the request did not arrive in time";
    default:
      return `malformed HTTP/1.1 request${reason || ` (${err.code ?? "unknown"})`}`;
  }
}

function single(v: string | string[] | undefined): string | undefined {
  return Array.isArray(v) ? v[0] : v;
}
