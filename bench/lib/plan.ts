// What a benchmark run will do: its settings (flags, else environment
// variables, else defaults), which servers on which rows for how many
// rounds, the CPUs and the load shape.
import { join } from "node:path";
import { parseArgs } from "node:util";
import type { LoadShape } from "../../scripts/kit/h2load.js";
import { repoRoot } from "../../scripts/kit/server-process.js";
import { type ServerSpec, serverSpecs } from "./servers.js";
import { rows as allRows, type Row } from "./wire.js";

/** The run's settings; `latest.json` records them (all but `out`). */
export interface Settings {
  /** Measured rounds, interleaved. */
  readonly rounds: number;
  /** h2load duration per cell and round. */
  readonly seconds: number;
  /** One unmeasured warm-up round of this many seconds per cell; 0 for none. */
  readonly warmupSeconds: number;
  /** Calls per cell the checking client judges before and after the load; 0 for none. */
  readonly checkCalls: number;
  /** Page loads for time to first result. */
  readonly browserRuns: number;
  /** Before each run, wait up to this long for CPUs 0 and 1 to be quiet… */
  readonly quietWaitSeconds: number;
  /** …and no longer once the whole run has waited this long. */
  readonly quietWaitBudgetSeconds: number;
  /** Runs that may be redone, in all, because other work took CPU 0. */
  readonly retries: number;
  /** A run where other work took more than this share of CPU 0 is redone (while retries last). */
  readonly foreignLimit: number;
  /** Build the page first (`npm run build`). */
  readonly build: boolean;
  /** Measure the page in a browser. */
  readonly browser: boolean;
  /** Where latest.md and latest.json go. */
  readonly out: string;
}

/** Everything a run is told before it starts. */
export interface Plan {
  readonly settings: Settings;
  /** The servers to start, in table order. */
  readonly specs: readonly ServerSpec[];
  /** The rows to measure, in table order. */
  readonly rows: readonly Row[];
  /** Every server is pinned to this CPU… */
  readonly serverCpu: number;
  /** …and h2load (and this process, by `npm run bench`'s taskset) to this one. */
  readonly loadCpu: number;
  readonly shape: LoadShape;
}

/** What the command line asked for: a plan, or to print `message` and exit with `exitCode`. */
export type PlanRequest =
  | { readonly plan: Plan }
  | { readonly exitCode: 0 | 2; readonly message: string };

export const usage = `usage: npm run bench -- [options]            (or the environment variable in brackets)
  --rounds N           measured rounds, interleaved              [BENCH_ROUNDS, default 5]
  --seconds S          h2load duration per cell and round        [BENCH_SECONDS, default 3]
  --warmup-seconds S   one unmeasured warm-up round, per cell    [BENCH_WARMUP_SECONDS, default 1]
  --check-calls N      calls per cell the checking client judges before and after [BENCH_CHECK_CALLS, default 20]
  --browser-runs N     page loads for time to first result       [BENCH_BROWSER_RUNS, default 5]
  --quiet-wait S       wait up to S s before a run for CPUs 0 and 1 to be quiet, 90 s in all [BENCH_QUIET_WAIT, default 3]
  --retries N          runs that may be redone because other work took >15% of CPU 0 [BENCH_RETRIES, default 15]
  --servers A,A0,B,C,D which servers                             [BENCH_SERVERS, default all]
  --rows ID,...        which rows (${allRows.map((r) => r.id).join(", ")}) [BENCH_ROWS, default all]
  --out DIR            where latest.md and latest.json go        [BENCH_OUT, default bench/results]
  --skip-build         measure the existing dist/web             [BENCH_SKIP_BUILD=1]
  --skip-browser       no page measurements                      [BENCH_SKIP_BROWSER=1]`;

/** A setting that is not a non-negative number, or an unknown server or row. */
class UsageError extends Error {}

/**
 * Reads the plan from `args` (flags win) and `env`. `--help`, an invalid
 * number, or an unknown server or row id ask to exit instead, with usage.
 *
 * @throws whatever `parseArgs` throws for an unknown flag.
 */
export function readPlan(args: string[], env: NodeJS.ProcessEnv): PlanRequest {
  const { values: flags } = parseArgs({
    args,
    options: {
      rounds: { type: "string" },
      seconds: { type: "string" },
      "warmup-seconds": { type: "string" },
      "check-calls": { type: "string" },
      "browser-runs": { type: "string" },
      "quiet-wait": { type: "string" },
      retries: { type: "string" },
      servers: { type: "string" },
      rows: { type: "string" },
      out: { type: "string" },
      "skip-build": { type: "boolean", default: false },
      "skip-browser": { type: "boolean", default: false },
      help: { type: "boolean", default: false },
    },
  });
  if (flags.help) return { exitCode: 0, message: usage };

  const num = (flag: string | undefined, envName: string, fallback: number): number => {
    const raw = flag ?? env[envName];
    if (raw === undefined || raw === "") return fallback;
    const n = Number(raw);
    if (!Number.isFinite(n) || n < 0) {
      throw new UsageError(`invalid ${envName.toLowerCase()} ${JSON.stringify(raw)}`);
    }
    return n;
  };
  const list = (flag: string | undefined, envName: string): string[] | undefined => {
    const raw = flag ?? env[envName];
    return raw ? raw.split(",").map((s) => s.trim()) : undefined;
  };

  try {
    const settings: Settings = {
      rounds: Math.max(1, Math.floor(num(flags.rounds, "BENCH_ROUNDS", 5))),
      seconds: Math.max(1, Math.floor(num(flags.seconds, "BENCH_SECONDS", 3))),
      warmupSeconds: Math.floor(num(flags["warmup-seconds"], "BENCH_WARMUP_SECONDS", 1)),
      checkCalls: Math.floor(num(flags["check-calls"], "BENCH_CHECK_CALLS", 20)),
      browserRuns: Math.floor(num(flags["browser-runs"], "BENCH_BROWSER_RUNS", 5)),
      quietWaitSeconds: num(flags["quiet-wait"], "BENCH_QUIET_WAIT", 3),
      quietWaitBudgetSeconds: 90,
      retries: Math.floor(num(flags.retries, "BENCH_RETRIES", 15)),
      foreignLimit: 0.15,
      build: !flags["skip-build"] && env.BENCH_SKIP_BUILD !== "1",
      browser: !flags["skip-browser"] && env.BENCH_SKIP_BROWSER !== "1",
      out: flags.out ?? env.BENCH_OUT ?? join(repoRoot, "bench/results"),
    };
    const wantServers = list(flags.servers, "BENCH_SERVERS");
    const wantRows = list(flags.rows, "BENCH_ROWS");
    for (const id of wantServers ?? []) {
      if (!serverSpecs.some((s) => s.id === id)) throw new UsageError(`unknown server ${id}`);
    }
    for (const id of wantRows ?? []) {
      if (!allRows.some((r) => r.id === id)) throw new UsageError(`unknown row ${id}`);
    }
    return {
      plan: {
        settings,
        specs: serverSpecs.filter((s) => !wantServers || wantServers.includes(s.id)),
        rows: allRows.filter((r) => !wantRows || wantRows.includes(r.id)),
        serverCpu: 0,
        loadCpu: 1,
        shape: { connections: 8, streams: 16, threads: 1 },
      },
    };
  } catch (e) {
    if (e instanceof UsageError) return { exitCode: 2, message: `${e.message}\n${usage}` };
    throw e;
  }
}

/** About how many minutes of load the plan is, if every server starts. */
export function estimatedMinutes(plan: Plan): number {
  const { settings: s } = plan;
  const cells = plan.rows.reduce(
    (n, row) => n + plan.specs.filter((spec) => spec.supports(row)).length,
    0,
  );
  const perCell = s.warmupSeconds + s.rounds * s.seconds + 0.4 * (s.rounds + 1);
  return (cells * perCell) / 60;
}
