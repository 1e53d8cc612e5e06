import { type Code, ConnectError } from "@connectrpc/connect";
import { codeToHttpStatus, errorToJsonBytes } from "@connectrpc/connect/protocol-connect";
import { setTrailerStatus } from "@connectrpc/connect/protocol-grpc";
import { wireFormatOf } from "@hello-metadata/metadata/internal";
import type { Responder } from "./node-request.js";

/**
 * Answers an RPC the way its protocol reports an error, for failures found
 * before Connect-ES sees the request (unknown method, bad GET query, a
 * request that cannot be routed): gRPC and gRPC-Web get HTTP 200 with
 * `grpc-status` and `grpc-message` in a trailers-only response; Connect (and
 * anything that is not gRPC) gets its HTTP status and a JSON error body, as
 * Connect-ES writes them (`codeToHttpStatus`, `errorToJsonBytes`,
 * `setTrailerStatus`). The protocol is read from the request's content type.
 */
export function writeRpcError(
  res: Responder,
  contentType: string | undefined,
  code: Code,
  message: string,
  options: {
    /** Connect only: the HTTP status, when it is not the code's own (`codeToHttpStatus`). */
    readonly httpStatus?: number;
    readonly headers?: Record<string, string>;
  } = {},
): void {
  const extraHeaders = options.headers ?? {};
  const error = new ConnectError(message, code);
  const protocol = wireFormatOf(contentType)?.protocol ?? "connect";
  if (protocol !== "connect") {
    const status = new Headers();
    setTrailerStatus(status, error);
    res.writeHead(200, {
      ...extraHeaders,
      "content-type": protocol === "grpc-web" ? "application/grpc-web+proto" : "application/grpc",
      ...Object.fromEntries(status),
    });
    res.end();
    return;
  }
  const body = errorToJsonBytes(error, {});
  res.writeHead(options.httpStatus ?? codeToHttpStatus(code), {
    ...extraHeaders,
    "content-type": "application/json",
    "content-length": String(body.byteLength),
  });
  res.end(Buffer.from(body));
}
