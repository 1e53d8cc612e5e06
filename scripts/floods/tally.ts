// Counts of what an attacker saw, by name: `GOAWAY(ENHANCE_YOUR_CALM)`,
// `RST_STREAM(REFUSED_STREAM)`, `closed by server`, `connect ECONNREFUSED`, …

/** Named counters. */
export interface Tally {
  add(name: string, n?: number): void;
  get(name: string): number;
  /** Every counter, largest first. */
  entries(): [string, number][];
  /** `name n, name n, …`, largest first, frames with a code before plain counts. */
  format(): string;
}

/** A tally with every counter at 0. */
export function createTally(): Tally {
  const counts = new Map<string, number>();
  const entries = () => [...counts].sort((a, b) => b[1] - a[1]);
  return {
    add(name, n = 1) {
      counts.set(name, (counts.get(name) ?? 0) + n);
    },
    get: (name) => counts.get(name) ?? 0,
    entries,
    format: () =>
      entries()
        .map(([k, n]) => `${k} ${n.toLocaleString("en-US")}`)
        .join(", ") || "nothing",
  };
}
