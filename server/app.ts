import * as http from "node:http";
import * as http2 from "node:http2";
import type { AddressInfo } from "node:net";
import { createConnectRouter } from "@connectrpc/connect";
import { connectNodeAdapter } from "@connectrpc/connect-node";
import type { Logger } from "pino";
import { serverMetadataInterceptor } from "../metadata/index.js";
import { acceptedContentTypes, isRpcContentType } from "./content-type.js";
import { createLogger, loggingInterceptor } from "./logging.js";
import { createOnePortServer } from "./one-port.js";
import routes from "./routes.js";
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
}

/** A listening server. */
export interface RunningServer {
  /** Base URL, e.g. `http://localhost:8080`. */
  readonly url: string;
  readonly port: number;
  /** Stops accepting connections, closes idle ones, and resolves when all are gone. */
  close(): Promise<void>;
}

/**
 * Starts the hello-metadata server: HelloService over Connect, gRPC and
 * gRPC-Web, and the web page, on one port that speaks HTTP/1.1 and h2c.
 */
export async function startServer(options: ServerOptions): Promise<RunningServer> {
  const logger = options.logger ?? createLogger();
  const serveStatic = createStaticHandler(options.webRoot);
  const probe = createConnectRouter();
  routes(probe);
  const rpcPaths = new Set(probe.handlers.map((h) => h.requestPath));
  const handler = connectNodeAdapter({
    routes,
    interceptors: [loggingInterceptor(logger), serverMetadataInterceptor()],
    fallback(req, res) {
      if (req.method === "GET" || req.method === "HEAD") {
        void serveStatic(req, res);
        return;
      }
      res.writeHead(404, { "content-type": "text/plain; charset=utf-8" });
      res.end("not found\n");
    },
  });
  // Connect-ES answers an unknown content type with a bare 415; say why.
  const rpc: typeof handler = (req, res) => {
    const path = (req.url ?? "").split("?")[0] ?? "";
    if (
      req.method === "POST" &&
      rpcPaths.has(path) &&
      !isRpcContentType(req.headers["content-type"])
    ) {
      const body = `unsupported content-type ${JSON.stringify(req.headers["content-type"] ?? "")}: use ${acceptedContentTypes}\n`;
      res.writeHead(415, {
        "content-type": "text/plain; charset=utf-8",
        "accept-post":
          "application/json, application/proto, application/grpc, application/grpc-web",
      });
      res.end(body);
      return;
    }
    handler(req, res);
  };
  const h1 = http.createServer(rpc);
  const h2 = http2.createServer({}, rpc);
  const tcp = createOnePortServer({ http1: h1, http2: h2 });

  const sessions = new Set<http2.ServerHttp2Session>();
  h2.on("session", (s) => {
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
  return {
    url: `http://${hostForUrl}:${port}`,
    port,
    close: () =>
      new Promise<void>((resolve) => {
        tcp.close(() => resolve());
        h1.closeIdleConnections();
        for (const s of sessions) s.close();
        h1.close();
        h2.close();
      }),
  };
}
