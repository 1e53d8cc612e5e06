import type { UniversalClientFn } from "@connectrpc/connect/protocol";

/**
 * The raw response headers a capturing HTTP client saw, keyed by the call's
 * signal: the one place a failed unary call's header block survives, since
 * Connect-ES merges it into `ConnectError.metadata` with the trailers.
 */
const rawHeaders = new WeakMap<AbortSignal, { header?: Headers }>();

/**
 * Starts recording the raw response headers of the call with `signal`;
 * returns the slot they arrive in. Call {@link stopRecording} when the call
 * is over.
 */
export function recordRawHeaders(signal: AbortSignal): { header?: Headers } {
  const slot: { header?: Headers } = {};
  rawHeaders.set(signal, slot);
  return slot;
}

/** Stops recording for the call with `signal`. */
export function stopRecording(signal: AbortSignal): void {
  rawHeaders.delete(signal);
}

/**
 * Wraps a `fetch` so the client interceptor can tell header metadata from
 * trailer metadata when a unary call fails (Connect-ES merges both into
 * `ConnectError.metadata`). Pass it to connect-web's transports:
 * `createConnectTransport({ baseUrl, fetch: captureFetch(), interceptors: [clientMetadataInterceptor()] })`.
 * It changes nothing about the request or the response.
 */
export function captureFetch(fetchFn: typeof fetch = globalThis.fetch): typeof fetch {
  return async (input, init) => {
    const res = await fetchFn(input, init);
    const slot = init?.signal ? rawHeaders.get(init.signal) : undefined;
    if (slot) slot.header = res.headers;
    return res;
  };
}

/**
 * The same as {@link captureFetch} for a Connect `UniversalClientFn` (for
 * example connect-node's `createNodeHttpClient`), for transports built with
 * `createTransport` from `@connectrpc/connect/protocol-*`.
 */
export function captureHttpClient(client: UniversalClientFn): UniversalClientFn {
  return async (req) => {
    const res = await client(req);
    const slot = req.signal ? rawHeaders.get(req.signal) : undefined;
    if (slot) slot.header = res.header;
    return res;
  };
}
