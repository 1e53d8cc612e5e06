import { Code } from "@connectrpc/connect";
import type { NodeResponse } from "./node-response.js";

/** Connect's HTTP status for a code (connect protocol spec, "Error Codes"). */
const connectHttpStatus: Partial<Record<Code, number>> = {
  [Code.InvalidArgument]: 400,
  [Code.NotFound]: 404,
  [Code.Unimplemented]: 404,
  [Code.ResourceExhausted]: 429,
  [Code.Internal]: 500,
};

/** Connect's spelling of a code: `invalid_argument`, `unimplemented`, … */
export function connectCodeName(code: Code): string {
  return Code[code].replace(/([a-z])([A-Z])/g, "$1_$2").toLowerCase();
}

/**
 * Answers an RPC the way its protocol reports an error, for failures found
 * before Connect-ES sees the request (unknown method, bad GET query):
 * gRPC and gRPC-Web get HTTP 200 with `grpc-status` and `grpc-message` in a
 * trailers-only response; Connect gets its HTTP status and a JSON error body.
 * The protocol is read from the request's content type.
 */
export function writeRpcError(
  res: NodeResponse,
  contentType: string | undefined,
  code: Code,
  message: string,
  extraHeaders: Record<string, string> = {},
): void {
  const ct = (contentType ?? "").toLowerCase();
  if (ct.startsWith("application/grpc")) {
    const grpcContentType = ct.startsWith("application/grpc-web")
      ? "application/grpc-web+proto"
      : "application/grpc";
    res.writeHead(200, {
      ...extraHeaders,
      "content-type": grpcContentType,
      "grpc-status": String(code),
      "grpc-message": encodeURIComponent(message),
    });
    res.end();
    return;
  }
  const body = JSON.stringify({ code: connectCodeName(code), message });
  res.writeHead(connectHttpStatus[code] ?? 500, {
    ...extraHeaders,
    "content-type": "application/json",
    "content-length": String(Buffer.byteLength(body)),
  });
  res.end(body);
}
