import * as http from "node:http";
import { Code, ConnectError } from "@connectrpc/connect";

/** Node error codes that only mean the peer went away or reset the exchange. */
const clientGoneCodes = new Set([
  "ECONNRESET",
  "EPIPE",
  "ECONNABORTED",
  "ERR_STREAM_PREMATURE_CLOSE",
  "ERR_STREAM_DESTROYED",
  "ERR_STREAM_WRITE_AFTER_END",
  "ERR_HTTP2_STREAM_ERROR",
  "ERR_HTTP2_STREAM_CANCEL",
  "ERR_HTTP2_INVALID_STREAM",
  "ERR_HTTP2_SESSION_ERROR",
  "ERR_HTTP2_GOAWAY_SESSION",
  "ERR_HTTP2_SOCKET_UNBOUND",
  "ERR_HTTP_REQUEST_TIMEOUT",
]);

/**
 * Whether `reason` only means the client went away: a cancelled call, a
 * stream the client reset (with any code), a connection that closed
 * mid-request. Such failures are the client's doing: one debug line, never
 * a stack trace.
 */
export function isClientGone(reason: unknown): boolean {
  const nodeCode = (reason as NodeJS.ErrnoException | undefined)?.code;
  if (nodeCode !== undefined && clientGoneCodes.has(nodeCode)) return true;
  if (reason instanceof Error && reason.message === "aborted") return true; // Node: request aborted mid-body
  if (!(reason instanceof ConnectError)) return false;
  return reason.code === Code.Canceled || reason.code === Code.Aborted;
}

/**
 * The answer to an HTTP/1.1 request Node's parser refused (a NUL or bare CR
 * in a header, an illegal header name, headers over the limit, a request
 * that did not arrive in time), as raw bytes for the socket: 431, 408 or
 * 400 with a one-line reason in the parser's own words, never echoing the
 * request, and `connection: close`.
 */
export function parseErrorAnswer(err: NodeJS.ErrnoException & { reason?: string }): string {
  const status =
    err.code === "HPE_HEADER_OVERFLOW" ? 431 : err.code === "ERR_HTTP_REQUEST_TIMEOUT" ? 408 : 400;
  return plainAnswer(status, describeParseError(err));
}

/** A complete HTTP/1.1 answer with a one-line plain-text reason, closing the connection. */
export function plainAnswer(status: number, reasonText: string): string {
  const reason = http.STATUS_CODES[status] ?? "Bad Request";
  const body = `${reason}: ${reasonText}\n`;
  return `HTTP/1.1 ${status} ${reason}\r\ncontent-type: text/plain; charset=utf-8\r\ncontent-length: ${Buffer.byteLength(body)}\r\nconnection: close\r\n\r\n${body}`;
}

/**
 * A one-line reason for an HTTP/1.1 parse error, with the parser's own words
 * (llhttp's `reason`, e.g. "Invalid header value char").
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
