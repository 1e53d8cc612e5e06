/**
 * What a server built with `serve` allows a peer, with the defaults. Each
 * limit says what a client gets past it. Apps state their own values in one
 * place (this project's server/limits.ts) and pass them to `serve`.
 */
export interface ServerLimits {
  /**
   * All request header bytes accepted before any RPC code runs, counted as
   * HPACK counts (name + value + 32 per field). HTTP/1.1: Node's
   * `maxHeaderSize`, past it 431. HTTP/2: advertised as
   * SETTINGS_MAX_HEADER_LIST_SIZE (which Node does not enforce on a server)
   * and checked on every stream; past it the protocol's `resource_exhausted`
   * (gRPC, gRPC-Web) or 431. A header block split over more CONTINUATION
   * frames than Node's HTTP/2 layer allows (its CONTINUATION-flood guard)
   * ends the connection (GOAWAY) before any code of ours sees it.
   */
  readonly maxHeaderBytes: number;
  /** Largest request message, in bytes; past it, `ResourceExhausted`. */
  readonly maxRequestBytes: number;
  /**
   * HTTP/2 streams the process starts in one turn of the event loop; the
   * rest wait and start in the turns after, round-robin over the
   * connections that have streams waiting, so bursts cannot make every turn
   * long and hold other connections' calls (nothing is refused; they wait
   * their turn).
   */
  readonly streamStartsPerTurn: number;
  /** HTTP/2 streams one connection may start in one turn (see streamStartsPerTurn). */
  readonly streamStartsPerConnectionPerTurn: number;
  /**
   * Concurrent HTTP/2 streams per connection (SETTINGS_MAX_CONCURRENT_STREAMS);
   * the excess of a client that ignores the setting is refused (REFUSED_STREAM).
   */
  readonly maxConcurrentStreams: number;
  /** Open HTTP/2 streams one client address may hold across its connections; more are refused (REFUSED_STREAM). */
  readonly maxStreamsPerClient: number;
  /** Open HTTP/2 streams in the whole process; more are refused (REFUSED_STREAM). */
  readonly maxStreams: number;
  /**
   * Open connections in the whole process, kept at least
   * `descriptorHeadroom` below the process's file descriptor limit so the
   * server can always accept, answer and shed. At the cap a new client's
   * connection is admitted by closing the least active connection of the
   * client holding the most, when that client holds at least two more;
   * otherwise it is closed as soon as accepted.
   */
  readonly maxConnections: number;
  /** File descriptors kept free under the process's limit (see maxConnections). */
  readonly descriptorHeadroom: number;
  /** Connections one client address may hold open at once; more are closed as soon as accepted. */
  readonly maxConnectionsPerClient: number;
  /** New connections one client address may open in a burst; past it they are closed at once. */
  readonly maxNewConnectionsPerClient: number;
  /** New connections per second one client address may open, sustained (the burst refills at this rate). */
  readonly newConnectionsPerClientPerSecond: number;
  /**
   * Streams a client may reset (RST_STREAM before the answer) per second,
   * over a 1 s window, on one connection; past it the connection is sent
   * GOAWAY (ENHANCE_YOUR_CALM) and the client's new connections are refused
   * for 1 s, doubling on repeats up to 30 s (rapid reset, CVE-2023-44487).
   */
  readonly maxResetsPerSecond: number;
  /** Response bytes one stream may have waiting for its peer; past it, the handler waits (backpressure). */
  readonly maxPendingBytesPerStream: number;
  /** Response bytes one connection may have waiting; past it, its new streams are refused and its writers wait. */
  readonly maxPendingBytesPerConnection: number;
  /**
   * Response bytes the process may have waiting; past it, writers whose
   * earlier bytes still wait wait too, and streams stalled a second or more
   * are reset (longest first) until three quarters of it are left. New
   * streams are still admitted.
   */
  readonly maxPendingBytesTotal: number;
  /**
   * Response writes (messages) the process may have waiting for peers; past
   * it the process is over its budget as past `maxPendingBytesTotal`. Making
   * a message costs CPU whatever its size, so this bounds the work peers
   * that read nothing can make the server do, where bytes alone do not.
   */
  readonly maxPendingWritesTotal: number;
  /** How long a stream may have response bytes waiting while its peer takes none; then it is reset. */
  readonly stallTimeoutMs: number;
  /** How long a new connection may stay silent before its first bytes arrive; then it is closed. */
  readonly firstBytesTimeoutMs: number;
  /** How long a client may take to send its request headers (HTTP/1.1); then 408. */
  readonly headersTimeoutMs: number;
  /**
   * How long a whole request may take to arrive: HTTP/1.1 (Node's
   * `requestTimeout`, then 408), and the body of a unary call on HTTP/2
   * (then `deadline_exceeded`). Streaming requests have no such limit:
   * their handler is running, and idle is not the same as dead.
   */
  readonly requestTimeoutMs: number;
  /**
   * How long an HTTP/2 connection may be silent while it has open streams
   * before the server pings it (HTTP/2 PING), as grpc-go's keepalive does.
   */
  readonly keepaliveIntervalMs: number;
  /** How long a ping may go unanswered; then the connection is closed as dead. */
  readonly keepaliveTimeoutMs: number;
  /** How long a connection may have no open streams (no request, HTTP/1.1) before it is closed. */
  readonly idleTimeoutMs: number;
  /** How long in-flight calls get to finish after `close()` before connections are closed anyway. */
  readonly shutdownGraceMs: number;
  /**
   * How long, after `close()`, a keep-alive connection that is idle is left
   * open for one more request instead of being closed at once. A client (a
   * reverse proxy above all) may be sending a request on it just then; that
   * request would meet a reset (HTTP/1.1) or a GOAWAY below its stream id
   * (HTTP/2), which nginx does not retry. Within this time the next request
   * on it is served and closes it cleanly (`connection: close`, or a GOAWAY
   * that includes its stream); after it, whatever is still idle is closed.
   */
  readonly drainIdleMs: number;
}

/** The defaults `serve` uses for every limit not given. */
export const defaultLimits: ServerLimits = {
  maxHeaderBytes: 64 * 1024,
  maxRequestBytes: 4 * 1024 * 1024,
  streamStartsPerTurn: 64,
  streamStartsPerConnectionPerTurn: 8,
  maxConcurrentStreams: 256,
  maxStreamsPerClient: 1024,
  maxStreams: 8192,
  maxConnections: 4096,
  descriptorHeadroom: 64,
  maxConnectionsPerClient: 256,
  maxNewConnectionsPerClient: 200,
  newConnectionsPerClientPerSecond: 100,
  maxResetsPerSecond: 200,
  maxPendingBytesPerStream: 256 * 1024,
  maxPendingBytesPerConnection: 1024 * 1024,
  maxPendingBytesTotal: 64 * 1024 * 1024,
  maxPendingWritesTotal: 4096,
  stallTimeoutMs: 10_000,
  firstBytesTimeoutMs: 10_000,
  headersTimeoutMs: 10_000,
  requestTimeoutMs: 30_000,
  keepaliveIntervalMs: 30_000,
  keepaliveTimeoutMs: 20_000,
  idleTimeoutMs: 60_000,
  shutdownGraceMs: 10_000,
  drainIdleMs: 1_000,
};
