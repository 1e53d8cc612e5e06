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
 * The process's budget also counts writes, not only bytes: every message a
 * handler yields costs CPU to make (serialize, frame, write) whatever its
 * size, so bytes alone would let peers that take nothing make the server
 * produce tens of thousands of small messages (64 MiB of 2.6 KB greetings is
 * 26,000 of them, seconds of one core) before any writer waits. Past
 * maxPendingWritesTotal waiting writes the process is over its budget just
 * as past maxPendingBytesTotal bytes.
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
   * Writes (response messages or chunks) the process may have waiting for
   * their peers; past it the process is over its budget as past
   * maxPendingBytesTotal (see the module comment: making a message costs CPU
   * whatever its size).
   */
  readonly maxPendingWritesTotal: number;
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
  /** Writes waiting in the whole process. */
  readonly pendingWrites: number;
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
  /** Its writes still waiting. */
  writes: number;
  lastProgress: number;
  reset: () => void;
  /** How many of its writes the peer has taken, ever. */
  taken: number;
  /** `taken` when its writer last began to wait. */
  takenWhenBlocked: number;
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
  let totalWrites = 0;
  let shedScheduled = false;
  /** Whether the process is over its budget, in bytes or in writes. */
  const over = () =>
    total > limits.maxPendingBytesTotal || totalWrites > limits.maxPendingWritesTotal;
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
    (!over() || held === 0);
  const wakeAll = (t: Tracked) => {
    t.connection.blocked.delete(t);
    if (t.connection.blocked.size === 0) blockedConnections.delete(t.connection);
    for (const wake of t.waiters.splice(0)) wake();
  };
  /**
   * Wakes the writers of `connection` that have room now, except those
   * whose peer has taken none of their bytes since they began to wait: more
   * bytes would only queue behind the untaken ones, and each message costs
   * CPU to make. Such a writer wakes when its peer takes something (its own
   * `written`), or when its stream is released. Without this, every time
   * the process came back within its budget every stalled writer would make
   * one more message for nobody.
   */
  const wakeOn = (connection: Connection) => {
    if (connection.pending > limits.maxPendingBytesPerConnection) return;
    for (const t of connection.blocked) {
      const moved = t.pending === 0 || t.taken !== t.takenWhenBlocked;
      if (moved && hasRoom(t, t.pending)) wakeAll(t);
    }
  };
  /**
   * Takes `bytes` in `writes` writes off `t`'s counts and wakes whoever
   * that made room for: writers on `t`'s connection, or on every connection
   * when the process just came back within its budget.
   */
  const drop = (t: Tracked, bytes: number, writes: number) => {
    const wasOver = over();
    t.pending -= bytes;
    t.connection.pending -= bytes;
    total -= bytes;
    t.writes -= writes;
    totalWrites -= writes;
    if (over()) return;
    if (wasOver) for (const c of [...blockedConnections]) wakeOn(c);
    else wakeOn(t.connection);
  };
  const settle = (t: Tracked, bytes: number) => {
    t.lastProgress = Date.now();
    t.taken++;
    if (t.pending - bytes <= 0) waiting.delete(t);
    drop(t, bytes, 1);
  };
  /**
   * Resets the longest-stalled streams while the process is over its
   * budget, until three quarters of it (bytes and writes) are left.
   */
  const shed = () => {
    shedScheduled = false;
    if (!over()) return;
    const stalledBefore = Date.now() - shedAfterMs(limits);
    const stalled = [...waiting].filter((t) => t.lastProgress <= stalledBefore);
    stalled.sort((a, b) => a.lastProgress - b.lastProgress);
    let left = total;
    let leftWrites = totalWrites;
    for (const t of stalled) {
      if (
        left <= limits.maxPendingBytesTotal * 0.75 &&
        leftWrites <= limits.maxPendingWritesTotal * 0.75
      ) {
        break;
      }
      left -= t.pending;
      leftWrites -= t.writes;
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
    get pendingWrites() {
      return totalWrites;
    },
    admits(connection) {
      return (connections.get(connection)?.pending ?? 0) <= limits.maxPendingBytesPerConnection;
    },
    track(connection, reset) {
      const t: Tracked = {
        pending: 0,
        writes: 0,
        taken: 0,
        takenWhenBlocked: 0,
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
          t.writes++;
          totalWrites++;
          waiting.add(t);
          let done = false;
          const written = () => {
            if (done || released) return;
            done = true;
            settle(t, bytes);
          };
          if (over()) scheduleShed();
          let room = Promise.resolve();
          if (!hasRoom(t, held)) {
            room = new Promise<void>((resolve) => t.waiters.push(resolve));
            t.takenWhenBlocked = t.taken;
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
          drop(t, t.pending, t.writes);
        },
      };
    },
    close() {
      clearInterval(sweep);
    },
  };
}
