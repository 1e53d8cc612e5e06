import { Code, ConnectError, type ContextValues, type Interceptor } from "@connectrpc/connect";
import { type Compression, compressionNegotiate } from "@connectrpc/connect/protocol";
import type { LazySignal } from "./lazy-signal.js";

/**
 * What the unary and the server-streaming fast paths share: how the
 * adapter hands them a call, what they are configured with, and the
 * pieces of Connect-ES's behaviour both mirror (response content types,
 * response compression, the error a handler's failure becomes).
 */

/** What a fast path is created with. */
export interface FastPathOptions {
  readonly interceptors: Interceptor[];
  readonly readMaxBytes: number;
  /** The compressions the router accepts, in its order of preference. */
  readonly acceptCompression: Compression[];
}

/** One call with one request message, as the adapter hands it over. */
export interface FastRequest {
  readonly url: string;
  readonly header: Headers;
  readonly body: Uint8Array;
  /** Aborted by the adapter when the client goes away; the deadline aborts it too. */
  readonly abort: LazySignal;
  /** The call's context values (the engine's header sender is in them). */
  readonly values: ContextValues;
}

/** The response content type, by protocol (gRPC, gRPC-Web) or by codec (Connect). */
export const responseContentType = {
  grpc: "application/grpc+proto",
  "grpc-web": "application/grpc-web+proto",
  json: "application/json",
  proto: "application/proto",
} as const;

/** Messages (gRPC) and bodies (Connect) smaller than this go uncompressed, as Connect-ES's default `compressMinBytes`. */
export const compressMinBytes = 1024;

/**
 * The compression to answer with, as Connect-ES negotiates it: the first
 * name in the client's `acceptHeader` that the router has; null when none.
 */
export function responseCompression(
  options: FastPathOptions,
  header: Headers,
  acceptHeader: "grpc-accept-encoding" | "accept-encoding",
): Compression | null {
  const accepted = header.get(acceptHeader);
  return accepted
    ? compressionNegotiate(options.acceptCompression, null, accepted, acceptHeader).response
    : null;
}

/** What a handler's failure is answered as: itself if a ConnectError, else `internal`, as Connect-ES does. */
export function handlerError(e: unknown): ConnectError {
  return e instanceof ConnectError
    ? e
    : new ConnectError("internal error", Code.Internal, undefined, undefined, e);
}
