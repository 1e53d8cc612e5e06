// What is done with a finding once the run is over: its input is shrunk
// with fast-check's shrinker, every candidate replayed alone against a live
// server (it is smaller if it still gives the same kind and signature), and
// the smallest input is then sent to every route to show which it kills.
import fc from "fast-check";
import type { RoutePick } from "./calls.js";
import type { Finding, SweepResult } from "./findings.js";
import { caseLabel, drawParameters, type FuzzCase, withRoute } from "./fuzz-case.js";
import type { Lab } from "./lab.js";
import type { ServerSurface } from "./routes.js";

/**
 * Shrinks `f`'s input for at most `budgetMs`: fast-check redraws the case
 * from its seed and shrinks it, each candidate judged by `lab.probe`. Sets
 * `f.minimal` and `f.shrinkSteps`; when the budget runs out the smallest so
 * far is kept.
 */
export async function shrinkFinding(
  f: Finding,
  arbitrary: fc.Arbitrary<FuzzCase>,
  lab: Lab,
  budgetMs: number,
): Promise<void> {
  if (f.caseSeed === undefined) return;
  const until = performance.now() + budgetMs;
  const result = await fc.check(
    fc.asyncProperty(arbitrary, async (c) => {
      if (performance.now() > until) return true;
      const r = await lab.probe(c);
      return !(r.kind === f.kind && r.signature === f.signature);
    }),
    { ...drawParameters, seed: f.caseSeed, numRuns: 1 },
  );
  const smallest = result.counterexample?.[0];
  if (result.failed && smallest) {
    f.minimal = smallest;
    f.shrinkSteps = result.numShrinks;
  }
}

/**
 * `f`'s minimal input with its first request moved to each route in turn
 * (every RPC, the page, an unknown path), for at most `budgetMs` (routes
 * left when it runs out are not tried).
 */
export async function sweepRoutes(
  f: Finding,
  surface: ServerSurface,
  lab: Lab,
  budgetMs: number,
): Promise<SweepResult[]> {
  if (!f.minimal) return [];
  const until = performance.now() + budgetMs;
  const picks: RoutePick[] = [
    ...surface.rpcs.map((_, index) => ({ kind: "rpc" as const, index })),
    { kind: "static", index: 0 },
    { kind: "unknown", index: 0 },
  ];
  const out: SweepResult[] = [];
  for (const pick of picks) {
    if (performance.now() > until) break;
    const moved = withRoute(f.minimal, pick, surface);
    const r = await lab.probe(moved);
    out.push({
      label: caseLabel(moved, surface),
      kind: r.kind,
      same: r.kind === f.kind && r.signature === f.signature,
    });
  }
  return out;
}
