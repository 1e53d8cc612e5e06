// Running a plan: start every server at once (each pinned to the server
// CPU), check a sample of calls per cell, one warm-up round, the measured
// rounds — interleaved, each run after a wait for quiet CPUs and redone when
// other work took CPU 0 — then memory, the sample again, and the page.
// Prints its progress; returns what it measured for the report.
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { sayHelloPath } from "../../scripts/kit/h2-calls.js";
import { type H2loadReport, percentile, runH2load } from "../../scripts/kit/h2load.js";
import {
  type Memory,
  type ServerProcess,
  startServerProcess,
} from "../../scripts/kit/server-process.js";
import { checkSample, type SampleResult } from "./check.js";
import { type CpuShare, cpuWindow, createQuietWaiter } from "./cpu.js";
import { type BundleSize, buildPage, bundleSize, type PageRun, timeFirstResult } from "./page.js";
import type { Plan } from "./plan.js";
import type { ServerId, ServerSpec } from "./servers.js";
import { fixed, int, percent } from "./stats.js";
import { type Row, requestBody, requestHeaders } from "./wire.js";

/** One h2load run's report and the latency percentiles of its per-request log. */
export type RunNumbers = H2loadReport & {
  readonly p50Ms: number;
  readonly p99Ms: number;
  /** Requests in the --log-file (finished within the duration). */
  readonly logged: number;
};

/** One measured h2load run. */
export interface Measurement {
  readonly round: number;
  readonly h2load: RunNumbers;
  readonly cpu: CpuShare;
  /** How long the run waited for quiet CPUs first. */
  readonly quietWaitMs: number;
  /** Errors h2load counted: failed + errored + timeout + non-2xx (+1 when nothing finished). */
  readonly errors: number;
  /** Why the response bytes do not fit the checked answers' size, if they do not. */
  readonly bytesProblem?: string;
}

/** One server on one row. */
export interface Cell {
  readonly row: Row;
  readonly server: ServerId;
  readonly url: string;
  readonly runs: Measurement[];
  /** Runs redone because other work took CPU 0 (not in the medians). */
  readonly discarded: Measurement[];
  /** The warm-up run's numbers (not in the medians). */
  warmup?: RunNumbers;
  warmupErrors: number;
  before?: SampleResult;
  after?: SampleResult;
}

/** What a run measured. */
export interface Measured {
  /** Every cell, row by row, servers in table order within a row. */
  readonly grid: readonly Cell[];
  /** The servers that started, in table order. */
  readonly servers: readonly ServerSpec[];
  /** Peak and current RSS of each server after the last round. */
  readonly memory: ReadonlyMap<ServerId, Memory>;
  readonly bundle: BundleSize | undefined;
  readonly pageRuns: readonly PageRun[];
  /** What the report should say was left out, and why. */
  readonly notes: readonly string[];
  /** What went wrong while measuring (the report adds what the cells show). */
  readonly failures: readonly string[];
  /** All the waiting for quiet CPUs, in ms. */
  readonly quietWaitSpentMs: number;
}

/** Runs `plan`; `elapsed` labels progress lines with the time since the start. */
export async function measure(
  plan: Plan,
  userAgent: string,
  elapsed: () => string,
): Promise<Measured> {
  const { settings } = plan;
  const dir = await mkdtemp(join(tmpdir(), "hello-bench-"));
  const notes: string[] = [];
  const failures: string[] = [];
  let bundle: BundleSize | undefined;
  if (settings.browser || settings.build) {
    if (settings.build) {
      console.log("building the page (npm run build)…");
      await buildPage();
    }
    bundle = bundleSize();
    console.log(
      `page JavaScript: ${fixed(bundle.gzipBytes / 1000, 2)} kB gzip (${fixed(bundle.bytes / 1000, 1)} kB raw)\n`,
    );
  }

  const running = await startServers(plan, elapsed, notes, failures);
  const servers = plan.specs.filter((s) => running.has(s.id));
  const grid: Cell[] = plan.rows.flatMap((row) =>
    servers
      .filter((spec) => spec.supports(row))
      .map((spec) => {
        const p = running.get(spec.id) as ServerProcess;
        return {
          row,
          server: spec.id,
          url: row.http === "h2c" ? p.url : p.http1Url,
          runs: [],
          discarded: [],
          warmupErrors: 0,
        };
      }),
  );
  const quiet = createQuietWaiter(settings.quietWaitSeconds, settings.quietWaitBudgetSeconds);
  const memory = new Map<ServerId, Memory>();
  let pageRuns: PageRun[] = [];
  try {
    const check = async (when: "before" | "after") => {
      for (const c of grid) {
        c[when] = await checkSample({
          url: c.url,
          row: c.row,
          calls: settings.checkCalls,
          concurrency: Math.min(8, settings.checkCalls),
          userAgent,
        });
      }
      reportSamples(grid, when);
    };
    const run = async (c: Cell, seconds: number) => {
      const p = running.get(c.server) as ServerProcess;
      const quietWaitMs = await quiet.wait();
      const end = cpuWindow(p.pid);
      const h = await runRow(plan, { url: c.url, row: c.row, seconds, dir });
      return { h, cpu: end(), quietWaitMs };
    };

    if (settings.checkCalls > 0) {
      console.log(`\nchecking ${settings.checkCalls} calls per cell before the load…`);
      await check("before");
    }

    if (settings.warmupSeconds > 0) {
      console.log(
        `\nwarm-up round (${settings.warmupSeconds} s per cell, not measured)… ${elapsed()}`,
      );
      for (const c of grid) {
        const { h } = await run(c, settings.warmupSeconds);
        c.warmup = h;
        c.warmupErrors += h2loadFailures(h);
      }
    }

    let retriesLeft = settings.retries;
    for (let round = 1; round <= settings.rounds; round++) {
      console.log(`\nround ${round}/${settings.rounds} (req/s) ${elapsed()}`);
      for (const row of plan.rows) {
        const line: string[] = [];
        for (const c of grid.filter((x) => x.row === row)) {
          let shown = `${c.server}`;
          for (let attempt = 0; ; attempt++) {
            const { h, cpu, quietWaitMs } = await run(c, settings.seconds);
            const problem = bytesProblem(h, c.before);
            const m: Measurement = {
              round,
              h2load: h,
              cpu,
              quietWaitMs,
              errors: h2loadErrors(h),
              ...(problem ? { bytesProblem: problem } : {}),
            };
            const contended = cpu.cpu0Foreign > settings.foreignLimit;
            shown += ` ${int(h.reqPerSec)}${m.errors ? " ERR" : ""}${problem ? " BYTES" : ""}${contended ? ` (CPU0 ${percent(cpu.cpu0Foreign)} other work` : ""}`;
            if (contended && retriesLeft > 0 && attempt < 2) {
              retriesLeft--;
              c.discarded.push(m);
              shown += ", again)";
              continue;
            }
            if (contended) shown += ", kept)";
            c.runs.push(m);
            break;
          }
          line.push(shown);
        }
        console.log(`  ${row.label.padEnd(27)} ${line.join("  ")}`);
      }
    }

    for (const [id, p] of running) {
      try {
        memory.set(id, p.memory());
      } catch (e) {
        failures.push(`${id}: cannot read /proc/${p.pid}/status: ${(e as Error).message}`);
      }
    }

    if (settings.checkCalls > 0) {
      console.log(`\nchecking ${settings.checkCalls} calls per cell after the load… ${elapsed()}`);
      await check("after");
    }

    const a = running.get("A");
    if (settings.browser && a) {
      console.log(
        `\npage: ${settings.browserRuns} loads of ${a.url}/ (fresh context each), fill Name, click SayHello, wait for #message… ${elapsed()}`,
      );
      try {
        pageRuns = await timeFirstResult(`${a.url}/`, settings.browserRuns, "Bench");
        for (const r of pageRuns) {
          if (r.message !== "Hello, Bench")
            failures.push(`page showed ${JSON.stringify(r.message)}`);
        }
      } catch (e) {
        failures.push(`page measurement failed: ${(e as Error).message}`);
      }
    } else if (settings.browser) {
      notes.push("page not measured: server A is not running");
    }
  } finally {
    const exits = await Promise.all([...running.values()].map((p) => p.stop()));
    [...running.keys()].forEach((id, i) => {
      if (exits[i] !== 0) notes.push(`${id} exited with ${exits[i]} after SIGTERM`);
    });
    await rm(dir, { recursive: true, force: true });
  }
  return {
    grid,
    servers,
    memory,
    bundle,
    pageRuns,
    notes,
    failures,
    quietWaitSpentMs: quiet.spentMs(),
  };
}

/**
 * Starts every server of the plan at once, pinned to the server CPU, and
 * prints their URLs. A0 without `--metadata` is a note; any other server
 * that does not start is a failure.
 */
async function startServers(
  plan: Plan,
  elapsed: () => string,
  notes: string[],
  failures: string[],
): Promise<Map<ServerId, ServerProcess>> {
  const { specs, serverCpu } = plan;
  console.log(
    `starting ${specs.map((s) => s.id).join(", ")} (taskset -c ${serverCpu})… ${elapsed()}`,
  );
  const running = new Map<ServerId, ServerProcess>();
  const starts = await Promise.allSettled(
    specs.map((s) => startServerProcess({ ...s, cpu: serverCpu, timeoutMs: 90_000 })),
  );
  starts.forEach((r, i) => {
    const spec = specs[i] as ServerSpec;
    if (r.status === "fulfilled") {
      running.set(spec.id, r.value);
      const urls =
        r.value.http1Url === r.value.url
          ? r.value.url
          : `${r.value.url} (h2c), ${r.value.http1Url} (HTTP/1.1)`;
      console.log(`  ${spec.name}: ${urls}, pid ${r.value.pid}`);
      return;
    }
    const msg = (r.reason as Error).message;
    if (
      spec.id === "A0" &&
      /unknown option '--metadata'|unexpected argument.*--metadata/i.test(msg)
    ) {
      const note = `A0 skipped: server/main.ts does not take \`--metadata off\` yet (it said: ${firstLine(msg, "'--metadata'")})`;
      console.log(`  ${note}`);
      notes.push(note);
    } else {
      const problem = `${spec.name} did not start: ${msg}`;
      console.log(`  ${problem}`);
      failures.push(problem);
    }
  });
  return running;
}

/** Runs h2load for `seconds` against `url` with `row`'s request, pinned to the load CPU. */
async function runRow(
  plan: Plan,
  o: { url: string; row: Row; seconds: number; dir: string },
): Promise<RunNumbers> {
  const {
    command: _command,
    latenciesMs,
    ...report
  } = await runH2load({
    ...plan.shape,
    url: o.url,
    path: sayHelloPath,
    body: requestBody(o.row.encoding),
    headers: requestHeaders(o.row.encoding),
    http1: o.row.http === "http1",
    seconds: o.seconds,
    cpu: plan.loadCpu,
    dir: o.dir,
    name: o.row.id,
    latencies: true,
  });
  return {
    ...report,
    p50Ms: percentile(latenciesMs, 50),
    p99Ms: percentile(latenciesMs, 99),
    logged: latenciesMs.length,
  };
}

/** Calls h2load saw fail: failed + errored + timeout + non-2xx. */
function h2loadFailures(h: RunNumbers): number {
  return h.failed + h.errored + h.timeout + h.statusOther;
}

/** A measured run's errors: its failures, and 1 more when no call finished at all. */
function h2loadErrors(h: RunNumbers): number {
  return h2loadFailures(h) + (h.succeeded === 0 ? 1 : 0);
}

/**
 * The response bytes h2load counted must fit the answers the checking
 * client judged correct: at least `succeeded` × the smallest, at most
 * (2xx responses, which include ones cut off by the end of the duration) ×
 * the largest, with 4 bytes of slack per call (a gRPC-Web trailer frame
 * carries processing-ms, whose digits vary).
 */
function bytesProblem(h: RunNumbers, sample: SampleResult | undefined): string | undefined {
  if (!sample || sample.bodyBytes.length === 0) return undefined;
  const lo = Math.min(...sample.bodyBytes) - 4;
  const hi = Math.max(...sample.bodyBytes) + 4;
  if (h.dataBytes < h.succeeded * lo || h.dataBytes > h.status2xx * hi) {
    return `${int(h.dataBytes)} response bytes for ${int(h.succeeded)} calls (${fixed(h.dataBytes / Math.max(1, h.succeeded), 1)} per call), checked answers are ${lo + 4}–${hi - 4} bytes`;
  }
  return undefined;
}

/** Prints how many sampled calls were correct, and what was wrong with the others. */
function reportSamples(grid: readonly Cell[], when: "before" | "after"): void {
  let ok = 0;
  let calls = 0;
  for (const c of grid) {
    const s = c[when];
    if (!s) continue;
    ok += s.ok;
    calls += s.calls;
    if (s.ok !== s.calls) console.log(`  FAIL ${c.row.label} ${c.server}: ${failureList(s)}`);
  }
  const grpc = grid.filter(
    (c) => c.row.encoding === "grpc" || c.row.encoding === "grpc-web",
  ).length;
  console.log(
    `  ${ok}/${calls} calls correct over ${grid.length} cells (status, greeting, response-time header, processing-ms trailer; grpc-status: 0 read from the trailers on the ${grpc} gRPC and gRPC-Web cells)`,
  );
}

/** A sample's failures as `3× reason, 1× other reason`. */
export function failureList(s: SampleResult): string {
  return Object.entries(s.failures)
    .map(([k, n]) => `${n}× ${k}`)
    .join(", ");
}

/** The first line of `text` that contains `containing`, else its first line. */
function firstLine(text: string, containing: string): string {
  return (
    text
      .split("\n")
      .find((l) => l.toLowerCase().includes(containing))
      ?.trim() ??
    text.split("\n")[0] ??
    ""
  );
}
