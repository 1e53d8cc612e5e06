import * as http from "node:http";
import { Code, ConnectError } from "@connectrpc/connect";

/**
 * Whether `reason` only means the client went away: a cancelled call, a
 * reset stream, a connection that closed mid-request. Such failures are
 * the client's choice and are not reported.
 */
export function isClientGone(reason: unknown): boolean {
  const nodeCode = (reason as NodeJS.ErrnoException | undefined)?.code;
  if (
    nodeCode === "ECONNRESET" ||
    nodeCode === "ERR_STREAM_PREMATURE_CLOSE" ||
    nodeCode === "EPIPE"
  )
    return true;
  if (reason instanceof Error && reason.message === "aborted") return true; // Node: request aborted mid-body
  const code = ConnectError.from(reason).code;
  return code === Code.Canceled || code === Code.Aborted;
}

/** Reports a failure in the adapter unless it only means the client went away. */
export function reportUnlessClientGone(reason: unknown): void {
  if (!isClientGone(reason)) console.error("rpc failed in the adapter", reason);
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
  const reason = http.STATUS_CODES[status] ?? "Bad Request";
  const body = `${reason}: ${describeParseError(err)}\n`;
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
