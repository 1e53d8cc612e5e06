import { interopMetadataBytes } from "@hello-metadata/metadata";
import type { ServerLimits } from "@hello-metadata/node-server";

/**
 * Every limit this server enforces, in one place; README "Limits and
 * guarantees" states them with what a client gets past each. The engine's
 * limits (`ServerLimits`, documented in @hello-metadata/node-server) are all
 * set here explicitly, so none is a default nobody chose.
 */
export const limits = {
  /**
   * Request metadata, counted as HPACK counts a header list (RFC 7541
   * §4.1: name + value + 32 per field) over the metadata keys only: the
   * 8 KiB gRPC implementations interoperate at. Past it the call fails with
   * `ResourceExhausted`.
   */
  maxMetadataBytes: interopMetadataBytes,
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
  /** `SayHelloRequest.hops`: servers a call may chain through; past it, `InvalidArgument`. */
  maxHops: 8,
  /** `SayHelloRequest.delay_ms`; past it, `InvalidArgument`. */
  maxDelayMs: 60_000,
  /** `SayHelloStreamRequest.count`; past it, `InvalidArgument`. */
  maxStreamCount: 100,
  /** `SayHelloStreamRequest.interval_ms`; past it, `InvalidArgument`. */
  maxStreamIntervalMs: 10_000,
} satisfies ServerLimits & Record<string, number>;

/** The limits a server can be started with (tests shorten the timeouts). */
export type Limits = typeof limits;
