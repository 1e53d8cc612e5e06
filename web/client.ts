import type { Transport } from "@connectrpc/connect";
import { createConnectTransport, createGrpcWebTransport } from "@connectrpc/connect-web";
import {
  captureFetch,
  clientMetadataInterceptor,
  type WireFormatName,
} from "@hello-metadata/metadata";

/**
 * The wire formats the page can speak (a browser cannot speak gRPC, which
 * needs HTTP trailers), named as the library names them, with the labels
 * the protocol switch shows.
 */
export const protocols = {
  "connect-json": "Connect (JSON)",
  "connect-proto": "Connect (binary)",
  "grpc-web": "gRPC-Web",
} as const satisfies Partial<Record<WireFormatName, string>>;

/** One of {@link protocols}' keys. */
export type Protocol = keyof typeof protocols;

/**
 * The transport for `protocol`: connect-web's Connect transport (JSON or
 * binary protobuf) or its gRPC-Web transport, each with the metadata
 * library's interceptor (outgoing metadata, header/trailer capture) and
 * `captureFetch` (headers and trailers apart on errors) around `fetchFn`.
 * The API is {@link apiBase}.
 */
export function createHelloTransport(
  protocol: Protocol,
  fetchFn: typeof fetch = globalThis.fetch,
  baseUrl = apiBase(),
): Transport {
  const options = {
    baseUrl,
    fetch: captureFetch(fetchFn),
    interceptors: [clientMetadataInterceptor()],
  };
  return protocol === "grpc-web"
    ? createGrpcWebTransport(options)
    : createConnectTransport({ ...options, useBinaryFormat: protocol === "connect-proto" });
}

/**
 * The API's base URL: `?api=<origin>` when given, else VITE_API_BASE (set by
 * `npm run dev`), else the page's own origin.
 */
export function apiBase(): string {
  const api = new URLSearchParams(location.search).get("api");
  return api ?? import.meta.env.VITE_API_BASE ?? location.origin;
}

/** Whether the API is on another origin than the page, so CORS applies. */
export function isCrossOrigin(base = apiBase()): boolean {
  return new URL(base, location.href).origin !== location.origin;
}
