// Findings: what the oracle found, one per kind and signature however
// often it was seen, with the cases it was traced to and, once shrunk, the
// smallest input that still does it.
import { caseLabel, type FuzzCase } from "./fuzz-case.js";
import type { Verdict, VerdictKind } from "./oracle.js";
import type { ServerSurface } from "./routes.js";

/** One route of a sweep and what the finding's input did there. */
export interface SweepResult {
  readonly label: string;
  readonly kind: VerdictKind;
  /** The same signature as the finding (not just the same kind). */
  readonly same: boolean;
}

/** A distinct failure (or complaint): one kind and signature, however often it was seen. */
export interface Finding {
  readonly kind: Exclude<VerdictKind, "survived">;
  readonly signature: string;
  /** The first occurrence's stderr, bystander reason or memory. */
  readonly detail: string;
  /** Rounds (or replays) in which the oracle saw it. */
  occurrences: number;
  /** The routes of the cases it was traced to. */
  readonly routes: Map<string, number>;
  /** The first case it was traced to, and its seed; undefined when no single case reproduced it. */
  caseSeed: number | undefined;
  original: FuzzCase | undefined;
  /** The shrunk input (the original when shrinking was skipped or found nothing smaller). */
  minimal: FuzzCase | undefined;
  shrinkSteps: number;
  /** Case seeds of the first round it was seen in and not traced to one case. */
  untraced: readonly number[] | undefined;
  sweep: readonly SweepResult[];
}

/** The findings of a run. */
export interface Findings {
  /** The finding for a verdict's kind and signature, new or known, with one more occurrence counted. */
  seen(v: Verdict): Finding;
  /** Records that case `seed` (`c`) reproduces `f` alone; the first such case becomes its input. */
  traced(f: Finding, seed: number, c: FuzzCase): void;
  /** How many cases `f` has been traced to. */
  tracedCount(f: Finding): number;
  size(): number;
  all(): Finding[];
}

/** An empty set of findings; `log` hears of each new one. */
export function createFindings(surface: ServerSurface, log: (line: string) => void): Findings {
  const byKey = new Map<string, Finding>();
  return {
    seen(v) {
      const key = `${v.kind}\u0000${v.signature}`;
      const known = byKey.get(key);
      if (known) {
        known.occurrences++;
        return known;
      }
      const finding: Finding = {
        kind: v.kind as Finding["kind"],
        signature: v.signature,
        detail: v.detail,
        occurrences: 1,
        routes: new Map(),
        caseSeed: undefined,
        original: undefined,
        minimal: undefined,
        shrinkSteps: 0,
        untraced: undefined,
        sweep: [],
      };
      byKey.set(key, finding);
      log(`new finding: ${v.kind}: ${v.signature}`);
      return finding;
    },
    traced(f, seed, c) {
      const label = caseLabel(c, surface);
      f.routes.set(label, (f.routes.get(label) ?? 0) + 1);
      if (f.caseSeed === undefined) {
        f.caseSeed = seed;
        f.original = c;
        f.minimal = c;
      }
    },
    tracedCount: (f) => [...f.routes.values()].reduce((a, b) => a + b, 0),
    size: () => byKey.size,
    all: () => [...byKey.values()],
  };
}
