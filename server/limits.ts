/**
 * The limits the server enforces, in one place; README "Limits and guarantees" states them.
 */
export const limits = {
  /**
   * Request metadata, counted as HPACK counts a header list (RFC 7541
   * §4.1: name + value + 32 per field) over the metadata keys only. gRPC
   * implementations interoperate at 8 KiB; past it the call fails with
   * `ResourceExhausted`.
   */
  maxMetadataBytes: 8 * 1024,
  /**
   * All request header bytes Node accepts before any RPC code runs (HTTP/1.1
   * `maxHeaderSize`, HTTP/2 `maxHeaderListSize`). Larger requests are refused
   * by Node itself: 431 on HTTP/1.1, a reset stream on HTTP/2.
   */
  maxHeaderBytes: 64 * 1024,
  /** Largest request message, in bytes; past it, `ResourceExhausted`. */
  maxRequestBytes: 1024 * 1024,
  /** Concurrent HTTP/2 streams per connection (SETTINGS_MAX_CONCURRENT_STREAMS). */
  maxConcurrentStreams: 256,
  /** Connections one client address may hold open at once; more are closed at once. */
  maxConnectionsPerClient: 256,
  /** How long a new connection may stay silent before its first bytes arrive. */
  firstBytesTimeoutMs: 10_000,
  /** How long a client may take to send its request headers (HTTP/1.1). */
  headersTimeoutMs: 10_000,
  /** How long a whole request may take to arrive (HTTP/1.1). */
  requestTimeoutMs: 30_000,
  /** How long an HTTP/2 stream may see no traffic either way before it is reset. */
  streamIdleTimeoutMs: 30_000,
  /** How long an HTTP/2 connection may stay idle. */
  idleTimeoutMs: 60_000,
  /** How long in-flight calls get to finish after SIGTERM before the server exits anyway. */
  shutdownGraceMs: 10_000,
};

/** The subset of {@link limits} a server can be started with (tests shorten the timeouts). */
export type Limits = typeof limits;
