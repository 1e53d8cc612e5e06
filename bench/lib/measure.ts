// Running a plan: start every server at once (each pinned to the server
// CPU), check a sample of calls per cell, one warm-up round, the measured
// rounds — interleaved, each run after a wait for quiet CPUs and redone when
// other work took CPU 0 — then memory, the sample again, and the page.
// Prints its progress; returns what it measured for the report.
import { rm } from "node:fs/promises";
import { join } from "node:path";
import { sayHelloPath } from "../../scripts/kit/h2-calls.js";
import { type H2loadReport, percentile, runH2load } from "../../scripts/kit/h2load.js";
import {
  type Memory,
  repoRoot,
  type ServerProcess,
  startServerProcess,
} from "../../scripts/kit/server-process.js";
import { type Allocation, countAllocations } from "./alloc.js";
import { checkSample, type SampleResult } from "./check.js";
import { type CpuShare, cpuWindow, type QuietWaiter } from "./cpu.js";
import type { NodeBinary } from "./node.js";
import { type OpenLoopResult, runOpenLoop } from "./open-loop.js";
import { type PageRun, timeFirstResult } from "./page.js";
import type { Plan } from "./plan.js";
import {
  allocServers,
  latencyServers,
  type ServerId,
  type ServerSpec,
  streamServers,
} from "./servers.js";
import { fixed, int, median, percent } from "./stats.js";
import {
  checkStream,
  streamCount,
  streamHeaders,
  streamPath,
  streamRequestBody,
} from "./stream.js";
import { benchName, type Row, requestBody, requestHeaders } from "./wire.js";

/** h2load's shape on the streaming row. */
export const streamShape = { connections: 4, streams: 4, threads: 1 } as const;

/** The streaming row: SayHelloStream, 100 greetings back to back, gRPC on h2c. */
export const streamRow: Row = {
  id: "stream-grpc-h2c",
  label: `SayHelloStream ×${streamCount} (gRPC h2c)`,
  encoding: "grpc",
  http: "h2c",
};

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

/** One open-loop run at the fixed rate. */
export interface LatencyRun extends OpenLoopResult {
  readonly round: number;
  readonly cpu: CpuShare;
}

/** One server's open-loop runs at the fixed rate. */
export interface LatencyCell {
  readonly server: ServerId;
  readonly runs: LatencyRun[];
}

/** Memory under load: VmHWM after all the load, VmRSS sampled as each of its runs ended. */
export interface LoadMemory extends Memory {
  /** The largest VmRSS seen as a run ended, in KiB. */
  readonly endOfLoadMaxKiB: number;
}

/** What one pass — every server on one Node version — measured. */
export interface Measured {
  readonly node: NodeBinary;
  /** Every cell, row by row (the streaming row last), servers in table order within a row. */
  readonly grid: readonly Cell[];
  /** The servers that started, in table order. */
  readonly servers: readonly ServerSpec[];
  /** Peak RSS after all the load, and VmRSS as the load ended, per server. */
  readonly memory: ReadonlyMap<ServerId, LoadMemory>;
  /** The fixed rate of the latency runs (calls/s), NaN when grpc-js's max was not measured. */
  readonly latencyRate: number;
  readonly latency: readonly LatencyCell[];
  /** Bytes allocated per call, per server (separate runs under --trace-gc-nvp). */
  readonly alloc: ReadonlyMap<ServerId, Allocation>;
  readonly pageRuns: readonly PageRun[];
  /** What the report should say was left out, and why. */
  readonly notes: readonly string[];
  /** What went wrong while measuring (the report adds what the cells show). */
  readonly failures: readonly string[];
  /** All the waiting for quiet CPUs, in ms. */
  readonly quietWaitSpentMs: number;
}

/**
 * Runs `plan`'s servers on `node`; `elapsed` labels progress lines with the
 * time since the start. Server stdout goes to files in `dir`. The page is
 * measured when `browser` is set (once per run, on the first Node).
 */
export async function measure(
  plan: Plan,
  node: NodeBinary,
  o: {
    userAgent: string;
    elapsed: () => string;
    dir: string;
    browser: boolean;
    quiet: QuietWaiter;
  },
): Promise<Measured> {
  const { settings } = plan;
  const { userAgent, elapsed, dir, quiet } = o;
  const notes: string[] = [];
  const failures: string[] = [];

  const running = await startServers(plan, node, dir, elapsed, failures);
  const servers = plan.specs.filter((s) => running.has(s.id));
  const cellOf = (row: Row, spec: ServerSpec): Cell => {
    const p = running.get(spec.id) as ServerProcess;
    return {
      row,
      server: spec.id,
      url: row.http === "h2c" ? p.url : p.http1Url,
      runs: [],
      discarded: [],
      warmupErrors: 0,
    };
  };
  const grid: Cell[] = [
    ...plan.rows.flatMap((row) =>
      servers.filter((spec) => spec.supports(row)).map((spec) => cellOf(row, spec)),
    ),
    ...servers.filter((spec) => streamServers.includes(spec.id)).map((s) => cellOf(streamRow, s)),
  ];
  const rowsRun = [...plan.rows, ...(grid.some((c) => c.row === streamRow) ? [streamRow] : [])];
  const endMax = new Map<ServerId, number>();
  const sampleMemory = (id: ServerId) => {
    try {
      const rss = (running.get(id) as ServerProcess).memory().rssKiB;
      endMax.set(id, Math.max(endMax.get(id) ?? 0, rss));
    } catch {
      // gone: reported below
    }
  };
  const memory = new Map<ServerId, LoadMemory>();
  const latency: LatencyCell[] = [];
  let latencyRate = Number.NaN;
  const alloc = new Map<ServerId, Allocation>();
  let pageRuns: PageRun[] = [];
  try {
    const check = async (when: "before" | "after") => {
      for (const c of grid) {
        c[when] =
          c.row === streamRow
            ? await checkStream(c.url, Math.min(settings.checkCalls, 5), userAgent)
            : await checkSample({
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
      const cpu = end();
      sampleMemory(c.server);
      return { h, cpu, quietWaitMs };
    };
    const secondsOf = (c: Cell) =>
      c.row === streamRow ? settings.streamSeconds : settings.seconds;

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
      for (const row of rowsRun) {
        const line: string[] = [];
        for (const c of grid.filter((x) => x.row === row)) {
          let shown = `${c.server}`;
          for (let attempt = 0; ; attempt++) {
            const { h, cpu, quietWaitMs } = await run(c, secondsOf(c));
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

    // Latency at a fixed offered load, open loop, below saturation.
    const grpcRow = plan.rows.find((r) => r.id === "grpc-h2c");
    const grpcJs = grpcRow && grid.find((c) => c.row === grpcRow && c.server === "C");
    const lat = servers.filter((s) => latencyServers.includes(s.id));
    if (grpcJs && grpcJs.runs.length > 0 && lat.length > 0) {
      latencyRate = Math.round(
        settings.latencyLoadShare * median(grpcJs.runs.map((r) => r.h2load.reqPerSec)),
      );
      for (const s of lat) latency.push({ server: s.id, runs: [] });
      console.log(
        `\nfixed load: ${int(latencyRate)} calls/s (${percent(settings.latencyLoadShare)} of grpc-js's gRPC req/s), open loop, ${settings.latencySeconds} s per server and round after 1 s not counted ${elapsed()}`,
      );
      for (let round = 1; round <= settings.rounds; round++) {
        const line: string[] = [];
        for (const cell of latency) {
          const p = running.get(cell.server) as ServerProcess;
          await quiet.wait();
          const end = cpuWindow(p.pid);
          const r = await runOpenLoop(
            {
              url: p.url,
              path: sayHelloPath,
              body: requestBody("grpc").toString("base64"),
              headers: { ...requestHeaders("grpc"), "user-agent": userAgent },
              rate: latencyRate,
              seconds: settings.latencySeconds,
              warmupSeconds: 1,
              connections: plan.shape.connections,
              expect: `Hello, ${benchName}`,
              // 100 per connection: under every server's concurrent-stream limit.
              maxInFlight: plan.shape.connections * 100,
            },
            plan.loadCpu,
          );
          cell.runs.push({ ...r, round, cpu: end() });
          sampleMemory(cell.server);
          line.push(
            `${cell.server} p50 ${fixed(r.p50Ms, 2)} p99 ${fixed(r.p99Ms, 2)} p99.9 ${fixed(r.p999Ms, 2)} ms${r.errors ? ` ${r.errors} ERR (${r.firstError})` : ""}${r.skipped ? ` ${r.skipped} not sent (saturated)` : ""}`,
          );
          if (r.errors) {
            failures.push(
              `fixed load ${cell.server} round ${round}: ${r.errors} of ${r.counted} calls failed (first: ${r.firstError})`,
            );
          }
        }
        console.log(`  round ${round}: ${line.join("  ")}`);
      }
    } else if (lat.length > 0) {
      notes.push("fixed-load latency not measured: it needs grpc-js (C) on the gRPC (h2c) row");
    }

    for (const [id, p] of running) {
      try {
        const mem = p.memory();
        memory.set(id, { ...mem, endOfLoadMaxKiB: endMax.get(id) ?? mem.rssKiB });
      } catch (e) {
        failures.push(`${id}: cannot read /proc/${p.pid}/status: ${(e as Error).message}`);
      }
    }

    if (settings.checkCalls > 0) {
      console.log(`\nchecking ${settings.checkCalls} calls per cell after the load… ${elapsed()}`);
      await check("after");
    }

    const a = running.get("A");
    if (o.browser && a) {
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
    } else if (o.browser) {
      notes.push("page not measured: server A is not running");
    }
  } finally {
    const exits = await Promise.all([...running.values()].map((p) => p.stop()));
    [...running.keys()].forEach((id, i) => {
      if (exits[i] !== 0) notes.push(`${id} exited with ${exits[i]} after SIGTERM`);
    });
    await Promise.all(
      [...running.values()].map((p) => (p.logFile ? rm(p.logFile, { force: true }) : undefined)),
    );
  }

  const counted = plan.specs.filter((s) => allocServers.includes(s.id));
  if (settings.allocCalls > 0 && counted.length > 0) {
    console.log(
      `\nbytes allocated per call: each of ${counted.map((s) => s.id).join(", ")} alone under --trace-gc-nvp, ${int(settings.allocCalls)} gRPC calls to warm up, ${int(settings.allocCalls)} counted ${elapsed()}`,
    );
    for (const spec of counted) {
      try {
        const a = await countAllocations({
          spec,
          node,
          calls: settings.allocCalls,
          serverCpu: plan.serverCpu,
          loadCpu: plan.loadCpu,
          dir,
        });
        alloc.set(spec.id, a);
        console.log(
          `  ${spec.id}: ${fixed(a.bytesPerCall / 1024, 2)} KB/call (${fixed(a.bytes / 1e6, 0)} MB in ${a.collections} collections over ${int(a.calls)} calls)`,
        );
        if (a.failed) failures.push(`allocation run ${spec.id}: ${a.failed} calls failed`);
        if (a.collections === 0) failures.push(`allocation run ${spec.id}: no GC lines printed`);
      } catch (e) {
        failures.push(`allocation run ${spec.id} failed: ${(e as Error).message}`);
      } finally {
        await rm(join(dir, `${spec.id}-alloc.stdout`), { force: true });
      }
    }
  }
  return {
    node,
    grid,
    servers,
    memory,
    latencyRate,
    latency,
    alloc,
    pageRuns,
    notes,
    failures,
    quietWaitSpentMs: quiet.spentMs(),
  };
}

/**
 * Starts every server of the plan at once on `node`, pinned to the server
 * CPU, stdout to a file in `dir`, and prints their URLs. A server that does
 * not start is a failure.
 */
async function startServers(
  plan: Plan,
  node: NodeBinary,
  dir: string,
  elapsed: () => string,
  failures: string[],
): Promise<Map<ServerId, ServerProcess>> {
  const { specs, serverCpu } = plan;
  console.log(
    `starting ${specs.map((s) => s.id).join(", ")} on Node ${node.version} (taskset -c ${serverCpu})… ${elapsed()}`,
  );
  const running = new Map<ServerId, ServerProcess>();
  const starts = await Promise.allSettled(
    specs.map((s) =>
      startServerProcess({
        command: [node.path, join(repoRoot, s.entry)],
        args: s.args,
        env: s.env,
        separateHttp1: s.separateHttp1,
        cpu: serverCpu,
        logFile: join(dir, `${s.id}-node${node.label.replaceAll("/", "_")}.stdout`),
        timeoutMs: 90_000,
        name: s.name,
      }),
    ),
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
    const problem = `${spec.name} did not start on Node ${node.version}: ${(r.reason as Error).message}`;
    console.log(`  ${problem}`);
    failures.push(problem);
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
    // A streaming call is 100 messages: 16 in flight (4 connections × 4)
    // keep the server busy, and a short cell still finishes whole calls.
    ...(o.row === streamRow ? streamShape : plan.shape),
    url: o.url,
    ...(o.row === streamRow
      ? { path: streamPath, body: streamRequestBody(), headers: streamHeaders() }
      : {
          path: sayHelloPath,
          body: requestBody(o.row.encoding),
          headers: requestHeaders(o.row.encoding),
        }),
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
