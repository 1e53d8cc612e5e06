import { Writable } from "node:stream";

/** One JSON log line of the server (see server/logging.ts). */
export type LogLine = Readonly<Record<string, unknown>>;

/** A server's JSON log, kept in memory so a test can read what the handler saw. */
export interface CapturedLog {
  /** Pass to `startTestServer` as its log destination. */
  readonly stream: Writable;
  /** Every line so far, in order. */
  readonly lines: readonly LogLine[];
  /**
   * Resolves with the first line (already written or still to come) for
   * which `match` holds; rejects after `timeoutMs` naming `what`.
   */
  waitFor(what: string, match: (line: LogLine) => boolean, timeoutMs?: number): Promise<LogLine>;
}

/** A {@link CapturedLog}: lines are parsed as they are written (pino writes one per call). */
export function captureLog(): CapturedLog {
  const lines: LogLine[] = [];
  const waiters = new Set<() => void>();
  let partial = "";
  const stream = new Writable({
    write(chunk: Buffer, _encoding, done) {
      partial += chunk.toString();
      let nl = partial.indexOf("\n");
      while (nl >= 0) {
        const text = partial.slice(0, nl).trim();
        partial = partial.slice(nl + 1);
        if (text.startsWith("{")) lines.push(JSON.parse(text) as LogLine);
        nl = partial.indexOf("\n");
      }
      for (const wake of waiters) wake();
      done();
    },
  });
  return {
    stream,
    lines,
    waitFor(what, match, timeoutMs = 5_000) {
      return new Promise((resolve, reject) => {
        const check = () => {
          const line = lines.find(match);
          if (!line) return;
          clearTimeout(timer);
          waiters.delete(check);
          resolve(line);
        };
        const timer = setTimeout(() => {
          waiters.delete(check);
          reject(new Error(`no server log line for ${what} within ${timeoutMs} ms`));
        }, timeoutMs);
        waiters.add(check);
        check();
      });
    },
  };
}
