/**
 * What a server built with `serve` allows a peer, with the defaults. Each
 * limit says what a client gets past it. Apps state their own values in one
 * place (this project's server/limits.ts) and pass them to `serve`.
 */
export interface ServerLimits {
  /**
   * All request header bytes Node accepts before any RPC code runs (HTTP/1.1
   * `maxHeaderSize`, HTTP/2 `maxHeaderListSize`). Past it: 431 on HTTP/1.1,
   * a reset stream on HTTP/2.
   */
  readonly maxHeaderBytes: number;
  /** Largest request message, in bytes; past it, `ResourceExhausted`. */
  readonly maxRequestBytes: number;
  /**
   * Concurrent HTTP/2 streams per connection (SETTINGS_MAX_CONCURRENT_STREAMS);
   * the excess of a client that ignores the setting is refused (REFUSED_STREAM).
   */
  readonly maxConcurrentStreams: number;
  /** Connections one client address may hold open at once; more are closed as soon as accepted. */
  readonly maxConnectionsPerClient: number;
  /** How long a new connection may stay silent before its first bytes arrive; then it is closed. */
  readonly firstBytesTimeoutMs: number;
  /** How long a client may take to send its request headers (HTTP/1.1); then 408. */
  readonly headersTimeoutMs: number;
  /** How long a whole request may take to arrive (HTTP/1.1); then 408. */
  readonly requestTimeoutMs: number;
  /** How long an HTTP/2 stream may see no traffic either way before it is reset (CANCEL). */
  readonly streamIdleTimeoutMs: number;
  /** How long an HTTP/2 connection may stay idle before it is closed. */
  readonly idleTimeoutMs: number;
  /** How long in-flight calls get to finish after `close()` before connections are closed anyway. */
  readonly shutdownGraceMs: number;
}

/** The defaults `serve` uses for every limit not given. */
export const defaultLimits: ServerLimits = {
  maxHeaderBytes: 64 * 1024,
  maxRequestBytes: 4 * 1024 * 1024,
  maxConcurrentStreams: 256,
  maxConnectionsPerClient: 256,
  firstBytesTimeoutMs: 10_000,
  headersTimeoutMs: 10_000,
  requestTimeoutMs: 30_000,
  streamIdleTimeoutMs: 30_000,
  idleTimeoutMs: 60_000,
  shutdownGraceMs: 10_000,
};
