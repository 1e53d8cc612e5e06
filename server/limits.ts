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
  /** HTTP/2 streams the process starts per event-loop turn; the rest wait for the next turns, round-robin over connections (so bursts do not hold everyone's calls). */
  streamStartsPerTurn: 64,
  /** HTTP/2 streams one connection may start per event-loop turn (see above). */
  streamStartsPerConnectionPerTurn: 8,
  /** Concurrent HTTP/2 streams per connection (SETTINGS_MAX_CONCURRENT_STREAMS); more are refused. */
  maxConcurrentStreams: 256,
  /** Open HTTP/2 streams one client address may hold across its connections; more are refused. */
  maxStreamsPerClient: 1024,
  /** Open HTTP/2 streams in the whole process; more are refused (REFUSED_STREAM). */
  maxStreams: 8192,
  /** Open connections in the whole process (kept 64 under the descriptor limit); at it, a newcomer takes the least active connection of the client holding the most, or is closed at once. */
  maxConnections: 4096,
  /** File descriptors kept free under the process's limit, so it can always accept and shed. */
  descriptorHeadroom: 64,
  /** Connections one client address may hold open at once; more are closed at once. */
  maxConnectionsPerClient: 256,
  /** New connections one client address may open in a burst; more are closed at once. */
  maxNewConnectionsPerClient: 200,
  /** New connections per second one client address may open, sustained. */
  newConnectionsPerClientPerSecond: 100,
  /**
   * Streams a client may reset per second on one connection; past it the
   * connection gets GOAWAY and the client's new connections are refused for
   * 1 s, doubling on repeats up to 30 s (rapid reset).
   */
  maxResetsPerSecond: 200,
  /** Response bytes one stream may have waiting for a slow reader; past it the handler waits. */
  maxPendingBytesPerStream: 256 * 1024,
  /** Response bytes one connection may have waiting; past it its new streams are refused and its writers wait. */
  maxPendingBytesPerConnection: 1024 * 1024,
  /** Response bytes the whole process may have waiting; past it writers still holding bytes wait and the longest-stalled streams are reset. */
  maxPendingBytesTotal: 64 * 1024 * 1024,
  /** Response messages the whole process may have waiting; past it, as past the byte budget (each costs CPU to make, whatever its size). */
  maxPendingWritesTotal: 4096,
  /** How long a stream may have bytes waiting while its reader takes none; then it is reset. */
  stallTimeoutMs: 10_000,
  /** How long a new connection may stay silent before its first bytes arrive. */
  firstBytesTimeoutMs: 10_000,
  /** How long a client may take to send its request headers (HTTP/1.1). */
  headersTimeoutMs: 10_000,
  /** How long a whole request may take to arrive (HTTP/1.1; a unary call's body on HTTP/2). */
  requestTimeoutMs: 30_000,
  /** How long an HTTP/2 connection with open streams may be silent before it is pinged. */
  keepaliveIntervalMs: 30_000,
  /** How long a ping may go unanswered before the connection is closed as dead. */
  keepaliveTimeoutMs: 20_000,
  /** How long an HTTP/2 connection may have no open stream before it is closed. */
  idleTimeoutMs: 60_000,
  /** How long in-flight calls get to finish after SIGTERM before the server exits anyway. */
  shutdownGraceMs: 10_000,
  /**
   * After SIGTERM, how long an idle keep-alive connection stays open for one
   * more request (answered, then closed cleanly) before it is closed: a
   * proxy may be sending on it just then (see the engine's limits).
   */
  drainIdleMs: 1_000,
  /** `SayHelloRequest.hops`: servers a call may chain through; past it, `InvalidArgument`. */
  maxHops: 8,
  /** Downstream calls hops may have in flight in the whole process; past it, `ResourceExhausted` at once. */
  maxHopCallsInFlight: 256,
  /** Downstream calls the chains one client started may have in flight; past it, `ResourceExhausted`. */
  maxHopCallsPerClient: 32,
  /** The deadline a hop gives its downstream call when the caller set none. */
  hopDefaultTimeoutMs: 10_000,
  /** Calls one pooled downstream connection carries before the pool opens another. */
  hopStreamsPerConnection: 100,
  /** Connections the downstream pool may open. */
  hopConnections: 8,
  /** `SayHelloRequest.delay_ms`; past it, `InvalidArgument`. */
  maxDelayMs: 60_000,
  /** `SayHelloStreamRequest.count`; past it, `InvalidArgument`. */
  maxStreamCount: 100,
  /** `SayHelloStreamRequest.interval_ms`; past it, `InvalidArgument`. */
  maxStreamIntervalMs: 10_000,
  /** `SayHelloStreamRequest.delay_ms` (the wait after the headers); past it, `InvalidArgument`. */
  maxStreamDelayMs: 60_000,
  /** Request messages one SayHelloAll call may send (the handler keeps every name); past it, `InvalidArgument`. */
  maxAllNames: 100,
} satisfies ServerLimits & Record<string, number>;

/** The limits a server can be started with (tests shorten the timeouts). */
export type Limits = typeof limits;
