import { readFileSync } from "node:fs";
import * as http2 from "node:http2";
import type { AddressInfo, Socket } from "node:net";
import { createNodeAdapter, type NodeAdapter, type NodeAdapterOptions } from "./adapter.js";
import { createClientBudget } from "./client-budget.js";
import { createConnectionShares } from "./connection-shares.js";
import { consoleLog } from "./engine-log.js";
import { createFlowBudget } from "./flow-budget.js";
import { createHttp1Server } from "./http1-server.js";
import { createHttp2Server } from "./http2-server.js";
import { defaultLimits, type ServerLimits } from "./limits.js";
import type { NodeRequest, NodeResponse } from "./node-request.js";
import { createOnePortServer } from "./one-port.js";
import { createTrustedProxies } from "./trusted-proxies.js";

/** Options for {@link serve}. */
export interface ServeOptions
  extends Omit<
    NodeAdapterOptions,
    "readMaxBytes" | "requestTimeoutMs" | "authority" | "flow" | "clientOf"
  > {
  /**
   * Reverse proxies allowed to name the client (addresses or CIDRs, IPv4 or
   * IPv6): from them, `Forwarded: for=` or `X-Forwarded-For` says who the
   * client is for the per-client budgets, `clientAddressKey` and logs, and
   * their own connections count against the process's cap only. From
   * anyone else those headers are ignored. Default: none.
   */
  readonly trustedProxies?: readonly string[];
  /** TCP port; 0 picks a free one. */
  readonly port: number;
  /** Host or address to bind; default `localhost`. */
  readonly host?: string;
  /** Overrides for {@link defaultLimits}. */
  readonly limits?: Partial<ServerLimits>;
  /**
   * Sees every HTTP/1.1 request and every HTTP/2 request that is not an RPC
   * before the adapter; returns true when it has answered the request itself
   * — a CORS preflight, say. It must not throw.
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
  /** The limits in force (the defaults with the overrides given). */
  readonly limits: ServerLimits;
  /** Open TCP connections right now (for leak checks). */
  openConnections(): number;
  /** What the budgets hold and have refused so far. */
  budgets(): {
    readonly connections: number;
    readonly streams: number;
    readonly pendingBytes: number;
    readonly refused: Readonly<Record<string, number>>;
  };
  /**
   * Shuts down gracefully: stops accepting connections (new ones are
   * refused), sends GOAWAY to every busy HTTP/2 connection and
   * `connection: close` on HTTP/1.1 answers, lets in-flight calls (streams
   * included) finish within `shutdownGraceMs`, then closes whatever is
   * left. An idle keep-alive connection is closed after its next request,
   * or after `drainIdleMs` if none comes, so that a request a proxy sends
   * on it just as shutdown begins is served, not lost; a connection that
   * has sent nothing at all by then is closed too. Resolves when every
   * connection is gone. Idempotent.
   */
  close(): Promise<void>;
}

/**
 * Serves a Connect router on one port: Connect, gRPC and gRPC-Web over
 * HTTP/1.1 and h2c (the first bytes of each connection decide, see
 * one-port.ts), through {@link createNodeAdapter}, with every budget of
 * `limits` applied (see limits.ts) and graceful shutdown.
 */
export async function serve(options: ServeOptions): Promise<RunningServer> {
  const limits: ServerLimits = { ...defaultLimits, ...options.limits };
  const host = options.host ?? "localhost";
  const log = options.log ?? consoleLog;
  let authority = host;
  const clients = createClientBudget({
    ...limits,
    maxConnections: Math.min(limits.maxConnections, descriptorBudget(limits.descriptorHeadroom)),
  });
  const flow = createFlowBudget(limits);
  const sweep = setInterval(() => clients.sweep(), 10_000);
  sweep.unref();
  const proxies = createTrustedProxies(options.trustedProxies ?? []);
  /** Connections by client, to make room for a newcomer when the process is full. */
  const shares = createConnectionShares();
  /** Evicted connections whose slots were already given back. */
  const released = new WeakSet<Socket>();
  const adapter = createNodeAdapter({
    ...options,
    log,
    clientOf: proxies.clientOf,
    readMaxBytes: limits.maxRequestBytes,
    requestTimeoutMs: limits.requestTimeoutMs,
    authority: () => authority,
    flow,
  });
  let draining = false;

  const handle = (req: NodeRequest, res: NodeResponse): void => {
    if (options.onRequest?.(req, res)) return;
    if (draining && "httpVersionMajor" in req && req.httpVersionMajor === 1) {
      res.setHeader("connection", "close");
    }
    adapter(req, res);
  };
  const peer = (socket: Socket | undefined) => socket?.remoteAddress ?? "";
  const h1 = createHttp1Server(limits, handle);
  const h2 = createHttp2Server(limits, {
    adapter,
    compat: handle,
    clients,
    flow,
    log,
    clientOf: (session, headers) =>
      proxies.clientOf(peer(session.socket as Socket | undefined), headers),
    penalize: (session) => {
      const address = peer(session.socket as Socket | undefined);
      if (!proxies.trusts(address)) clients.penalize(address); // never lock a proxy's many clients out
    },
  });
  const tcp = createOnePortServer({
    http1: h1,
    http2: h2,
    sniffTimeoutMs: limits.firstBytesTimeoutMs,
    admit: (socket) => {
      if (draining) return false;
      const address = peer(socket);
      const shared = proxies.trusts(address);
      let refused = clients.openConnection(address, shared);
      if (refused === "connections" && !shared) {
        // The process is full: the client holding the most gives up its
        // least active connection, if it holds at least two more than this one.
        const evicted = shares.evictFor(address);
        if (evicted) {
          clients.closeConnection(evicted.client);
          released.add(evicted.socket);
          evicted.socket.destroy();
          refused = clients.openConnection(address, shared);
        }
      }
      if (refused) {
        log.debug({ client: address, refused }, "connection refused by a budget");
        return false;
      }
      if (!shared) shares.add(address, socket);
      return true;
    },
    release: (socket) => {
      if (released.delete(socket)) return; // evicted: its slot was given back at once
      const address = peer(socket);
      shares.remove(address, socket);
      clients.closeConnection(address);
    },
  });

  const sockets = new Set<Socket>();
  tcp.on("connection", (s: Socket) => {
    sockets.add(s);
    s.once("close", () => sockets.delete(s));
  });
  /** Connections whose first bytes chose a protocol; the others have not spoken yet. */
  const decided = new WeakSet<Socket>();
  h1.on("connection", (s: Socket) => decided.add(s));
  h2.on("connection", (s: Socket) => decided.add(s));
  // Open streams per HTTP/2 session, to tell busy sessions from idle ones when draining.
  const sessions = new Map<http2.ServerHttp2Session, number>();
  h2.on("session", (s) => {
    // A connection that only spoke after shutdown began is told to go away at once.
    if (draining) {
      s.goaway(http2.constants.NGHTTP2_NO_ERROR);
      s.close();
    }
    sessions.set(s, 0);
    s.on("stream", (stream: http2.ServerHttp2Stream) => {
      sessions.set(s, (sessions.get(s) ?? 0) + 1);
      stream.once("close", () => {
        if (sessions.has(s)) sessions.set(s, (sessions.get(s) ?? 1) - 1);
      });
      // Draining, an idle session's next stream is served and closes it:
      // the GOAWAY's last stream id includes this stream.
      if (draining) s.close();
    });
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
  authority = `${host.includes(":") ? `[${host}]` : host}:${port}`;

  let closing: Promise<void> | undefined;
  const close = () => {
    closing ??= new Promise<void>((resolve) => {
      draining = true;
      const grace = setTimeout(() => {
        for (const s of sockets) s.destroy();
      }, limits.shutdownGraceMs);
      // Busy connections are told now (GOAWAY; HTTP/1.1 answers carry
      // `connection: close`); idle keep-alive ones get `drainIdleMs` for one
      // more request, since a client may be sending one on them right now.
      let idleSweep: NodeJS.Timeout | undefined;
      const closeIdle = () => {
        // A connection that has not said a word by now is as idle as any.
        for (const s of sockets) if (!decided.has(s)) s.destroy();
        for (const s of sessions.keys()) s.close();
        h1.closeIdleConnections();
        idleSweep = setInterval(() => h1.closeIdleConnections(), 50);
      };
      const quiet = setTimeout(closeIdle, limits.drainIdleMs);
      tcp.close(() => {
        clearTimeout(grace);
        clearTimeout(quiet);
        clearInterval(idleSweep);
        clearInterval(sweep);
        flow.close();
        resolve();
      });
      for (const [s, open] of sessions) if (open > 0) s.close();
    });
    return closing;
  };
  return {
    url: `http://${authority}`,
    port,
    authority,
    adapter,
    limits,
    openConnections: () => sockets.size,
    budgets: () => ({
      connections: clients.stats.connections,
      streams: clients.stats.streams,
      pendingBytes: flow.pending,
      refused: { ...clients.stats.refused },
    }),
    close,
  };
}

/**
 * Connections the process can hold and still accept, answer and shed: its
 * file descriptor limit (RLIMIT_NOFILE, from /proc/self/limits on Linux)
 * less `headroom`; unbounded where the limit cannot be read.
 */
function descriptorBudget(headroom: number): number {
  try {
    const m = /^Max open files\s+(\d+|unlimited)/m.exec(readFileSync("/proc/self/limits", "utf8"));
    if (!m || m[1] === "unlimited") return Number.POSITIVE_INFINITY;
    return Math.max(1, Number(m[1]) - headroom);
  } catch {
    return Number.POSITIVE_INFINITY;
  }
}
