/**
 * Which header keys belong to the protocols and the transport rather than to
 * the application. One place answers both questions the library asks:
 * "may user metadata write this key?" and "is this incoming header metadata?".
 */

/**
 * Keys that only the protocol layer may write. grpc-go's `isReservedHeader`
 * lists `content-type`, `user-agent`, `te`, pseudo-headers and five `grpc-`
 * keys; we reserve every `grpc-` key but the two grpc-go leaves to metadata
 * (`grpc-previous-rpc-attempts`, `grpc-retry-pushback-ms`), every `connect-`
 * key, Connect's `trailer-` prefix, and the HTTP framing headers whose wrong
 * value would corrupt the message (content-length, encodings, hop-by-hop).
 */
const reservedExact = new Set([
  "content-type",
  "content-length",
  "content-encoding",
  "accept-encoding",
  "te",
  "user-agent",
  "host",
  "connection",
  "keep-alive",
  "proxy-connection",
  "transfer-encoding",
  "upgrade",
  "http2-settings",
  "trailer",
  "x-grpc-web",
  "x-user-agent",
]);

const grpcMetadataKeys = new Set(["grpc-previous-rpc-attempts", "grpc-retry-pushback-ms"]);

const reservedPrefixes = ["grpc-", "connect-", "trailer-"];

/**
 * Reports whether `key` (lowercase) is reserved for the protocol or the
 * transport and so cannot be written from user metadata.
 */
export function isReservedKey(key: string): boolean {
  if (key.startsWith(":")) return true;
  if (reservedExact.has(key)) return true;
  if (grpcMetadataKeys.has(key)) return false;
  return reservedPrefixes.some((p) => key.startsWith(p));
}

/**
 * Headers that browsers, HTTP stacks and CORS add on their own, on requests
 * (most are "forbidden header names" in the Fetch standard) and on responses
 * (`vary`, `server`, `alt-svc`, `access-control-*`). They are not application
 * metadata, so reading metadata drops them.
 */
const transportOnlyExact = new Set([
  "accept",
  "accept-charset",
  "accept-language",
  "origin",
  "referer",
  "expect",
  "date",
  "dnt",
  "via",
  "cache-control",
  "pragma",
  "priority",
  "vary",
  "server",
  "alt-svc",
]);

const transportOnlyPrefixes = ["sec-", "access-control-", "proxy-"];

/**
 * Reports whether an incoming header `key` (lowercase) is part of the
 * protocol or the transport rather than metadata. `fromIncomingContext`
 * and response capture drop these: every reserved key (see
 * {@link isReservedKey}) except `user-agent`, which grpc-go also keeps, plus
 * `accept*`, `origin`, `referer`, `expect`, `date`, `dnt`, `via`,
 * `cache-control`, `pragma`, `priority`, `vary`, `server`, `alt-svc`, and the
 * `sec-*`, `access-control-*` and `proxy-*` families. Everything else — `authorization` and `cookie` included — is
 * metadata, and therefore never forwarded unless the code says so.
 */
export function isProtocolHeader(key: string): boolean {
  if (key === "user-agent") return false;
  if (isReservedKey(key)) return true;
  if (transportOnlyExact.has(key)) return true;
  return transportOnlyPrefixes.some((p) => key.startsWith(p));
}
