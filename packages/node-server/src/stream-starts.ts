/**
 * Fair starts for HTTP/2 streams. Node parses every frame of a socket read
 * at once and emits a `stream` event for each new stream, synchronously; a
 * connection that opens hundreds of streams in one write would have all of
 * their handlers start (and run their first steps) before the event loop
 * reads any other socket, and many such connections make every turn of the
 * loop as long as all their bursts together. A bystander's new connection
 * needs a few turns (accept, settings, headers), so it waits for them all.
 *
 * Here one turn of the event loop starts at most `perTurn` streams in the
 * whole process and at most `perConnection` of one connection. The rest wait
 * in arrival order per connection, and the turns after (setImmediate) take
 * them round-robin over the connections that have streams waiting: every
 * connection gets its share of each turn, a turn stays short, and the loop
 * reads other sockets in between. The work done is the same; who waits for
 * it changes: the connections that sent the bursts, not everyone.
 */

/** How many streams a turn starts. */
export interface StreamStartLimits {
  /** Streams started in one turn of the event loop, in the whole process. */
  readonly perTurn: number;
  /** Streams of one connection started in one turn. */
  readonly perConnection: number;
}

/** Where streams are started. */
export interface StreamStarts {
  /**
   * Runs `start` now if this turn has room (in the process and for
   * `connection`) and `connection` has none waiting; otherwise queues it
   * behind them. A queued start runs even if its stream has closed
   * meanwhile: `start` checks that itself.
   */
  start(connection: object, start: () => void): void;
  /** Streams waiting to start, over all connections. */
  readonly waiting: number;
}

interface Connection {
  /** The turn `started` counts. */
  turn: number;
  started: number;
  readonly queue: (() => void)[];
  /** Whether it is in the round-robin ring (it has streams waiting). */
  inRing: boolean;
}

/**
 * Creates the scheduler. `onError` gets what a start threw; it never
 * escapes into the event loop.
 */
export function createStreamStarts(
  limits: StreamStartLimits,
  onError: (e: unknown) => void,
): StreamStarts {
  const connections = new WeakMap<object, Connection>();
  /** Connections with streams waiting, in the order they are served. */
  let ring: Connection[] = [];
  let waiting = 0;
  let turn = 0;
  let startedThisTurn = 0;
  let scheduled = false;
  const run = (start: () => void) => {
    try {
      start();
    } catch (e) {
      onError(e);
    }
  };
  const current = (c: Connection) => {
    if (c.turn !== turn) {
      c.turn = turn;
      c.started = 0;
    }
    return c;
  };
  const nextTurn = () => {
    scheduled = false;
    turn++;
    startedThisTurn = 0;
    const spent: Connection[] = [];
    while (startedThisTurn < limits.perTurn && ring.length > 0) {
      const c = current(ring.shift() as Connection);
      if (c.started >= limits.perConnection) {
        spent.push(c);
        continue;
      }
      const start = c.queue.shift() as () => void;
      waiting--;
      c.started++;
      startedThisTurn++;
      if (c.queue.length > 0) ring.push(c);
      else c.inRing = false;
      run(start);
    }
    if (spent.length > 0) ring = ring.concat(spent);
    // Counts are per turn: the next turn must come whether streams still
    // wait or more arrive in this one.
    if (waiting > 0 || startedThisTurn > 0) schedule();
  };
  const schedule = () => {
    if (scheduled) return;
    scheduled = true;
    setImmediate(nextTurn);
  };
  return {
    start(connection, start) {
      let c = connections.get(connection);
      if (!c) {
        c = { turn, started: 0, queue: [], inRing: false };
        connections.set(connection, c);
      }
      current(c);
      schedule();
      if (
        c.queue.length === 0 &&
        c.started < limits.perConnection &&
        startedThisTurn < limits.perTurn
      ) {
        c.started++;
        startedThisTurn++;
        run(start);
        return;
      }
      c.queue.push(start);
      waiting++;
      if (!c.inRing) {
        c.inRing = true;
        ring.push(c);
      }
    },
    get waiting() {
      return waiting;
    },
  };
}
