import { ConnectError } from "@connectrpc/connect";

/**
 * The two ways a handler waits — for time to pass, for the caller's next
 * message — both bounded by the call: when its signal aborts (the deadline
 * passed, the caller cancelled or went away, the server reset the stream)
 * the wait ends at once with the signal's reason as a ConnectError, so the
 * handler ends with the call's own code instead of waiting on.
 */

/**
 * Waits at least `ms` by `performance.now()`, or less when `signal` aborts
 * (then rejects with its reason). Node's timers count whole milliseconds of
 * the event loop's cached clock and may fire almost a millisecond early, so
 * a timer that fires before its time is followed by another for the rest.
 */
export function sleep(ms: number, signal: AbortSignal): Promise<void> {
  if (ms <= 0) return Promise.resolve();
  return new Promise((resolve, reject) => {
    if (signal.aborted) {
      reject(ConnectError.from(signal.reason));
      return;
    }
    const until = performance.now() + ms;
    let timer: NodeJS.Timeout;
    const wake = () => {
      const left = until - performance.now();
      if (left > 0) {
        timer = setTimeout(wake, Math.ceil(left));
        return;
      }
      signal.removeEventListener("abort", onAbort);
      resolve();
    };
    timer = setTimeout(wake, ms);
    const onAbort = () => {
      clearTimeout(timer);
      reject(ConnectError.from(signal.reason));
    };
    signal.addEventListener("abort", onAbort, { once: true });
  });
}

/**
 * The caller's request messages as they arrive, until its side of the
 * stream ends, or until `signal` aborts: then the pending read is abandoned
 * and this throws the signal's reason as a ConnectError. Connect-ES does not
 * end a request stream when the call's deadline passes, so a handler that
 * iterated `requests` directly would wait for a message that never comes.
 */
export async function* untilAborted<T>(
  requests: AsyncIterable<T>,
  signal: AbortSignal,
): AsyncGenerator<T> {
  const it = requests[Symbol.asyncIterator]();
  let onAbort: (() => void) | undefined;
  const aborted = new Promise<never>((_, reject) => {
    onAbort = () => reject(ConnectError.from(signal.reason));
    if (signal.aborted) onAbort();
    else signal.addEventListener("abort", onAbort, { once: true });
  });
  aborted.catch(() => {}); // read only when a wait loses the race
  let finished = false;
  try {
    for (;;) {
      const next = await Promise.race([it.next(), aborted]);
      if (next.done) {
        finished = true;
        return;
      }
      yield next.value;
    }
  } finally {
    if (onAbort) signal.removeEventListener("abort", onAbort);
    // Abandoned (aborted, or the handler stopped early): let the request
    // stream go without waiting for a read that may never finish.
    if (!finished) void it.return?.().catch(() => {});
  }
}
