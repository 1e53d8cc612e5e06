// CPU time from /proc, to tell how busy each CPU was during a measurement
// and how much of CPU 0 went to something other than the server under load
// (other work on the machine skews the numbers; the report says how much).
import { readFileSync } from "node:fs";

/** Busy and total clock ticks of one CPU since boot (/proc/stat `cpuN`). */
export interface CpuTicks {
  readonly busy: number;
  readonly total: number;
}

export function cpuTicks(cpu: number): CpuTicks {
  const line = readFileSync("/proc/stat", "utf8")
    .split("\n")
    .find((l) => l.startsWith(`cpu${cpu} `));
  if (!line) throw new Error(`no cpu${cpu} in /proc/stat`);
  // user nice system idle iowait irq softirq steal guest guest_nice
  const f = line.trim().split(/\s+/).slice(1).map(Number);
  const total =
    (f[0] ?? 0) +
    (f[1] ?? 0) +
    (f[2] ?? 0) +
    (f[3] ?? 0) +
    (f[4] ?? 0) +
    (f[5] ?? 0) +
    (f[6] ?? 0) +
    (f[7] ?? 0);
  const idle = (f[3] ?? 0) + (f[4] ?? 0);
  return { busy: total - idle, total };
}

/** User + system clock ticks a process has used (/proc/<pid>/stat). */
export function processTicks(pid: number): number {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    // Fields after the command name, which is in parentheses and may hold spaces.
    const f = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
    return Number(f[11]) + Number(f[12]);
  } catch {
    return 0;
  }
}

/** What a measurement window cost, as shares of one CPU's time (0–1). */
export interface CpuShare {
  /** CPU 0 busy. */
  readonly cpu0Busy: number;
  /** CPU 0 busy with something other than the server under load. */
  readonly cpu0Foreign: number;
  /** The server under load, of one CPU. */
  readonly server: number;
  /** CPU 1 busy (h2load and anything else there). */
  readonly cpu1Busy: number;
}

/** Starts a window; the returned function ends it. */
export function cpuWindow(serverPid: number): () => CpuShare {
  const c0 = cpuTicks(0);
  const c1 = cpuTicks(1);
  const p = processTicks(serverPid);
  return () => {
    const c0b = cpuTicks(0);
    const c1b = cpuTicks(1);
    const pb = processTicks(serverPid);
    const total0 = Math.max(1, c0b.total - c0.total);
    const busy0 = c0b.busy - c0.busy;
    const server = pb - p;
    return {
      cpu0Busy: busy0 / total0,
      cpu0Foreign: Math.max(0, busy0 - server) / total0,
      server: server / total0,
      cpu1Busy: (c1b.busy - c1.busy) / Math.max(1, c1b.total - c1.total),
    };
  };
}

/** Waits for quiet CPUs before each run, within a budget for the whole benchmark. */
export interface QuietWaiter {
  /**
   * Waits until CPUs 0 and 1 were under 25% busy for 200 ms — nothing of
   * ours runs then, so that is other work on the machine — for up to
   * `maxSeconds`, and no longer once all waits together reached
   * `budgetSeconds`. Resolves with how long it waited, in ms.
   */
  wait(): Promise<number>;
  /** All the waiting so far beyond the 200 ms every wait takes, in ms. */
  spentMs(): number;
}

export function createQuietWaiter(maxSeconds: number, budgetSeconds: number): QuietWaiter {
  let spentMs = 0;
  const busyShare = (a: CpuTicks, b: CpuTicks) =>
    (b.busy - a.busy) / Math.max(1, b.total - a.total);
  return {
    spentMs: () => spentMs,
    wait: async () => {
      const t0 = Date.now();
      for (;;) {
        const a0 = cpuTicks(0);
        const a1 = cpuTicks(1);
        await new Promise((r) => setTimeout(r, 200));
        const busy0 = busyShare(a0, cpuTicks(0));
        const busy1 = busyShare(a1, cpuTicks(1));
        const waited = Date.now() - t0;
        if (
          (busy0 < 0.25 && busy1 < 0.25) ||
          waited >= maxSeconds * 1000 ||
          spentMs + waited >= budgetSeconds * 1000
        ) {
          spentMs += Math.max(0, waited - 200);
          return waited;
        }
      }
    },
  };
}
