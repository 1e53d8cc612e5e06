// What a benchmark run will do: its settings (flags, else environment
// variables, else defaults), which servers on which rows for how many
// rounds, the CPUs and the load shape.
import { join } from "node:path";
import { parseArgs } from "node:util";
import type { LoadShape } from "../../scripts/kit/h2load.js";
import { repoRoot } from "../../scripts/kit/server-process.js";
import { defaultNodeLabels, type NodeBinary, resolveNodes } from "./node.js";
import { type ServerSpec, serverSpecs } from "./servers.js";
import { rows as allRows, defaultRowIds, type Row } from "./wire.js";

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
  /** Seconds of open-loop load per server and round at the fixed rate (after 1 s not counted). */
  readonly latencySeconds: number;
  /** The fixed rate, as a share of grpc-js's gRPC unary req/s in the same run. */
  readonly latencyLoadShare: number;
  /** h2load duration per streaming cell and round. */
  readonly streamSeconds: number;
  /** Calls counted for bytes allocated per call (after as many again to warm up); 0 for none. */
  readonly allocCalls: number;
  /** 1 round, 1 s cells, one Node: a look that the harness works, not numbers. */
  readonly quick: boolean;
  /** Build first (`npm run build` and the bench's bundles). */
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
  /** The Node versions every server runs on, one pass each, in this order. */
  readonly nodes: readonly NodeBinary[];
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
  --quick              1 round, 1 s cells, short extras, one Node, no browser: does the harness work [BENCH_QUICK=1]
  --node 20,24         Node versions (major, or a path to a node binary) [BENCH_NODE, default ${defaultNodeLabels().join(",")}]
  --rounds N           measured rounds, interleaved              [BENCH_ROUNDS, default 3]
  --seconds S          h2load duration per cell and round        [BENCH_SECONDS, default 3]
  --latency-seconds S  open-loop seconds per server and round at the fixed rate [BENCH_LATENCY_SECONDS, default 5]
  --stream-seconds S   h2load duration per streaming cell and round [BENCH_STREAM_SECONDS, default 3]
  --alloc-calls N      calls counted for KB allocated per call   [BENCH_ALLOC_CALLS, default 60000]
  --warmup-seconds S   one unmeasured warm-up round, per cell    [BENCH_WARMUP_SECONDS, default 1]
  --check-calls N      calls per cell the checking client judges before and after [BENCH_CHECK_CALLS, default 20]
  --browser-runs N     page loads for time to first result       [BENCH_BROWSER_RUNS, default 5]
  --quiet-wait S       wait up to S s before a run for CPUs 0 and 1 to be quiet, 90 s in all [BENCH_QUIET_WAIT, default 3]
  --retries N          runs that may be redone because other work took >15% of CPU 0 [BENCH_RETRIES, default 15]
  --servers A,...      which servers (A, A-quiet, A0, B, C, D)   [BENCH_SERVERS, default all]
                       (streaming runs A, C, D; latency A, C; allocations A, A0, C, D — those asked for)
  --rows ID,...        which rows (${allRows.map((r) => r.id).join(", ")}) [BENCH_ROWS, default ${defaultRowIds.join(",")}]
  --out DIR            where latest.md and latest.json go        [BENCH_OUT, default bench/results]
  --skip-build         use the existing dist/ (npm run build's)  [BENCH_SKIP_BUILD=1]
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
      quick: { type: "boolean", default: false },
      node: { type: "string" },
      rounds: { type: "string" },
      "latency-seconds": { type: "string" },
      "stream-seconds": { type: "string" },
      "alloc-calls": { type: "string" },
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
    const quick = flags.quick || env.BENCH_QUICK === "1";
    const settings: Settings = {
      rounds: Math.max(1, Math.floor(num(flags.rounds, "BENCH_ROUNDS", quick ? 1 : 3))),
      seconds: Math.max(1, Math.floor(num(flags.seconds, "BENCH_SECONDS", quick ? 1 : 3))),
      warmupSeconds: Math.floor(num(flags["warmup-seconds"], "BENCH_WARMUP_SECONDS", 1)),
      checkCalls: Math.floor(num(flags["check-calls"], "BENCH_CHECK_CALLS", quick ? 5 : 20)),
      browserRuns: Math.floor(num(flags["browser-runs"], "BENCH_BROWSER_RUNS", 5)),
      latencySeconds: Math.max(
        1,
        Math.floor(num(flags["latency-seconds"], "BENCH_LATENCY_SECONDS", quick ? 2 : 5)),
      ),
      latencyLoadShare: 0.5,
      streamSeconds: Math.max(
        1,
        Math.floor(num(flags["stream-seconds"], "BENCH_STREAM_SECONDS", quick ? 2 : 3)),
      ),
      allocCalls: Math.floor(
        num(flags["alloc-calls"], "BENCH_ALLOC_CALLS", quick ? 10_000 : 60_000),
      ),
      quick,
      quietWaitSeconds: num(flags["quiet-wait"], "BENCH_QUIET_WAIT", 3),
      quietWaitBudgetSeconds: 90,
      retries: Math.floor(num(flags.retries, "BENCH_RETRIES", 15)),
      foreignLimit: 0.15,
      build: !flags["skip-build"] && env.BENCH_SKIP_BUILD !== "1",
      browser: !quick && !flags["skip-browser"] && env.BENCH_SKIP_BROWSER !== "1",
      out: flags.out ?? env.BENCH_OUT ?? join(repoRoot, "bench/results"),
    };
    const wantServers = list(flags.servers, "BENCH_SERVERS");
    const wantRows = list(flags.rows, "BENCH_ROWS") ?? [...defaultRowIds];
    const nodeLabels = list(flags.node, "BENCH_NODE") ?? defaultNodeLabels();
    let nodes: NodeBinary[];
    try {
      nodes = resolveNodes(
        quick && !flags.node && !env.BENCH_NODE ? [nodeLabels[0] as string] : nodeLabels,
      );
    } catch (e) {
      throw new UsageError((e as Error).message);
    }
    for (const id of wantServers ?? []) {
      if (!serverSpecs.some((s) => s.id === id)) throw new UsageError(`unknown server ${id}`);
    }
    for (const id of wantRows) {
      if (!allRows.some((r) => r.id === id)) throw new UsageError(`unknown row ${id}`);
    }
    return {
      plan: {
        settings,
        specs: serverSpecs.filter((s) => !wantServers || wantServers.includes(s.id)),
        nodes,
        rows: allRows.filter((r) => wantRows.includes(r.id)),
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

/** About how many minutes of load the plan is, if every server starts (all Node versions). */
export function estimatedMinutes(plan: Plan): number {
  const { settings: s } = plan;
  const has = (id: string) => plan.specs.some((spec) => spec.id === id);
  const cells = plan.rows.reduce(
    (n, row) => n + plan.specs.filter((spec) => spec.supports(row)).length,
    0,
  );
  const perCell = s.warmupSeconds + s.rounds * s.seconds + 0.4 * (s.rounds + 1);
  const streams = ["A", "C", "D"].filter(has).length;
  const latency = ["A", "C"].filter(has).length;
  const alloc = s.allocCalls > 0 ? ["A", "A0", "C", "D"].filter(has).length : 0;
  const perNode =
    cells * perCell +
    streams * (s.warmupSeconds + s.rounds * (s.streamSeconds + 0.4)) +
    latency * s.rounds * (s.latencySeconds + 1.5) +
    // start, warm-up and counted calls at about 10,000 calls/s under --trace-gc-nvp
    alloc * (2 + (2 * s.allocCalls) / 10_000);
  return (perNode * plan.nodes.length) / 60;
}
