/**
 * Budgets for response bytes that wait for a peer to read them. A peer that
 * sets its HTTP/2 window to 0 (or stops reading a TCP connection) makes the
 * server hold every byte it answers; these budgets bound what it can hold
 * per stream, per connection and in the whole process, and reset a stream
 * whose peer keeps it stalled.
 */

/** What the budgets allow. */
export interface FlowLimits {
  /**
   * Response bytes one stream may have waiting for the peer before its
   * writer waits (backpressure: the handler's next message is not pulled).
   */
  readonly maxPendingBytesPerStream: number;
  /** Response bytes one connection may have waiting; past it, its new streams are refused. */
  readonly maxPendingBytesPerConnection: number;
  /** Response bytes the process may have waiting; past it, new streams everywhere are refused. */
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
   * callback). Resolves at once while the stream is within its budget;
   * otherwise when enough has been taken by the peer, or when the stream
   * is gone.
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

interface Tracked {
  pending: number;
  lastProgress: number;
  reset: () => void;
  waiters: (() => void)[];
  connection: { pending: number };
}

/** Creates the budget and its stall sweep (once a second, unref'd). */
export function createFlowBudget(limits: FlowLimits): FlowBudget {
  let total = 0;
  const connections = new WeakMap<object, { pending: number }>();
  const waiting = new Set<Tracked>();
  const connectionOf = (c: object) => {
    let entry = connections.get(c);
    if (!entry) {
      entry = { pending: 0 };
      connections.set(c, entry);
    }
    return entry;
  };
  const settle = (t: Tracked, bytes: number) => {
    t.pending -= bytes;
    t.connection.pending -= bytes;
    total -= bytes;
    t.lastProgress = Date.now();
    if (t.pending <= 0) waiting.delete(t);
    if (t.pending <= limits.maxPendingBytesPerStream) {
      for (const wake of t.waiters.splice(0)) wake();
    }
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
          const room =
            t.pending <= limits.maxPendingBytesPerStream
              ? Promise.resolve()
              : new Promise<void>((resolve) => t.waiters.push(resolve));
          return { written, room };
        },
        release() {
          if (released) return;
          released = true;
          t.connection.pending -= t.pending;
          total -= t.pending;
          t.pending = 0;
          waiting.delete(t);
          for (const wake of t.waiters.splice(0)) wake();
        },
      };
    },
    close() {
      clearInterval(sweep);
    },
  };
}
