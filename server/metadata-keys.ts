/**
 * The one declaration of the metadata keys this app uses. CORS (allowed
 * request headers, exposed response headers), the forwarding allow-list's
 * default, and the `keys_set` the responses report all derive from it, so
 * no second list has to be kept in step.
 */
export const appMetadataKeys = {
  /**
   * Request keys a browser on another origin may send (CORS
   * `Access-Control-Allow-Headers`). `-bin` keys carry bytes.
   */
  request: [
    "x-request-id",
    "traceparent",
    "tracestate",
    "baggage",
    "authorization",
    "x-user",
    "x-tenant",
    "x-internal-secret",
    "x-demo",
    "x-demo-bin",
    "x-trace-bin",
  ],
  /** Response headers the server sets and exposes to browsers. */
  responseHeaders: ["response-time", "x-request-id"],
  /** Response trailers the server sets and exposes to browsers. */
  responseTrailers: ["processing-ms"],
  /**
   * A response header the server sets but deliberately does not expose, so
   * the page can show what CORS hides: its value is the server's address.
   */
  unexposedHeaders: ["x-served-by"],
  /**
   * The header naming the worker process that answered, in a cluster (see
   * ServerOptions.servedByPid); not exposed to browsers either.
   */
  servedByPid: "x-served-by-pid",
  /** Keys forwarded to the downstream service by default. */
  forwardByDefault: ["x-request-id", "traceparent", "tracestate", "baggage"],
  /** The via-style key each hop appends its own address to. */
  via: "x-hello-via",
  /** The MAC each hop sends with the trail, so the next one can trust it (see via.ts). */
  viaMac: "x-hello-via-mac",
} as const;
