import * as http from "node:http";
import * as http2 from "node:http2";
import { connect } from "node:net";

/**
 * One request exactly as it goes on the wire, for sending the same bytes to
 * several servers. Headers are sent as given (names lowercase); the HTTP/1.1
 * client adds `host`, `connection: close` and, for a body, `content-length`
 * unless the probe sets its own.
 */
export interface Probe {
  readonly http: "1.1" | "2";
  readonly method: string;
  /** Path and query, e.g. `/enginetest.v1.EchoService/Unary?encoding=json`. */
  readonly path: string;
  readonly headers: Readonly<Record<string, string>>;
  readonly body: Uint8Array;
  /**
   * HTTP/1.1 only: write these bytes on a plain TCP connection instead, for
   * requests Node's client refuses to send. `method`, `path`, `headers` and
   * `body` then only describe the request.
   */
  readonly raw?: string;
}

/**
 * What came back for a probe. Header and trailer names are lowercase, every
 * value a list (repeated fields in arrival order). A server that reset the
 * stream or closed the connection before answering has no `status`.
 */
export interface Answer {
  readonly status: number | undefined;
  readonly headers: Readonly<Record<string, readonly string[]>>;
  readonly trailers: Readonly<Record<string, readonly string[]>>;
  readonly body: Buffer;
  /** HTTP/2: the RST_STREAM code, when the server reset the stream with an error. */
  readonly resetCode?: number;
  /** How the exchange failed before an answer arrived (`ECONNRESET`, `timeout`, …). */
  readonly failure?: string;
}

/** Where a probe goes: a server listening on 127.0.0.1. */
export interface Target {
  readonly host: string;
  readonly port: number;
}

const probeTimeoutMs = 5_000;
/** How long an HTTP/2 stream may stay open after its answer has ended. */
const streamCloseMs = 1_000;

/** Sends `probe` to `target` over a new connection and collects the whole answer. */
export function send(target: Target, probe: Probe): Promise<Answer> {
  if (probe.raw !== undefined) return sendRaw(target, probe.raw);
  return probe.http === "2" ? sendHttp2(target, probe) : sendHttp1(target, probe);
}

function sendHttp1(target: Target, probe: Probe): Promise<Answer> {
  return new Promise((resolve) => {
    const headers: Record<string, string> = { ...probe.headers };
    if (probe.body.byteLength > 0 && headers["content-length"] === undefined) {
      headers["content-length"] = String(probe.body.byteLength);
    }
    const req = http.request({
      host: target.host,
      port: target.port,
      method: probe.method,
      path: probe.path,
      headers,
      agent: false,
      timeout: probeTimeoutMs,
    });
    let answered = false;
    req.on("response", (res) => {
      answered = true;
      const chunks: Buffer[] = [];
      res.on("data", (c: Buffer) => chunks.push(c));
      res.on("error", () => {});
      const answer = (failure?: string) => {
        // The connection is done with (requests say `connection: close`); a
        // request body the server never read must not keep it open.
        req.destroy();
        resolve({
          status: res.statusCode,
          headers: lists(res.headersDistinct),
          trailers: lists(res.trailersDistinct),
          body: Buffer.concat(chunks),
          ...(failure ? { failure } : {}),
        });
      };
      res.on("end", () => answer());
      res.on("close", () => {
        if (!res.complete) answer("the answer broke off");
      });
    });
    req.on("timeout", () => req.destroy(Object.assign(new Error("timeout"), { code: "timeout" })));
    req.on("error", (e: NodeJS.ErrnoException) => {
      if (!answered) resolve(failed(e.code ?? e.message));
    });
    req.end(probe.body.byteLength > 0 ? probe.body : undefined);
  });
}

function sendHttp2(target: Target, probe: Probe): Promise<Answer> {
  return new Promise((resolve) => {
    const session = http2.connect(`http://${target.host}:${target.port}`);
    session.on("error", () => {});
    const req = session.request({
      ":method": probe.method,
      ":path": probe.path,
      ...probe.headers,
    });
    let status: number | undefined;
    let headers: Record<string, readonly string[]> = {};
    let trailers: Record<string, readonly string[]> = {};
    const chunks: Buffer[] = [];
    let failure: string | undefined;
    const giveUp = (why: string) => {
      failure = why;
      req.close(http2.constants.NGHTTP2_CANCEL);
    };
    let timer = setTimeout(() => giveUp("timeout"), probeTimeoutMs);
    // Once the answer has ended, the stream must close soon (a server that
    // stops reading can leave it open, its receive window full).
    req.on("end", () => {
      clearTimeout(timer);
      timer = setTimeout(() => giveUp("stream left open after the answer"), streamCloseMs);
    });
    req.on("response", (h) => {
      status = Number(h[":status"]);
      headers = lists(h);
    });
    req.on("trailers", (t) => {
      trailers = lists(t);
    });
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("error", () => {});
    req.on("close", () => {
      clearTimeout(timer);
      // Not close(): a request body the server never read would keep the
      // connection open, waiting for flow-control window that never comes.
      session.destroy();
      const resetCode = req.rstCode === http2.constants.NGHTTP2_NO_ERROR ? undefined : req.rstCode;
      resolve({
        status,
        headers,
        trailers,
        body: Buffer.concat(chunks),
        ...(resetCode === undefined || failure ? {} : { resetCode }),
        ...(failure ? { failure } : {}),
      });
    });
    req.end(probe.body.byteLength > 0 ? probe.body : undefined);
  });
}

/**
 * Writes `raw` on a new TCP connection and reads until the server closes
 * it, then parses the one HTTP/1.1 response (a `content-length` or
 * close-delimited body; raw probes ask for `connection: close`).
 */
function sendRaw(target: Target, raw: string): Promise<Answer> {
  return new Promise((resolve) => {
    const socket = connect(target.port, target.host);
    const got: Buffer[] = [];
    const timer = setTimeout(() => socket.destroy(), probeTimeoutMs);
    socket.on("data", (d: Buffer) => got.push(d));
    socket.on("error", () => {});
    socket.on("close", () => {
      clearTimeout(timer);
      resolve(parseHttp1(Buffer.concat(got)));
    });
    socket.write(Buffer.from(raw, "latin1"));
  });
}

/** Parses one HTTP/1.1 response without chunked coding; anything unparsable is a `failure`. */
export function parseHttp1(bytes: Buffer): Answer {
  const end = bytes.indexOf("\r\n\r\n");
  if (end < 0) return failed(bytes.length === 0 ? "closed" : "unparsable response");
  const [statusLine = "", ...lines] = bytes.subarray(0, end).toString("latin1").split("\r\n");
  const m = /^HTTP\/1\.[01] (\d{3})/.exec(statusLine);
  if (!m) return failed("unparsable response");
  const headers: Record<string, string[]> = {};
  for (const line of lines) {
    const i = line.indexOf(":");
    const name = line.slice(0, i).trim().toLowerCase();
    headers[name] = [...(headers[name] ?? []), line.slice(i + 1).trim()];
  }
  let body = bytes.subarray(end + 4);
  const length = headers["content-length"]?.[0];
  if (length !== undefined) body = body.subarray(0, Number(length));
  return { status: Number(m[1]), headers, trailers: {}, body };
}

function failed(failure: string): Answer {
  return { status: undefined, headers: {}, trailers: {}, body: Buffer.alloc(0), failure };
}

/** Node's header objects (HTTP/1.1 `headersDistinct`, HTTP/2 headers) as lists, pseudo-headers left out. */
function lists(
  h: Record<string, string | string[] | undefined>,
): Record<string, readonly string[]> {
  const out: Record<string, readonly string[]> = {};
  for (const [name, value] of Object.entries(h)) {
    if (value === undefined || name.startsWith(":")) continue;
    out[name.toLowerCase()] = Array.isArray(value) ? value : [value];
  }
  return out;
}
