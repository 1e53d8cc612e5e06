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
   * Decides, as soon as a connection is accepted, whether it may stay:
   * false closes it at once, before a byte is read (budgets: connections in
   * all, per client, per second). `release` is called when an admitted
   * connection closes. Default: every connection is admitted.
   */
  readonly admit?: (socket: net.Socket) => boolean;
  readonly release?: (socket: net.Socket) => void;
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
  return net.createServer({ noDelay: true }, (socket) => {
    socket.on("error", () => socket.destroy());
    if (options.admit && !options.admit(socket)) {
      socket.destroy();
      return;
    }
    if (options.release) {
      const release = options.release;
      socket.once("close", () => release(socket));
    }
    let seen: Buffer = Buffer.alloc(0);
    const timer = setTimeout(() => socket.destroy(), timeout);
    const onData = (chunk: Buffer) => {
      seen = seen.length === 0 ? chunk : Buffer.concat([seen, chunk]);
      const n = Math.min(seen.length, h2Preface.length);
      const isH2Prefix = seen.subarray(0, n).equals(h2Preface.subarray(0, n));
      if (isH2Prefix && seen.length < h2Preface.length) return; // undecided: wait for more
      clearTimeout(timer);
      socket.off("data", onData);
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
    socket.on("data", onData);
    socket.once("close", () => clearTimeout(timer));
  });
}
