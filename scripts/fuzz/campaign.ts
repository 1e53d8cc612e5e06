// A fuzz campaign: rounds of generated cases against the server under
// fuzz (kept alive by the lab), the survival oracle after each round, and
// what happens when it fails — the server is replaced, the round's cases
// are replayed one by one to find the one that did it, and at the end each
// distinct failure's input is shrunk and swept across every route.
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { bystanderRequestId } from "./bystander.js";
import type { Timing } from "./connection.js";
import { type Coverage, countAnswer, countLoggedCalls, createCoverage } from "./coverage.js";
import { createFindings, type Finding, type Findings } from "./findings.js";
import { caseArbitrary, caseOfSeed, caseSeed, type Protocol, sendCase } from "./fuzz-case.js";
import { createLab, isFailure, type Lab } from "./lab.js";
import { shrinkFinding, sweepRoutes } from "./minimize.js";
import type { Verdict } from "./oracle.js";
import type { ServerSurface } from "./routes.js";
import { builtServer, type TargetSpec } from "./target.js";

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

/** What the parts of a run share. */
interface Run {
  readonly o: CampaignOptions;
  readonly lab: Lab;
  readonly findings: Findings;
  readonly coverage: Coverage;
  readonly arbitrary: ReturnType<typeof caseArbitrary>;
  readonly timing: Timing;
  readonly log: (line: string) => void;
}

/**
 * Replays a failed round's cases alone, in order, until one reproduces `v`
 * (at most `attributeLimit` cases per finding are traced; past that a
 * repeat is only counted). Other failures met on the way become findings
 * of their own.
 */
async function attribute(run: Run, v: Verdict, suspects: readonly number[]): Promise<void> {
  const { findings, lab } = run;
  const finding = findings.seen(v);
  if (v.kind === "bloated" || findings.tracedCount(finding) >= (run.o.attributeLimit ?? 5)) return;
  for (const seed of suspects) {
    const c = caseOfSeed(run.arbitrary, seed);
    const r = await lab.probe(c);
    if (r.kind === v.kind && r.signature === v.signature) {
      findings.traced(finding, seed, c);
      return;
    }
    if (r.kind !== "survived") findings.traced(findings.seen(r), seed, c);
  }
  finding.untraced ??= suspects;
}

/** How the rounds went. */
interface Rounds {
  readonly cases: number;
  readonly ms: number;
  /** Cases in, and time spent on, the rounds the server survived. */
  readonly survivedCases: number;
  readonly survivedMs: number;
}

/**
 * Generates and sends rounds of cases until the time, the case count or
 * the finding count is reached, with the oracle after each round; a round
 * starts small and doubles while the server survives (up to `roundSize`),
 * and halves after a failure, so that finding the culprit stays cheap.
 */
async function fuzzRounds(run: Run): Promise<Rounds> {
  const { o, lab, findings } = run;
  const t0 = performance.now();
  const deadline = t0 + o.seconds * 1_000;
  const maxRound = o.roundSize ?? 64;
  const maxCases = o.maxCases ?? Number.POSITIVE_INFINITY;
  const stopAfter = o.stopAfterFindings ?? Number.POSITIVE_INFINITY;
  let cases = 0;
  let survivedCases = 0;
  let survivedMs = 0;
  let roundSize = Math.min(16, maxRound);
  let previous: number[] = [];
  let lastLog = t0;
  while (performance.now() < deadline && cases < maxCases && findings.size() < stopAfter) {
    const t = await lab.live();
    const from = t.stderr().length;
    const roundStart = performance.now();
    const n = Math.min(roundSize, maxCases - cases);
    const seeds = Array.from({ length: n }, (_, k) => caseSeed(o.seed, cases + k));
    cases += n;
    await pool(seeds, o.concurrency ?? 16, async (seed) => {
      const c = caseOfSeed(run.arbitrary, seed);
      countAnswer(run.coverage, c, await sendCase(c, o.surface, t.port, run.timing));
    });
    const v = await lab.check(t, from);
    if (v.kind === "survived") {
      survivedCases += n;
      survivedMs += performance.now() - roundStart;
      previous = seeds;
      roundSize = Math.min(maxRound, roundSize * 2);
    } else {
      if (isFailure(v.kind)) await lab.restart();
      // A crash may come a little after the case that caused it: the round before is a suspect too.
      await attribute(run, v, [...seeds, ...previous]);
      previous = [];
      roundSize = Math.max(4, Math.floor(roundSize / 2));
    }
    const now = performance.now();
    if (now - lastLog > 5_000) {
      lastLog = now;
      const rate = Math.round(cases / ((now - t0) / 1000));
      run.log(
        `${((now - t0) / 1000).toFixed(1)} s: ${cases} cases (${rate}/s), ${findings.size()} findings, ${lab.restarts()} restarts`,
      );
    }
  }
  return { cases, ms: performance.now() - t0, survivedCases, survivedMs };
}

/** Runs only the case `seed`; a failure becomes a finding traced to it. */
async function replayOne(run: Run, seed: number): Promise<Rounds> {
  const t0 = performance.now();
  const c = caseOfSeed(run.arbitrary, seed);
  const v = await run.lab.probe(c);
  if (v.kind !== "survived") run.findings.traced(run.findings.seen(v), seed, c);
  return { cases: 1, ms: performance.now() - t0, survivedCases: 0, survivedMs: 0 };
}

/** Shrinks and sweeps every failure (complaints keep the input they were traced to). */
async function minimizeAll(run: Run): Promise<void> {
  const budgetMs = (run.o.shrinkSeconds ?? 20) * 1_000;
  for (const f of run.findings.all().filter((f) => f.kind !== "complained")) {
    if (budgetMs > 0) {
      await shrinkFinding(f, run.arbitrary, run.lab, budgetMs);
      run.log(`shrunk ${f.kind} (${f.signature.slice(0, 60)}…) in ${f.shrinkSteps} steps`);
    }
    if (run.o.sweepRoutes ?? true) f.sweep = await sweepRoutes(f, run.o.surface, run.lab, budgetMs);
  }
}

/**
 * Runs a campaign and resolves with its report. It throws only when the
 * server cannot be started; every server it started is gone when it settles.
 */
export async function runCampaign(o: CampaignOptions): Promise<CampaignReport> {
  const timing = o.timing ?? { quietMs: 20, maxMs: 120 };
  const log = o.log ?? (() => {});
  const lab = createLab({
    log,
    spec: o.target ?? builtServer,
    dir: o.dir ?? mkdtempSync(join(tmpdir(), "survival-")),
    surface: o.surface,
    timing,
    oracle: {
      bystanderTimeoutMs: o.bystanderTimeoutMs ?? 2_000,
      maxRssMiB: o.maxRssMiB ?? 768,
      maxOpenFds: o.maxOpenFds ?? 2_048,
    },
  });
  const run: Run = {
    o,
    lab,
    findings: createFindings(o.surface, log),
    coverage: createCoverage(),
    arbitrary: caseArbitrary(o.protocols),
    timing,
    log,
  };
  let rounds: Rounds;
  let shrinkMs: number;
  try {
    await lab.live();
    rounds = o.replay === undefined ? await fuzzRounds(run) : await replayOne(run, o.replay);
    const s0 = performance.now();
    await minimizeAll(run);
    shrinkMs = performance.now() - s0;
  } finally {
    await lab.close();
  }
  for (const file of lab.logFiles()) countLoggedCalls(run.coverage, file, bystanderRequestId);
  return {
    seed: o.seed,
    protocols: o.protocols,
    cases: rounds.cases,
    fuzzMs: rounds.ms,
    casesPerSecond: rounds.ms > 0 ? rounds.cases / (rounds.ms / 1000) : 0,
    survivedRoundsCasesPerSecond:
      rounds.survivedMs > 0 ? rounds.survivedCases / (rounds.survivedMs / 1000) : 0,
    shrinkMs,
    restarts: lab.restarts(),
    findings: run.findings.all(),
    coverage: run.coverage,
  };
}
