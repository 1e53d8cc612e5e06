// Test helpers that put exactly the given bytes or headers on the wire,
// below the level where well-behaved clients refuse to send bad input.
import * as http2 from "node:http2";
import { connect } from "node:net";

/** What came back on a raw HTTP/1.1 connection. */
export interface RawResult {
  /** Everything the server wrote, as latin1 text. */
  readonly text: string;
  /** HTTP status of the first response, or 0 when there was none. */
  readonly status: number;
  /** Whether the server closed the connection. */
  readonly closed: boolean;
}

/**
 * Opens a TCP connection to `url`'s host and port (from `localAddress`, a
 * loopback address such as 127.0.0.2, to stand for another client), writes
 * `chunks` (each after `gapMs`), and collects what the server answers until
 * it closes the connection or `waitMs` passes after the last write.
 */
export function rawHttp1(
  url: string,
  chunks: (string | Buffer)[],
  {
    gapMs = 0,
    waitMs = 3_000,
    localAddress,
  }: { gapMs?: number; waitMs?: number; localAddress?: string } = {},
): Promise<RawResult> {
  const { hostname, port } = new URL(url);
  return new Promise((resolve, reject) => {
    const socket = connect({ port: Number(port), host: hostname, localAddress });
    const got: Buffer[] = [];
    let closed = false;
    let timer: NodeJS.Timeout | undefined;
    const finish = () => {
      clearTimeout(timer);
      const text = Buffer.concat(got).toString("latin1");
      const status = Number(/^HTTP\/1\.1 (\d{3})/.exec(text)?.[1] ?? 0);
      socket.destroy();
      resolve({ text, status, closed });
    };
    socket.on("data", (d) => got.push(d));
    socket.on("close", () => {
      closed = true;
      finish();
    });
    socket.on("error", (e: NodeJS.ErrnoException) => {
      if (e.code === "ECONNRESET" || e.code === "EPIPE") {
        closed = true;
        finish();
      } else reject(e);
    });
    socket.once("connect", async () => {
      for (const [i, c] of chunks.entries()) {
        if (i > 0 && gapMs > 0) await new Promise((r) => setTimeout(r, gapMs));
        if (socket.destroyed) return;
        socket.write(typeof c === "string" ? Buffer.from(c, "latin1") : c);
      }
      timer = setTimeout(finish, waitMs);
    });
  });
}

/** What came back for one HTTP/2 request. */
export interface H2Result {
  readonly status?: number;
  readonly headers: http2.IncomingHttpHeaders;
  readonly trailers: http2.IncomingHttpHeaders;
  readonly body: Buffer;
  /** RST_STREAM code when the server reset the stream. */
  readonly rstCode?: number;
  /** grpc-status from the trailers or, trailers-only, the headers. */
  readonly grpcStatus?: number;
  readonly grpcMessage?: string;
}

/**
 * Sends one HTTP/2 request with exactly `headers` (Node's client lets CR, LF,
 * NUL and non-ASCII values through) over `session` or a new connection
 * (from `localAddress`, when given).
 * `endBody: false` leaves the request body open.
 */
export function h2Request(
  url: string,
  headers: http2.OutgoingHttpHeaders,
  body: Buffer | string = "",
  {
    session,
    endBody = true,
    timeoutMs = 5_000,
    localAddress,
  }: {
    session?: http2.ClientHttp2Session;
    endBody?: boolean;
    timeoutMs?: number;
    /** Connect from this loopback address (127.0.0.2, …), to stand for another client. */
    localAddress?: string;
  } = {},
): Promise<H2Result> {
  const own =
    session ??
    http2
      .connect(url, localAddress ? { createConnection: () => fromAddress(url, localAddress) } : {})
      .on("error", () => {});
  return new Promise((resolve) => {
    const req = own.request({ ":method": "POST", ...headers });
    const chunks: Buffer[] = [];
    let resHeaders: http2.IncomingHttpHeaders = {};
    let trailers: http2.IncomingHttpHeaders = {};
    const timer = setTimeout(() => req.close(http2.constants.NGHTTP2_CANCEL), timeoutMs);
    req.on("response", (h) => {
      resHeaders = h;
    });
    req.on("trailers", (t) => {
      trailers = t;
    });
    req.on("data", (d: Buffer) => chunks.push(d));
    req.on("error", () => {});
    req.on("close", () => {
      clearTimeout(timer);
      if (!session) own.close();
      const grpc = trailers["grpc-status"] ?? resHeaders["grpc-status"];
      const message = trailers["grpc-message"] ?? resHeaders["grpc-message"];
      resolve({
        status: resHeaders[":status"] === undefined ? undefined : Number(resHeaders[":status"]),
        headers: resHeaders,
        trailers,
        body: Buffer.concat(chunks),
        rstCode: req.rstCode === http2.constants.NGHTTP2_NO_ERROR ? undefined : req.rstCode,
        grpcStatus: grpc === undefined ? undefined : Number(grpc),
        grpcMessage: typeof message === "string" ? decodeURIComponent(message) : undefined,
      });
    });
    if (body !== "") req.write(body);
    if (endBody) req.end();
  });
}

/** A TCP connection to `url`'s host and port from `localAddress`. */
function fromAddress(url: string, localAddress: string) {
  const { hostname, port } = new URL(url);
  return connect({ host: hostname, port: Number(port), localAddress });
}

/** A gRPC length-prefixed message: flag byte, big-endian length, payload. */
export function grpcFrame(
  payload: Buffer,
  { compressed = false, claimedLength }: { compressed?: boolean; claimedLength?: number } = {},
): Buffer {
  const head = Buffer.alloc(5);
  head[0] = compressed ? 1 : 0;
  head.writeUInt32BE(claimedLength ?? payload.length, 1);
  return Buffer.concat([head, payload]);
}

/** Whether a TCP connection to `url`'s host and port is refused (true) or accepted (false; closed at once). */
export function connectionRefused(url: string): Promise<boolean> {
  const { hostname, port } = new URL(url);
  return new Promise((resolve) => {
    const s = connect(Number(port), hostname);
    s.once("connect", () => {
      s.destroy();
      resolve(false);
    });
    s.once("error", () => resolve(true));
  });
}
