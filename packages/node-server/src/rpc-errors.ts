import { type Code, ConnectError } from "@connectrpc/connect";
import { codeToHttpStatus, errorToJsonBytes } from "@connectrpc/connect/protocol-connect";
import type { RpcProtocol } from "@hello-metadata/metadata/internal";
import { setGrpcStatus } from "./grpc-status.js";
import type { ResponseSink } from "./response-sink.js";

/**
 * Answers an RPC the way its protocol reports an error, for failures found
 * before or outside Connect-ES (unknown method, bad GET query, a handler
 * that failed outside the protocol's own error path): gRPC and gRPC-Web get
 * HTTP 200 with `grpc-status` and `grpc-message` in a trailers-only
 * response; Connect gets its HTTP status and a JSON error body, as
 * Connect-ES writes them (`codeToHttpStatus`, `errorToJsonBytes`). Nothing
 * is written when the header block has already gone out.
 */
export function writeRpcError(
  sink: ResponseSink,
  protocol: RpcProtocol,
  code: Code,
  message: string,
  options: {
    /** Connect only: the HTTP status, when it is not the code's own (`codeToHttpStatus`). */
    readonly httpStatus?: number;
    /** Headers to answer with besides the protocol's own (`grpc-accept-encoding`, say). */
    readonly header?: Readonly<Record<string, string>>;
  } = {},
): void {
  if (sink.headSent) return;
  const error = new ConnectError(message, code);
  if (protocol !== "connect") {
    const header = setGrpcStatus(new Headers(options.header), error);
    header.set(
      "content-type",
      protocol === "grpc-web" ? "application/grpc-web+proto" : "application/grpc",
    );
    sink.head(200, header, false);
    sink.end(undefined, undefined);
    return;
  }
  const body = errorToJsonBytes(error, {});
  const header = new Headers({
    ...options.header,
    "content-type": "application/json",
    "content-length": String(body.byteLength),
  });
  sink.head(options.httpStatus ?? codeToHttpStatus(code), header, false);
  sink.end(body, undefined);
}

/** A plain-text answer (415, 400, 404) for what is not an RPC the protocols can answer. */
export function writePlain(
  sink: ResponseSink,
  status: number,
  text: string,
  extra: Record<string, string> = {},
): void {
  if (sink.headSent) return;
  const body = new TextEncoder().encode(text);
  const header = new Headers({
    ...extra,
    "content-type": "text/plain; charset=utf-8",
    "content-length": String(body.byteLength),
  });
  sink.head(status, header, false);
  sink.end(body, undefined);
}
