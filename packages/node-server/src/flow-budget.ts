/**
 * Budgets for response bytes that wait for a peer to read them. A peer that
 * sets its HTTP/2 window to 0 (or stops reading a TCP connection) makes the
 * server hold every byte it answers; these budgets bound what it can hold
 * per stream, per connection and in the whole process, and reset a stream
 * whose peer keeps it stalled.
 *
 * A writer waits while any of the three is spent, not only its stream's:
 * many streams each under its own budget would otherwise hold
 * streams × maxPendingBytesPerStream (8192 × 256 KiB = 2 GiB), since
 * refusing new streams does nothing about the ones already open. So the
 * process holds at most maxPendingBytesTotal plus the one write each open
 * stream may make before it waits.
 */

/** What the budgets allow. */
export interface FlowLimits {
  /**
   * Response bytes one stream may have waiting for the peer before its
   * writer waits (backpressure: the handler's next message is not pulled).
   */
  readonly maxPendingBytesPerStream: number;
  /**
   * Response bytes one connection may have waiting; past it, its new
   * streams are refused and the writers of its open ones wait.
   */
  readonly maxPendingBytesPerConnection: number;
  /**
   * Response bytes the process may have waiting; past it, new streams
   * everywhere are refused and every writer waits.
   */
  readonly maxPendingBytesTotal: number;
  /**
   * How long a stream may have bytes waiting without the peer taking any;
   * then it is reset, and what it held is released.
   */
  readonly stallTimeoutMs: number;
}

/** One response's accounting. */
export interface StreamFlow {
  /**
   * Counts `bytes` as waiting until `written` is called (the write's
   * callback). `room` resolves at once while the stream, its connection and
   * the process are all within their budgets; otherwise once they are
   * again (peers took enough, or streams holding bytes were released), or
   * when this stream is gone.
   */
  sent(bytes: number): { written: () => void; room: Promise<void> };
  /** Releases whatever the stream still holds; call when it closes. */
  release(): void;
}

/** A connection's share of the budget. */
export interface ConnectionFlow {
  readonly pending: number;
}

/** The process-wide budget. */
export interface FlowBudget {
  /** Bytes waiting in the whole process. */
  readonly pending: number;
  /** Whether `connection` (and the process) may take a new stream now. */
  admits(connection: object): boolean;
  /**
   * Starts accounting for one response on `connection`; `reset` is called
   * if the stream stalls past `stallTimeoutMs` with bytes waiting.
   */
  track(connection: object, reset: () => void): StreamFlow;
  /** Stops the stall sweep. */
  close(): void;
}

interface Connection {
  pending: number;
  /** Its streams whose writers wait for room. */
  readonly blocked: Set<Tracked>;
}

interface Tracked {
  pending: number;
  lastProgress: number;
  reset: () => void;
  waiters: (() => void)[];
  connection: Connection;
}

/** Creates the budget and its stall sweep (once a second, unref'd). */
export function createFlowBudget(limits: FlowLimits): FlowBudget {
  let total = 0;
  const connections = new WeakMap<object, Connection>();
  const waiting = new Set<Tracked>();
  /** Connections with blocked writers. */
  const blockedConnections = new Set<Connection>();
  const connectionOf = (c: object) => {
    let entry = connections.get(c);
    if (!entry) {
      entry = { pending: 0, blocked: new Set() };
      connections.set(c, entry);
    }
    return entry;
  };
  const hasRoom = (t: Tracked) =>
    t.pending <= limits.maxPendingBytesPerStream &&
    t.connection.pending <= limits.maxPendingBytesPerConnection &&
    total <= limits.maxPendingBytesTotal;
  const wakeAll = (t: Tracked) => {
    t.connection.blocked.delete(t);
    if (t.connection.blocked.size === 0) blockedConnections.delete(t.connection);
    for (const wake of t.waiters.splice(0)) wake();
  };
  /** Wakes the writers of `connection` that have room now. */
  const wakeOn = (connection: Connection) => {
    if (connection.pending > limits.maxPendingBytesPerConnection) return;
    for (const t of connection.blocked) if (hasRoom(t)) wakeAll(t);
  };
  /**
   * Takes `bytes` off `t`'s counts and wakes whoever that made room for:
   * writers on `t`'s connection, or on every connection when the process
   * just came back within its budget.
   */
  const drop = (t: Tracked, bytes: number) => {
    const wasOver = total > limits.maxPendingBytesTotal;
    t.pending -= bytes;
    t.connection.pending -= bytes;
    total -= bytes;
    if (total > limits.maxPendingBytesTotal) return;
    if (wasOver) for (const c of [...blockedConnections]) wakeOn(c);
    else wakeOn(t.connection);
  };
  const settle = (t: Tracked, bytes: number) => {
    t.lastProgress = Date.now();
    if (t.pending - bytes <= 0) waiting.delete(t);
    drop(t, bytes);
  };
  const sweep = setInterval(
    () => {
      const now = Date.now();
      for (const t of waiting) {
        if (now - t.lastProgress > limits.stallTimeoutMs) {
          waiting.delete(t);
          t.reset();
        }
      }
    },
    Math.min(1_000, limits.stallTimeoutMs),
  );
  sweep.unref();
  return {
    get pending() {
      return total;
    },
    admits(connection) {
      if (total > limits.maxPendingBytesTotal) return false;
      return (connections.get(connection)?.pending ?? 0) <= limits.maxPendingBytesPerConnection;
    },
    track(connection, reset) {
      const t: Tracked = {
        pending: 0,
        lastProgress: Date.now(),
        reset,
        waiters: [],
        connection: connectionOf(connection),
      };
      let released = false;
      return {
        sent(bytes) {
          if (released) return { written: () => {}, room: Promise.resolve() };
          if (t.pending === 0) t.lastProgress = Date.now();
          t.pending += bytes;
          t.connection.pending += bytes;
          total += bytes;
          waiting.add(t);
          let done = false;
          const written = () => {
            if (done || released) return;
            done = true;
            settle(t, bytes);
          };
          let room = Promise.resolve();
          if (!hasRoom(t)) {
            room = new Promise<void>((resolve) => t.waiters.push(resolve));
            t.connection.blocked.add(t);
            blockedConnections.add(t.connection);
          }
          return { written, room };
        },
        release() {
          if (released) return;
          released = true;
          waiting.delete(t);
          wakeAll(t);
          drop(t, t.pending);
        },
      };
    },
    close() {
      clearInterval(sweep);
    },
  };
}
