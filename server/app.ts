import type { Interceptor } from "@connectrpc/connect";
import { createServingState, type ServingState } from "@hello-metadata/grpc-services";
import { serverMetadataInterceptor } from "@hello-metadata/metadata";
import {
  createStaticHandler,
  type NodeRequest,
  type Responder,
  serve,
} from "@hello-metadata/node-server";
import type { Logger } from "pino";
import { createCorsPolicy } from "./cors.js";
import { createDownstream } from "./downstream.js";
import { createHopBudget } from "./hop-budget.js";
import { limits as defaultLimits, type Limits } from "./limits.js";
import { createLogger, loggingInterceptor } from "./logging.js";
import { appMetadataKeys } from "./metadata-keys.js";
import { assignRequestId } from "./request-id.js";
import { routes } from "./routes.js";
import { createViaSigner } from "./via.js";

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
  /**
   * The key servers of one chain share to trust each other's hop trail
   * (see via.ts); default a random key of this process's own.
   */
  readonly hopSecret?: string | undefined;
  /** Reverse proxies whose Forwarded / X-Forwarded-For name the client (see ServeOptions). */
  readonly trustedProxies?: readonly string[];
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
  /**
   * Names this process in an `x-served-by-pid` header on every RPC answer
   * (health and reflection too). Set in a cluster's workers, which share
   * one port and so one `x-served-by`; default none.
   */
  readonly servedByPid?: number;
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
   * Shuts down gracefully: health reports NOT_SERVING, the server stops
   * accepting connections, lets in-flight calls (streams included) finish
   * within the grace period, then closes whatever is left and the pooled
   * downstream connection. Resolves when every connection is gone.
   */
  close(): Promise<void>;
}

/** The Vite dev server's origin (`npm run dev`). */
export const devOrigin = "http://localhost:5173";

/**
 * Starts the hello-metadata server: HelloService, health and reflection
 * over Connect, gRPC and gRPC-Web, and the web page, on one port that speaks
 * HTTP/1.1 and h2c (the engine, @hello-metadata/node-server, does the
 * serving). This function only composes: the routes, the interceptors
 * (logging outermost, then the metadata library), CORS and request ids at
 * the edge, and the page as the fallback for everything that is not an RPC.
 */
export async function startServer(options: ServerOptions): Promise<RunningServer> {
  const limits: Limits = { ...defaultLimits, ...options.limits };
  const logger = options.logger ?? createLogger();
  const metadataOn = options.metadata !== false;
  const serving = createServingState();
  let authority = "";
  const downstream = createDownstream(() => options.downstream ?? `http://${authority}`, limits);
  // The server's own origins are known once it listens; until then only the configured ones.
  let cors = createCorsPolicy([devOrigin, ...(options.corsOrigins ?? [])]);
  const serveStatic = createStaticHandler(options.webRoot);
  const servedByPid = options.servedByPid === undefined ? undefined : String(options.servedByPid);

  const interceptors: Interceptor[] = [loggingInterceptor(logger)];
  if (metadataOn)
    interceptors.push(serverMetadataInterceptor({ maxBytes: limits.maxMetadataBytes }));

  const server = await serve({
    port: options.port,
    host: options.host,
    limits,
    log: logger,
    trustedProxies: options.trustedProxies ?? [],
    interceptors,
    routes: routes({
      metadataWrites: metadataOn ? "library" : "plain",
      downstream,
      forwardAllowList: options.forwardAllowList ?? appMetadataKeys.forwardByDefault,
      self: () => authority,
      via: createViaSigner(options.hopSecret),
      hopBudget: createHopBudget(limits),
      serving,
    }),
    onRequest: (req, res) => answerPreflight(cors, req, res),
    edgeHeaders(headers, route) {
      const extra = cors.responseHeaders(single(headers.origin));
      if (metadataOn && route.rpc) extra["x-request-id"] = assignRequestId(headers);
      if (servedByPid !== undefined && route.rpc) extra[appMetadataKeys.servedByPid] = servedByPid;
      return extra;
    },
    fallback(req, res: Responder): void | Promise<void> {
      if (req.method === "GET" || req.method === "HEAD") return serveStatic(req, res);
      res.writeHead(404, { "content-type": "text/plain; charset=utf-8" });
      res.end("not found\n");
    },
  });
  authority = server.authority;
  cors = createCorsPolicy([
    server.url,
    `http://localhost:${server.port}`,
    `http://127.0.0.1:${server.port}`,
    devOrigin,
    ...(options.corsOrigins ?? []),
  ]);

  let closing: Promise<void> | undefined;
  return {
    url: server.url,
    port: server.port,
    serving,
    openConnections: server.openConnections,
    close() {
      closing ??= (async () => {
        serving.stopServing();
        await server.close();
        downstream.close();
      })();
      return closing;
    },
  };
}

/** Answers a CORS preflight (OPTIONS) from the policy; returns false for every other request. */
function answerPreflight(
  cors: ReturnType<typeof createCorsPolicy>,
  req: NodeRequest,
  res: Responder,
): boolean {
  if (req.method !== "OPTIONS") return false;
  const answer = cors.preflight(
    req.headers.origin,
    req.headers["access-control-request-method"],
    req.headers["access-control-request-headers"],
  );
  res.writeHead(answer.status, answer.headers);
  if (answer.reason) res.end(`CORS preflight refused: ${answer.reason}\n`);
  else res.end();
  return true;
}

function single(v: string | string[] | undefined): string | undefined {
  return Array.isArray(v) ? v[0] : v;
}
