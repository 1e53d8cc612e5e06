// A fuzz campaign: rounds of generated cases against the server under
// fuzz, the survival oracle after each round, and what happens when it
// fails — the server is restarted, the round's cases are replayed one by
// one to find the one that did it, and at the end each distinct finding's
// input is shrunk (fast-check's shrinker, replaying every candidate against
// a live server) and swept across every route to show which paths it kills.
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import fc from "fast-check";
import { bystanderRequestId } from "./bystander.js";
import type { RoutePick } from "./calls.js";
import type { Timing } from "./connection.js";
import { type Coverage, countAnswer, countLoggedCalls, createCoverage } from "./coverage.js";
import {
  caseArbitrary,
  caseLabel,
  caseOfSeed,
  caseSeed,
  drawParameters,
  type FuzzCase,
  type Protocol,
  sendCase,
  withRoute,
} from "./fuzz-case.js";
import { checkSurvival, type OracleOptions, type Verdict, type VerdictKind } from "./oracle.js";
import type { ServerSurface } from "./routes.js";
import { builtServer, startTarget, type Target, type TargetSpec } from "./target.js";

/** What a campaign runs, and its bounds. */
export interface CampaignOptions {
  /** Seeds every case (case i's own seed is `caseSeed(seed, i)`). */
  readonly seed: number;
  /** How long to generate and send cases (replays included; shrinking comes after). */
  readonly seconds: number;
  /** Stop after this many cases, if that comes first. */
  readonly maxCases?: number;
  readonly protocols: readonly Protocol[];
  readonly surface: ServerSurface;
  /** Default: the built server, as `npm start` runs it. */
  readonly target?: TargetSpec;
  /** Connections in flight at once; default 16. */
  readonly concurrency?: number;
  /** Most cases in a round between two oracle checks; default 64 (fewer after a failure). */
  readonly roundSize?: number;
  /** Default 20 ms quiet, 120 ms at most. */
  readonly timing?: Timing;
  /** Default 2000 ms. */
  readonly bystanderTimeoutMs?: number;
  /** Default 768 MiB. */
  readonly maxRssMiB?: number;
  /** Default 2048. */
  readonly maxOpenFds?: number;
  /** Shrinking time per finding; 0 skips shrinking. Default 20 s. */
  readonly shrinkSeconds?: number;
  /** Sweep each finding's input across every route; default true. */
  readonly sweepRoutes?: boolean;
  /** Replay rounds to find the culprit for at most this many occurrences of one finding; default 5. */
  readonly attributeLimit?: number;
  /**
   * Instead of generating: run only the case with this seed (a finding's
   * `caseSeed`), then shrink and sweep it as a finding if it fails.
   */
  readonly replay?: number;
  /** Stop generating once this many distinct findings (complaints included) are known. */
  readonly stopAfterFindings?: number;
  /** Folder for the server logs; default a new temporary one. */
  readonly dir?: string;
  /** Progress lines; default none. */
  readonly log?: (line: string) => void;
}

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
  /** Rounds in which the oracle saw it. */
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

/** What a campaign did and found. */
export interface CampaignReport {
  readonly seed: number;
  readonly protocols: readonly Protocol[];
  /** Generated cases sent (replays not counted). */
  readonly cases: number;
  /** Time spent generating, sending and checking, replays included. */
  readonly fuzzMs: number;
  readonly casesPerSecond: number;
  /**
   * The rate in rounds the server survived (cases over the time from the
   * round's first case to the oracle's verdict): what a run of a server
   * that never dies gets, without restarts and replays.
   */
  readonly survivedRoundsCasesPerSecond: number;
  /** Shrinking and sweeping time. */
  readonly shrinkMs: number;
  /** Times the server was replaced after a death, a wedge or bloat (replays and shrinking included). */
  readonly restarts: number;
  readonly findings: readonly Finding[];
  readonly coverage: Coverage;
}

/** The findings that fail a run: deaths, wedges and bloat (stderr complaints do not). */
export function failures(report: CampaignReport): Finding[] {
  return report.findings.filter((f) => f.kind !== "complained");
}

/** Runs `fn` over `items` with at most `n` at once. */
async function pool<T>(
  items: readonly T[],
  n: number,
  fn: (item: T) => Promise<void>,
): Promise<void> {
  let next = 0;
  const worker = async () => {
    while (next < items.length) await fn(items[next++] as T);
  };
  await Promise.all(Array.from({ length: Math.min(n, items.length) }, worker));
}

const fatal = (k: VerdictKind) => k === "died" || k === "wedged" || k === "bloated";

/** Runs a campaign; resolves with its report (it throws only when the server cannot be started). */
export async function runCampaign(o: CampaignOptions): Promise<CampaignReport> {
  const dir = o.dir ?? mkdtempSync(join(tmpdir(), "survival-"));
  const spec = o.target ?? builtServer;
  const arbitrary = caseArbitrary(o.protocols);
  const timing = o.timing ?? { quietMs: 20, maxMs: 120 };
  const oracle: OracleOptions = {
    bystanderTimeoutMs: o.bystanderTimeoutMs ?? 2_000,
    maxRssMiB: o.maxRssMiB ?? 768,
    maxOpenFds: o.maxOpenFds ?? 2_048,
  };
  const concurrency = o.concurrency ?? 16;
  const maxRound = o.roundSize ?? 64;
  const attributeLimit = o.attributeLimit ?? 5;
  const log = o.log ?? (() => {});
  const coverage = createCoverage();
  const findings = new Map<string, Finding>();
  const logFiles: string[] = [];
  let target: Target | undefined;
  let launched = 0;
  let restarts = -1;

  // A spare server waits, started in advance, so that a death costs no
  // start-up time: the replays and the shrinking kill the server often.
  let spare: Promise<Target> | undefined;
  const launch = (): Promise<Target> => {
    launched++;
    const t = startTarget(spec, dir, `server-${launched}.log`);
    void t.then((started) => logFiles.push(started.logFile)).catch(() => {});
    return t;
  };
  const start = async (): Promise<Target> => {
    const t = await (spare ?? launch());
    restarts++;
    spare = launch();
    target = t;
    return t;
  };
  const live = async (): Promise<Target> =>
    target && target.exitStatus() === undefined ? target : start();
  const restart = async (): Promise<Target> => {
    await target?.kill();
    return start();
  };

  /** One case alone on a live server, then the oracle; restarts the server after a failure. */
  const probe = async (c: FuzzCase): Promise<Verdict> => {
    const t = await live();
    const from = t.stderr().length;
    await sendCase(c, o.surface, t.port, timing);
    const v = await checkSurvival(t, from, oracle);
    if (fatal(v.kind)) await restart();
    return v;
  };

  /** The finding for a verdict's kind and signature, new or known; counts one more occurrence. */
  const seen = (v: Verdict): Finding => {
    const key = `${v.kind}\u0000${v.signature}`;
    const known = findings.get(key);
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
    findings.set(key, finding);
    log(`new finding: ${v.kind}: ${v.signature}`);
    return finding;
  };

  const traced = (f: Finding, seed: number, c: FuzzCase) => {
    const label = caseLabel(c, o.surface);
    f.routes.set(label, (f.routes.get(label) ?? 0) + 1);
    if (f.caseSeed === undefined) {
      f.caseSeed = seed;
      f.original = c;
    }
  };

  /** Replays a failed round's cases alone, in order, until one reproduces `v`. */
  const attribute = async (v: Verdict, suspects: readonly number[]): Promise<void> => {
    const finding = seen(v);
    const tracedSoFar = [...finding.routes.values()].reduce((a, b) => a + b, 0);
    if (v.kind === "bloated" || tracedSoFar >= attributeLimit) return;
    for (const seed of suspects) {
      const c = caseOfSeed(arbitrary, seed);
      const r = await probe(c);
      if (r.kind === v.kind && r.signature === v.signature) {
        traced(finding, seed, c);
        return;
      }
      if (r.kind !== "survived") {
        // Another failure, traced on the way: a finding of its own.
        traced(seen(r), seed, c);
      }
    }
    finding.untraced ??= suspects;
  };

  const t0 = performance.now();
  const deadline = t0 + o.seconds * 1_000;
  const maxCases = o.maxCases ?? Number.POSITIVE_INFINITY;
  let cases = 0;
  let survivedCases = 0;
  let survivedMs = 0;
  let roundSize = Math.min(16, maxRound);
  let previous: number[] = [];
  let lastLog = t0;
  await start();
  if (o.replay !== undefined) {
    const c = caseOfSeed(arbitrary, o.replay);
    cases = 1;
    const v = await probe(c);
    if (v.kind !== "survived") traced(seen(v), o.replay, c);
  }
  while (
    o.replay === undefined &&
    performance.now() < deadline &&
    cases < maxCases &&
    findings.size < (o.stopAfterFindings ?? Number.POSITIVE_INFINITY)
  ) {
    const t = await live();
    const from = t.stderr().length;
    const roundStart = performance.now();
    const n = Math.min(roundSize, maxCases - cases);
    const seeds = Array.from({ length: n }, (_, k) => caseSeed(o.seed, cases + k));
    cases += n;
    await pool(seeds, concurrency, async (seed) => {
      const c = caseOfSeed(arbitrary, seed);
      const e = await sendCase(c, o.surface, t.port, timing);
      countAnswer(coverage, c, e);
    });
    const v = await checkSurvival(t, from, oracle);
    if (v.kind === "survived") {
      survivedCases += n;
      survivedMs += performance.now() - roundStart;
      previous = seeds;
      roundSize = Math.min(maxRound, roundSize * 2);
    } else {
      if (fatal(v.kind)) await restart();
      await attribute(v, [...seeds, ...previous]);
      previous = [];
      roundSize = Math.max(4, Math.floor(roundSize / 2));
    }
    const now = performance.now();
    if (now - lastLog > 5_000) {
      lastLog = now;
      log(
        `${((now - t0) / 1000).toFixed(1)} s: ${cases} cases (${Math.round(cases / ((now - t0) / 1000))}/s), ${findings.size} findings, ${restarts} restarts`,
      );
    }
  }
  const fuzzMs = performance.now() - t0;

  const s0 = performance.now();
  for (const f of findings.values()) {
    // Complaints keep the input they were traced to: shrinking is for failures.
    if (f.original === undefined || f.caseSeed === undefined) continue;
    f.minimal = f.original;
    if (f.kind === "complained") continue;
    if ((o.shrinkSeconds ?? 20) > 0) await shrink(f, f.caseSeed, (o.shrinkSeconds ?? 20) * 1_000);
    if (o.sweepRoutes ?? true) f.sweep = await sweep(f.minimal, f, (o.shrinkSeconds ?? 20) * 1_000);
  }
  const shrinkMs = performance.now() - s0;

  async function shrink(f: Finding, seed: number, budgetMs: number): Promise<void> {
    const until = performance.now() + budgetMs;
    const result = await fc.check(
      fc.asyncProperty(arbitrary, async (c) => {
        if (performance.now() > until) return true;
        const r = await probe(c);
        return !(r.kind === f.kind && r.signature === f.signature);
      }),
      { ...drawParameters, seed, numRuns: 1 },
    );
    const smallest = result.counterexample?.[0];
    if (result.failed && smallest) {
      f.minimal = smallest;
      f.shrinkSteps = result.numShrinks;
    }
    log(`shrunk ${f.kind} (${f.signature.slice(0, 60)}…) in ${result.numShrinks} steps`);
  }

  /** The finding's input on each route in turn, for at most `budgetMs` (the rest are left out). */
  async function sweep(c: FuzzCase, f: Finding, budgetMs: number): Promise<SweepResult[]> {
    const until = performance.now() + budgetMs;
    const picks: RoutePick[] = [
      ...o.surface.rpcs.map((_, index) => ({ kind: "rpc" as const, index })),
      { kind: "static", index: 0 },
      { kind: "unknown", index: 0 },
    ];
    const out: SweepResult[] = [];
    for (const pick of picks) {
      if (performance.now() > until) break;
      const moved = withRoute(c, pick, o.surface);
      const r = await probe(moved);
      out.push({
        label: caseLabel(moved, o.surface),
        kind: r.kind,
        same: r.kind === f.kind && r.signature === f.signature,
      });
    }
    return out;
  }

  await target?.kill();
  await (await spare)?.kill();
  for (const file of logFiles) countLoggedCalls(coverage, file, bystanderRequestId);
  return {
    seed: o.seed,
    protocols: o.protocols,
    cases,
    fuzzMs,
    casesPerSecond: cases / (fuzzMs / 1000),
    survivedRoundsCasesPerSecond: survivedMs > 0 ? survivedCases / (survivedMs / 1000) : 0,
    shrinkMs,
    restarts,
    findings: [...findings.values()],
    coverage,
  };
}
