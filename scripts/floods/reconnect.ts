// An attacker that comes back: opens a connection from one address, runs
// `attack` on it until the server ends it (GOAWAY, a close), and opens the
// next, until the deadline. Connections the server closes at once (a
// penalty box, a rate limit) are counted by openRawH2 and retried after a
// short pause, as a flooding client would.
import { sleepUntil } from "./flood.js";
import { openRawH2, type RawH2, type RawH2Options } from "./raw-h2.js";

/** Options of {@link reconnecting}. */
export interface ReconnectOptions extends RawH2Options {
  /** `performance.now()` at which to stop. */
  readonly deadline: number;
  /** Pause after a connection that ended, before the next; default 5 ms. */
  readonly pauseMs?: number;
}

/**
 * Runs `attack(conn)` on connection after connection from `o.localAddress`
 * until `o.deadline`. `attack` should return when the connection has closed
 * or been sent GOAWAY, or the deadline has passed; the connection is
 * destroyed after it returns.
 */
export async function reconnecting(
  url: string,
  o: ReconnectOptions,
  attack: (conn: RawH2) => Promise<void>,
): Promise<void> {
  while (performance.now() < o.deadline) {
    const conn = await openRawH2(url, o);
    if (!conn.closed) await attack(conn);
    conn.destroy();
    await sleepUntil(o.deadline, o.pauseMs ?? 5);
  }
}
