import { write, writeSync } from "node:fs";

/**
 * Writes log lines to a file descriptor in batches, through a buffer it
 * reuses: a line is copied into the buffer as it comes (no string building,
 * no Buffer per line), and the buffer goes out in one write when it holds
 * 32 KiB, every 100 ms when it holds anything, and on `flushSync`. While one
 * write is in flight, lines go into a second buffer. A line that does not
 * fit a buffer is written on its own.
 *
 * Lines are written whole, so they interleave cleanly with other writers
 * of the same descriptor (pino's destination, say).
 */
export interface LineWriter {
  /** Queues `line`, which must end with "\n". */
  write(line: string): void;
  /** Writes out everything queued, now, synchronously (before the process exits). */
  flushSync(): void;
}

const capacity = 64 * 1024;
const flushAt = 32 * 1024;

export function createLineWriter(fd: number): LineWriter {
  let current = Buffer.allocUnsafe(capacity);
  let spare = Buffer.allocUnsafe(capacity);
  let used = 0;
  let writing = false;

  const flush = () => {
    if (writing || used === 0) return;
    const out = current;
    const length = used;
    current = spare;
    used = 0;
    writing = true;
    write(fd, out, 0, length, null, () => {
      spare = out;
      writing = false;
      if (used >= flushAt) flush();
    });
  };
  setInterval(flush, 100).unref();

  return {
    write(line) {
      if (line.length * 3 > capacity) {
        writeSync(fd, line);
        return;
      }
      if (used + line.length * 3 > capacity) {
        if (writing) {
          // Both buffers are taken: the disk is slow. Write this one through.
          writeSync(fd, line);
          return;
        }
        flush();
      }
      used += current.write(line, used, "utf8");
      if (used >= flushAt) flush();
    },
    flushSync() {
      if (used > 0) {
        writeSync(fd, current, 0, used);
        used = 0;
      }
    },
  };
}
