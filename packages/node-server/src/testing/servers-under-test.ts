import * as http from "node:http";
import * as http2 from "node:http2";
import type { AddressInfo } from "node:net";
import type { ConnectRouter, Interceptor } from "@connectrpc/connect";
import { compressionBrotli, compressionGzip, connectNodeAdapter } from "@connectrpc/connect-node";
import { serve } from "../serve.js";
import type { Target } from "./wire-client.js";

/** The request size limit the suite gives both servers: small, so oversized cases stay cheap. */
export const maxRequestBytes = 64 * 1024;

/** What both servers are given. */
export interface ServersUnderTestOptions {
  readonly routes: (router: ConnectRouter) => void;
  readonly interceptors: Interceptor[];
  /** The engine's `maxRequestBytes`, and stock's `readMaxBytes`. */
  readonly maxRequestBytes: number;
}

/** The engine and stock connect-node, serving the same routes on 127.0.0.1. */
export interface ServersUnderTest {
  /** The engine: `serve()`, HTTP/1.1 and h2c on one port. */
  readonly engine: Target;
  /** Stock `connectNodeAdapter` on `http2.createServer` (h2c). */
  readonly stockHttp2: Target;
  /** Stock `connectNodeAdapter` on `http.createServer` (HTTP/1.1). */
  readonly stockHttp1: Target;
  /** The stock server for a probe's HTTP version. */
  stockFor(httpVersion: "1.1" | "2"): Target;
  /** Closes the engine gracefully (as `RunningServer.close`) and stock's connections at once. */
  close(): Promise<void>;
}

const host = "127.0.0.1";

/**
 * Starts the engine (`serve`) and stock connect-node on ephemeral ports,
 * with the same routes, the same interceptors, the same request size limit
 * and the same accepted compressions (gzip and brotli, connect-node's
 * default, which the engine always uses).
 */
export async function startServersUnderTest(
  options: ServersUnderTestOptions,
): Promise<ServersUnderTest> {
  const engine = await serve({
    port: 0,
    host,
    routes: options.routes,
    interceptors: options.interceptors,
    // A short grace: after a client gives up on a request body the server
    // stopped reading, Node's HTTP/2 server keeps the connection until it is
    // closed (stock's as well); close() should not wait the default 10 s.
    // The suite opens a new connection for every one of its many requests,
    // all from 127.0.0.1: a rate far past the per-client connection budget,
    // which is not what the suite compares.
    limits: {
      maxRequestBytes: options.maxRequestBytes,
      shutdownGraceMs: 300,
      maxNewConnectionsPerClient: 1_000_000,
      newConnectionsPerClientPerSecond: 1_000_000,
    },
  });
  const adapterOptions = () => ({
    routes: options.routes,
    interceptors: options.interceptors,
    readMaxBytes: options.maxRequestBytes,
    acceptCompression: [compressionGzip, compressionBrotli],
  });
  const h2 = http2.createServer(connectNodeAdapter(adapterOptions()));
  const sessions = new Set<http2.ServerHttp2Session>();
  h2.on("session", (session) => {
    sessions.add(session);
    session.once("close", () => sessions.delete(session));
  });
  const h1 = http.createServer(connectNodeAdapter(adapterOptions()));
  const stockHttp2 = await listen(h2);
  const stockHttp1 = await listen(h1);
  return {
    engine: { host, port: engine.port },
    stockHttp2,
    stockHttp1,
    stockFor: (v) => (v === "2" ? stockHttp2 : stockHttp1),
    async close() {
      // At once: a stream whose request body was left unread would keep a
      // graceful close waiting for ever.
      h1.closeAllConnections();
      for (const session of sessions) session.destroy();
      await Promise.all([engine.close(), closeServer(h2), closeServer(h1)]);
    },
  };
}

async function listen(server: http.Server | http2.Http2Server): Promise<Target> {
  await new Promise<void>((resolve) => server.listen(0, host, resolve));
  return { host, port: (server.address() as AddressInfo).port };
}

function closeServer(server: http.Server | http2.Http2Server): Promise<void> {
  return new Promise((resolve) => server.close(() => resolve()));
}
