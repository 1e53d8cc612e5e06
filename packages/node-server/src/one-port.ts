import type * as http from "node:http";
import type * as http2 from "node:http2";
import * as net from "node:net";

/** The client connection preface every HTTP/2 connection starts with (RFC 9113 §3.4). */
const h2Preface = Buffer.from("PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n", "latin1");

/** Options for {@link createOnePortServer}. */
export interface OnePortOptions {
  /** Serves connections that speak HTTP/1.x. */
  readonly http1: http.Server;
  /** Serves connections that start with the HTTP/2 preface (h2c, prior knowledge). */
  readonly http2: http2.Http2Server;
  /**
   * How long a new connection may stay silent before its first bytes decide
   * the protocol; then it is closed. Default 10 s.
   */
  readonly sniffTimeoutMs?: number;
  /**
   * Connections one remote address may hold at once; a connection past it is
   * closed as soon as it is accepted. Default unlimited.
   */
  readonly maxConnectionsPerClient?: number;
}

/**
 * A TCP server that serves HTTP/1.1 and cleartext HTTP/2 on one port. Node's
 * plaintext `http2` server refuses HTTP/1.1, so each connection's first bytes
 * are read: if they are (a prefix of) the HTTP/2 preface the socket goes to
 * the HTTP/2 server, otherwise to the HTTP/1.1 server. The bytes read are put
 * back, so each server sees the connection from its first byte.
 */
export function createOnePortServer(options: OnePortOptions): net.Server {
  const timeout = options.sniffTimeoutMs ?? 10_000;
  const perClient = new Map<string, number>();
  const cap = options.maxConnectionsPerClient ?? Number.POSITIVE_INFINITY;
  return net.createServer({ noDelay: true }, (socket) => {
    const client = socket.remoteAddress ?? "";
    const open = (perClient.get(client) ?? 0) + 1;
    if (open > cap) {
      socket.destroy();
      return;
    }
    perClient.set(client, open);
    socket.once("close", () => {
      const left = (perClient.get(client) ?? 1) - 1;
      if (left <= 0) perClient.delete(client);
      else perClient.set(client, left);
    });
    let seen: Buffer = Buffer.alloc(0);
    const timer = setTimeout(() => socket.destroy(), timeout);
    const onData = (chunk: Buffer) => {
      seen = seen.length === 0 ? chunk : Buffer.concat([seen, chunk]);
      const n = Math.min(seen.length, h2Preface.length);
      const isH2Prefix = seen.subarray(0, n).equals(h2Preface.subarray(0, n));
      if (isH2Prefix && seen.length < h2Preface.length) return; // undecided: wait for more
      clearTimeout(timer);
      socket.off("data", onData);
      socket.off("error", onError);
      socket.pause();
      socket.unshift(seen);
      if (isH2Prefix) {
        // The HTTP/2 session reads the bytes put back on its next tick; the
        // socket must stay paused until then or they would be lost.
        options.http2.emit("connection", socket);
      } else {
        // The HTTP/1.1 server listens for 'data'; resuming hands it the bytes.
        options.http1.emit("connection", socket);
        socket.resume();
      }
    };
    const onError = () => {
      clearTimeout(timer);
      socket.destroy();
    };
    socket.on("data", onData);
    socket.on("error", onError);
    socket.once("close", () => clearTimeout(timer));
  });
}
