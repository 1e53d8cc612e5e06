import { cors as connectCors } from "@connectrpc/connect";
import { appMetadataKeys } from "./metadata-keys.js";

/** The CORS policy, all derived from `appMetadataKeys` and Connect's protocol lists. */
export interface CorsPolicy {
  /** Headers to add to a response for a request carrying `Origin`; empty when not granted. */
  responseHeaders(origin: string | undefined): Record<string, string>;
  /**
   * Answers a preflight: status and headers. A disallowed origin, a method
   * other than POST/GET, or a requested header that is not declared gets a
   * 403 without any grant, and the browser blocks the call.
   */
  preflight(
    origin: string | undefined,
    method: string | undefined,
    requestHeaders: string | undefined,
  ): { status: number; headers: Record<string, string>; reason?: string };
}

const allowHeaders = [
  ...connectCors.allowedHeaders.map((h) => h.toLowerCase()),
  "traceparent",
  ...appMetadataKeys.request,
];

const exposeHeaders = [
  ...connectCors.exposedHeaders.map((h) => h.toLowerCase()),
  ...appMetadataKeys.responseHeaders,
  ...appMetadataKeys.responseTrailers,
  ...appMetadataKeys.responseTrailers.map((k) => `trailer-${k}`),
];

/**
 * Creates the CORS policy for `origins` (exact origins such as
 * `http://localhost:5173`). Allowed request headers are Connect's and
 * gRPC-Web's protocol headers plus the app's declared request keys; exposed
 * response headers are the protocol's (`grpc-status`, `grpc-message`, …)
 * plus the app's declared response headers and trailers (also as Connect's
 * `trailer-` form). Credentials are not allowed, and `*` is never sent.
 */
export function createCorsPolicy(origins: readonly string[]): CorsPolicy {
  const allowed = new Set(origins);
  const allowedHeaderSet = new Set(allowHeaders);
  const granted = (origin: string | undefined): origin is string =>
    origin !== undefined && allowed.has(origin);
  return {
    responseHeaders(origin): Record<string, string> {
      if (!granted(origin)) return { vary: "Origin" };
      return {
        "access-control-allow-origin": origin,
        "access-control-expose-headers": exposeHeaders.join(", "),
        vary: "Origin",
      };
    },
    preflight(origin, method, requestHeaders) {
      const deny = (reason: string) => ({ status: 403, headers: { vary: "Origin" }, reason });
      if (!granted(origin)) return deny(`origin ${JSON.stringify(origin ?? "")} is not allowed`);
      if (!connectCors.allowedMethods.includes((method ?? "").toUpperCase())) {
        return deny(`method ${JSON.stringify(method ?? "")} is not allowed`);
      }
      const asked = (requestHeaders ?? "")
        .split(",")
        .map((h) => h.trim().toLowerCase())
        .filter(Boolean);
      const undeclared = asked.filter((h) => !allowedHeaderSet.has(h));
      if (undeclared.length > 0) {
        return deny(`request headers not declared: ${undeclared.join(", ")}`);
      }
      return {
        status: 204,
        headers: {
          "access-control-allow-origin": origin,
          "access-control-allow-methods": connectCors.allowedMethods.join(", "),
          "access-control-allow-headers": allowHeaders.join(", "),
          "access-control-max-age": "7200",
          vary: "Origin",
        },
      };
    },
  };
}
