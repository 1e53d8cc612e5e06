/**
 * Budgets for response bytes that wait for a peer to read them. A peer that
 * sets its HTTP/2 window to 0 (or stops reading a TCP connection) makes the
 * server hold every byte it answers; these budgets bound what it can hold
 * per stream, per connection and in the whole process, and reset a stream
 * whose peer keeps it stalled.
 *
 * A writer waits while any of the three is spent, not only its stream's
 * (past the process's budget, only a writer whose earlier bytes still wait):
 * many streams each under its own budget would otherwise hold
 * streams × maxPendingBytesPerStream (8192 × 256 KiB = 2 GiB), since
 * refusing new streams does nothing about the ones already open. So the
 * process holds at most maxPendingBytesTotal plus the one write each open
 * stream may make before it waits.
 *
 * Past the process's budget the streams that hold it are shed, not the
 * newcomers: new streams are still admitted (a connection over its own
 * budget gets none), and streams stalled for {@link shedAfterMs} or more are
 * reset, the longest-stalled first, until the process is back within
 * three quarters of its budget. A peer that reads never stalls, so a few
 * hostile connections that take nothing cannot lock everyone else out.
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
   * Response bytes the process may have waiting; past it every writer whose
   * earlier bytes still wait waits too, and the longest-stalled streams are
   * reset until the process is within three quarters of it again (new
   * streams are still admitted).
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
  /** Whether `connection` may take a new stream now (it is within its own budget). */
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

/**
 * How long a stream must have held bytes without its peer taking any before
 * it may be shed to bring the process back within its budget: a second, or
 * the stall timeout if that is shorter.
 */
export function shedAfterMs(limits: FlowLimits): number {
  return Math.min(1_000, limits.stallTimeoutMs);
}

/** Creates the budget and its stall sweep (once a second, unref'd). */
export function createFlowBudget(limits: FlowLimits): FlowBudget {
  let total = 0;
  let shedScheduled = false;
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
  /**
   * Whether `t`'s writer may go on. Past the process's budget only writers
   * whose peer has taken everything they wrote before (`held` 0) go on: a
   * peer that reads is never held back by peers that do not.
   */
  const hasRoom = (t: Tracked, held: number) =>
    t.pending <= limits.maxPendingBytesPerStream &&
    t.connection.pending <= limits.maxPendingBytesPerConnection &&
    (total <= limits.maxPendingBytesTotal || held === 0);
  const wakeAll = (t: Tracked) => {
    t.connection.blocked.delete(t);
    if (t.connection.blocked.size === 0) blockedConnections.delete(t.connection);
    for (const wake of t.waiters.splice(0)) wake();
  };
  /** Wakes the writers of `connection` that have room now. */
  const wakeOn = (connection: Connection) => {
    if (connection.pending > limits.maxPendingBytesPerConnection) return;
    for (const t of connection.blocked) if (hasRoom(t, t.pending)) wakeAll(t);
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
  /** Resets the longest-stalled streams while the process is over its budget. */
  const shed = () => {
    shedScheduled = false;
    if (total <= limits.maxPendingBytesTotal) return;
    const stalledBefore = Date.now() - shedAfterMs(limits);
    const stalled = [...waiting].filter((t) => t.lastProgress <= stalledBefore);
    stalled.sort((a, b) => a.lastProgress - b.lastProgress);
    let left = total;
    for (const t of stalled) {
      if (left <= limits.maxPendingBytesTotal * 0.75) break;
      left -= t.pending;
      waiting.delete(t);
      t.reset();
    }
  };
  const scheduleShed = () => {
    if (shedScheduled) return;
    shedScheduled = true;
    setTimeout(shed, 100).unref(); // at most ten passes a second, however many writes
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
      shed();
    },
    Math.min(1_000, limits.stallTimeoutMs),
  );
  sweep.unref();
  return {
    get pending() {
      return total;
    },
    admits(connection) {
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
          const held = t.pending;
          if (held === 0) t.lastProgress = Date.now();
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
          if (total > limits.maxPendingBytesTotal) scheduleShed();
          let room = Promise.resolve();
          if (!hasRoom(t, held)) {
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
