import type { Interceptor, Transport } from "@connectrpc/connect";
import type { UniversalClientFn } from "@connectrpc/connect/protocol";
import { createTransport as createConnect } from "@connectrpc/connect/protocol-connect";
import { createTransport as createGrpc } from "@connectrpc/connect/protocol-grpc";
import { createTransport as createGrpcWeb } from "@connectrpc/connect/protocol-grpc-web";
import { captureHttpClient } from "./capture.js";
import { clientMetadataInterceptor } from "./client.js";

/** Options for {@link createMetadataTransport}. */
export interface MetadataTransportOptions {
  /** Which protocol to speak. */
  readonly protocol: "connect" | "grpc" | "grpc-web";
  /** Base URL of the server, e.g. `http://localhost:8080`. */
  readonly baseUrl: string;
  /**
   * The HTTP client: connect-node's `createNodeHttpClient(...)` on Node, or
   * `createFetchClient(fetch)` from `@connectrpc/connect/protocol` anywhere.
   */
  readonly httpClient: UniversalClientFn;
  /** Binary protobuf instead of JSON (default true for gRPC and gRPC-Web, false for Connect). */
  readonly useBinaryFormat?: boolean;
  /** Interceptors to run outside the metadata interceptor. */
  readonly interceptors?: Interceptor[];
  /** Largest response message accepted, in bytes (default 4 MiB). */
  readonly readMaxBytes?: number;
}

/**
 * A Connect-ES transport with the metadata library wired in: the client
 * interceptor puts outgoing metadata on the wire and fills `header()` and
 * `trailer()` captures, and the HTTP client is wrapped with
 * `captureHttpClient` so a failed unary call still reports headers and
 * trailers apart. Everything else is Connect-ES's own protocol code.
 */
export function createMetadataTransport(options: MetadataTransportOptions): Transport {
  const create =
    options.protocol === "grpc"
      ? createGrpc
      : options.protocol === "grpc-web"
        ? createGrpcWeb
        : createConnect;
  return create({
    httpClient: captureHttpClient(options.httpClient),
    baseUrl: options.baseUrl,
    useBinaryFormat: options.useBinaryFormat ?? options.protocol !== "connect",
    interceptors: [...(options.interceptors ?? []), clientMetadataInterceptor()],
    acceptCompression: [],
    sendCompression: null,
    compressMinBytes: 1024,
    readMaxBytes: options.readMaxBytes ?? 4 * 1024 * 1024,
    writeMaxBytes: 0xffffffff,
  });
}
