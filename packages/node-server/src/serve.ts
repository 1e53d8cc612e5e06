import * as http2 from "node:http2";
import type { AddressInfo, Socket } from "node:net";
import { createNodeAdapter, type NodeAdapter, type NodeAdapterOptions } from "./adapter.js";
import { createHttp1Server } from "./http1-server.js";
import { createHttp2Server } from "./http2-server.js";
import { defaultLimits, type ServerLimits } from "./limits.js";
import type { NodeRequest, NodeResponse } from "./node-request.js";
import { createOnePortServer } from "./one-port.js";

/** Options for {@link serve}. */
export interface ServeOptions extends Omit<NodeAdapterOptions, "readMaxBytes"> {
  /** TCP port; 0 picks a free one. */
  readonly port: number;
  /** Host or address to bind; default `localhost`. */
  readonly host?: string;
  /** Overrides for {@link defaultLimits}. */
  readonly limits?: Partial<ServerLimits>;
  /**
   * Sees every HTTP/1.1 and HTTP/2 compatibility request before the adapter
   * (the raw HTTP/2 fast path only takes RPC POSTs); returns true when it has
   * answered the request itself — a CORS preflight, say.
   */
  readonly onRequest?: (req: NodeRequest, res: NodeResponse) => boolean;
}

/** A listening server. */
export interface RunningServer {
  /** Base URL, e.g. `http://localhost:8080`. */
  readonly url: string;
  readonly port: number;
  /** `host:port` as the server names itself (IPv6 hosts in brackets). */
  readonly authority: string;
  readonly adapter: NodeAdapter;
  /** Open TCP connections right now (for leak checks). */
  openConnections(): number;
  /**
   * Shuts down gracefully: stops accepting connections (new ones are
   * refused), sends GOAWAY to every HTTP/2 connection and `connection: close`
   * on HTTP/1.1 answers, lets in-flight calls (streams included) finish
   * within `shutdownGraceMs`, then closes whatever is left. Resolves when
   * every connection is gone. Idempotent.
   */
  close(): Promise<void>;
}

/**
 * Serves a Connect router on one port: Connect, gRPC and gRPC-Web over
 * HTTP/1.1 and h2c (the first bytes of each connection decide, see
 * one-port.ts), through {@link createNodeAdapter}, with `limits` applied
 * to every connection and graceful shutdown.
 */
export async function serve(options: ServeOptions): Promise<RunningServer> {
  const limits: ServerLimits = { ...defaultLimits, ...options.limits };
  const host = options.host ?? "localhost";
  const adapter = createNodeAdapter({ ...options, readMaxBytes: limits.maxRequestBytes });
  let draining = false;

  const handle = (req: NodeRequest, res: NodeResponse): void => {
    if (options.onRequest?.(req, res)) return;
    if (draining && "httpVersionMajor" in req && req.httpVersionMajor === 1) {
      res.setHeader("connection", "close");
    }
    adapter(req, res);
  };
  const h1 = createHttp1Server(limits, handle);
  const h2 = createHttp2Server(limits, adapter, handle);
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
    tcp.listen(options.port, host, () => {
      tcp.off("error", reject);
      resolve();
    });
  });
  const { port } = tcp.address() as AddressInfo;
  const authority = `${host.includes(":") ? `[${host}]` : host}:${port}`;

  let closing: Promise<void> | undefined;
  const close = () => {
    closing ??= new Promise<void>((resolve) => {
      draining = true;
      const grace = setTimeout(() => {
        for (const s of sockets) s.destroy();
      }, limits.shutdownGraceMs);
      const idleSweep = setInterval(() => h1.closeIdleConnections(), 50);
      tcp.close(() => {
        clearTimeout(grace);
        clearInterval(idleSweep);
        resolve();
      });
      for (const s of sessions) s.close();
      h1.closeIdleConnections();
    });
    return closing;
  };
  return {
    url: `http://${authority}`,
    port,
    authority,
    adapter,
    openConnections: () => sockets.size,
    close,
  };
}
