// npm run bench: unary SayHello under h2load against this server and three
// references, in one run, plus the page's bundle size and time to first
// result. Writes bench/results/latest.md and latest.json.
//
// Servers, each pinned to CPU 0 with taskset (all started at once, only one
// under load at a time):
//   A   this server (server/main.ts, LOG_LEVEL=warn)
//   A0  this server with --metadata off (skipped, with a note, when the flag is missing)
//   B   stock connectNodeAdapter (bench/servers/connect-node.ts)
//   C   @grpc/grpc-js (bench/servers/grpc-js.ts), gRPC only
//   D   raw node:http2 / node:http (bench/servers/raw-http2.ts)
// Load: h2load -c8 -m16 -t1 pinned to CPU 1, for a fixed duration per cell,
// rounds interleaved (A A0 B C D per row, every row, then the next round)
// so drift hits all servers alike; the table holds medians over rounds.
//
//   npm run bench
//   npm run bench -- --rounds 2 --seconds 1 --skip-browser      # a quick look
//   BENCH_ROUNDS=7 BENCH_SECONDS=5 npm run bench
import { execFile } from "node:child_process";
import { readFileSync } from "node:fs";
import { mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import { cpus, loadavg, release, tmpdir, totalmem } from "node:os";
import { join } from "node:path";
import { parseArgs, promisify } from "node:util";
import { sayHelloPath } from "../scripts/kit/h2-calls.js";
import {
  type H2loadReport,
  h2loadUserAgent,
  type LoadShape,
  percentile,
  requireH2load,
  runH2load,
} from "../scripts/kit/h2load.js";
import {
  repoRoot as root,
  type ServerProcess,
  serverCommandLine,
  startServerProcess,
} from "../scripts/kit/server-process.js";
import { checkSample, type SampleResult } from "./lib/check.js";
import { type CpuShare, cpuTicks, cpuWindow } from "./lib/cpu.js";
import {
  type BundleSize,
  buildPage,
  bundleSize,
  type PageRun,
  timeFirstResult,
} from "./lib/page.js";
import { type ServerId, type ServerSpec, serverSpecs } from "./lib/servers.js";
import {
  fixed,
  int,
  markdownTable,
  median,
  mib,
  percent,
  ratio,
  signedPercent,
} from "./lib/stats.js";
import { rows as allRows, type Row, requestBody, requestHeaders } from "./lib/wire.js";

const execFileP = promisify(execFile);

// ---------------------------------------------------------------- settings

const { values: flags } = parseArgs({
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

const usage = `usage: npm run bench -- [options]            (or the environment variable in brackets)
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

if (flags.help) {
  console.log(usage);
  process.exit(0);
}

const env = process.env;
const num = (flag: string | undefined, envName: string, fallback: number): number => {
  const raw = flag ?? env[envName];
  if (raw === undefined || raw === "") return fallback;
  const n = Number(raw);
  if (!Number.isFinite(n) || n < 0) {
    console.error(`invalid ${envName.toLowerCase()} ${JSON.stringify(raw)}\n${usage}`);
    process.exit(2);
  }
  return n;
};
const list = (flag: string | undefined, envName: string): string[] | undefined => {
  const raw = flag ?? env[envName];
  return raw ? raw.split(",").map((s) => s.trim()) : undefined;
};

const settings = {
  rounds: Math.max(1, Math.floor(num(flags.rounds, "BENCH_ROUNDS", 5))),
  seconds: Math.max(1, Math.floor(num(flags.seconds, "BENCH_SECONDS", 3))),
  warmupSeconds: Math.floor(num(flags["warmup-seconds"], "BENCH_WARMUP_SECONDS", 1)),
  checkCalls: Math.floor(num(flags["check-calls"], "BENCH_CHECK_CALLS", 20)),
  browserRuns: Math.floor(num(flags["browser-runs"], "BENCH_BROWSER_RUNS", 5)),
  quietWaitSeconds: num(flags["quiet-wait"], "BENCH_QUIET_WAIT", 3),
  quietWaitBudgetSeconds: 90,
  retries: Math.floor(num(flags.retries, "BENCH_RETRIES", 15)),
  /** A run where other work took more than this share of CPU 0 is redone (while retries last). */
  foreignLimit: 0.15,
  build: !flags["skip-build"] && env.BENCH_SKIP_BUILD !== "1",
  browser: !flags["skip-browser"] && env.BENCH_SKIP_BROWSER !== "1",
  out: flags.out ?? env.BENCH_OUT ?? join(root, "bench/results"),
};
const serverCpu = 0;
const loadCpu = 1;
const shape: LoadShape = { connections: 8, streams: 16, threads: 1 };

const wantServers = list(flags.servers, "BENCH_SERVERS");
const wantRows = list(flags.rows, "BENCH_ROWS");
for (const id of wantServers ?? []) {
  if (!serverSpecs.some((s) => s.id === id)) {
    console.error(`unknown server ${id}\n${usage}`);
    process.exit(2);
  }
}
for (const id of wantRows ?? []) {
  if (!allRows.some((r) => r.id === id)) {
    console.error(`unknown row ${id}\n${usage}`);
    process.exit(2);
  }
}
const specs = serverSpecs.filter((s) => !wantServers || wantServers.includes(s.id));
const rows = allRows.filter((r) => !wantRows || wantRows.includes(r.id));

// ---------------------------------------------------------------- machine

function cpuModel(): string {
  const m = /^model name\s*:\s*(.+)$/m.exec(readFileSync("/proc/cpuinfo", "utf8"));
  return m?.[1]?.trim() ?? cpus()[0]?.model.trim() ?? "unknown";
}

async function git(...args: string[]): Promise<string> {
  try {
    return (await execFileP("git", args, { cwd: root })).stdout.trim();
  } catch {
    return "";
  }
}

const loadAverage = () =>
  loadavg()
    .map((n) => n.toFixed(2))
    .join(" ");

// ---------------------------------------------------------------- cells

/** One measured h2load run. */
interface Measurement {
  readonly round: number;
  readonly h2load: Omit<H2loadResult, "command">;
  readonly cpu: CpuShare;
  /** How long the run waited for quiet CPUs first. */
  readonly quietWaitMs: number;
  /** Errors h2load counted: failed + errored + timeout + non-2xx (+1 when nothing finished). */
  readonly errors: number;
  /** Why the response bytes do not fit the checked answers' size, if they do not. */
  readonly bytesProblem?: string;
}

/** One server on one row. */
interface Cell {
  readonly row: Row;
  readonly server: ServerId;
  readonly url: string;
  readonly runs: Measurement[];
  /** Runs redone because other work took CPU 0 (not in the medians). */
  readonly discarded: Measurement[];
  /** The warm-up run's numbers (not in the medians). */
  warmup?: Omit<H2loadResult, "command">;
  warmupErrors: number;
  before?: SampleResult;
  after?: SampleResult;
}

let quietWaitSpentMs = 0;

/**
 * Waits until CPUs 0 and 1 were under 25% busy for 200 ms — nothing of ours
 * runs then, so that is other work on the machine — for up to
 * quietWaitSeconds, and no longer once the whole run has waited
 * quietWaitBudgetSeconds. Returns how long it waited.
 */
async function waitForQuiet(): Promise<number> {
  const t0 = Date.now();
  for (;;) {
    const a0 = cpuTicks(0);
    const a1 = cpuTicks(1);
    await new Promise((r) => setTimeout(r, 200));
    const b0 = cpuTicks(0);
    const b1 = cpuTicks(1);
    const busy0 = (b0.busy - a0.busy) / Math.max(1, b0.total - a0.total);
    const busy1 = (b1.busy - a1.busy) / Math.max(1, b1.total - a1.total);
    const waited = Date.now() - t0;
    if (
      (busy0 < 0.25 && busy1 < 0.25) ||
      waited >= settings.quietWaitSeconds * 1000 ||
      quietWaitSpentMs + waited >= settings.quietWaitBudgetSeconds * 1000
    ) {
      quietWaitSpentMs += Math.max(0, waited - 200);
      return waited;
    }
  }
}

/** One h2load run's report and the latency percentiles of its per-request log. */
type H2loadResult = H2loadReport & {
  readonly command: string;
  readonly p50Ms: number;
  readonly p99Ms: number;
  /** Requests in the --log-file (finished within the duration). */
  readonly logged: number;
};

/** Runs h2load for `seconds` against `url` with `row`'s request, pinned to the load CPU. */
async function runRow(o: {
  url: string;
  row: Row;
  seconds: number;
  dir: string;
}): Promise<H2loadResult> {
  const { latenciesMs, ...report } = await runH2load({
    ...shape,
    url: o.url,
    path: sayHelloPath,
    body: requestBody(o.row.encoding),
    headers: requestHeaders(o.row.encoding),
    http1: o.row.http === "http1",
    seconds: o.seconds,
    cpu: loadCpu,
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
function h2loadFailures(h: H2loadResult): number {
  return h.failed + h.errored + h.timeout + h.statusOther;
}

/** A measured run's errors: its failures, and 1 more when no call finished at all. */
function h2loadErrors(h: H2loadResult): number {
  return h2loadFailures(h) + (h.succeeded === 0 ? 1 : 0);
}

/**
 * The response bytes h2load counted must fit the answers the checking
 * client judged correct: at least `succeeded` × the smallest, at most
 * (2xx responses, which include ones cut off by the end of the duration) ×
 * the largest, with 4 bytes of slack per call (a gRPC-Web trailer frame
 * carries processing-ms, whose digits vary).
 */
function bytesProblem(h: H2loadResult, sample: SampleResult | undefined): string | undefined {
  if (!sample || sample.bodyBytes.length === 0) return undefined;
  const lo = Math.min(...sample.bodyBytes) - 4;
  const hi = Math.max(...sample.bodyBytes) + 4;
  if (h.dataBytes < h.succeeded * lo || h.dataBytes > h.status2xx * hi) {
    return `${int(h.dataBytes)} response bytes for ${int(h.succeeded)} calls (${fixed(h.dataBytes / Math.max(1, h.succeeded), 1)} per call), checked answers are ${lo + 4}–${hi - 4} bytes`;
  }
  return undefined;
}

// ---------------------------------------------------------------- main

async function main(): Promise<number> {
  const started = Date.now();
  await requireH2load();
  const userAgent = await h2loadUserAgent();
  const head = (await git("rev-parse", "--short", "HEAD")) || "unknown";
  const dirty = (await git("status", "--porcelain", "--", "server", "metadata", "gen"))
    .split("\n")
    .filter(Boolean);
  const machine = {
    nproc: cpus().length,
    cpuModel: cpuModel(),
    node: process.version,
    kernel: release(),
    memoryGiB: Number((totalmem() / 2 ** 30).toFixed(1)),
    h2load: userAgent,
  };
  const cells = rows.flatMap((row) => specs.filter((s) => s.supports(row)).length);
  const perCell =
    settings.warmupSeconds + settings.rounds * settings.seconds + 0.4 * (settings.rounds + 1);
  const elapsed = () => {
    const sec = Math.round((Date.now() - started) / 1000);
    return `[${Math.floor(sec / 60)}:${String(sec % 60).padStart(2, "0")}]`;
  };
  const estimateMin = (cells.reduce((a, b) => a + b, 0) * perCell) / 60;

  console.log(
    [
      "# hello-metadata benchmark",
      "",
      `Machine: ${machine.nproc} CPUs (nproc), ${machine.cpuModel}, Linux ${machine.kernel}, ${machine.memoryGiB} GiB; Node ${machine.node}; ${machine.h2load}`,
      `Load average at start: ${loadAverage()}`,
      `Code: ${head}${dirty.length ? ` with ${dirty.length} uncommitted change(s) in server/, metadata/, gen/` : ""}`,
      `Plan: ${rows.length} rows × ${specs.map((s) => s.id).join(" ")}; ${settings.rounds} rounds × ${settings.seconds} s per cell after a ${settings.warmupSeconds} s warm-up round; about ${Math.ceil(estimateMin)} min of load`,
      "",
    ].join("\n"),
  );

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

  // Start every server at once, each pinned to CPU 0.
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
  const servers = specs.filter((s) => running.has(s.id));

  const grid: Cell[] = [];
  for (const row of rows) {
    for (const spec of servers) {
      if (!spec.supports(row)) continue;
      const p = running.get(spec.id) as ServerProcess;
      grid.push({
        row,
        server: spec.id,
        url: row.http === "h2c" ? p.url : p.http1Url,
        runs: [],
        discarded: [],
        warmupErrors: 0,
      });
    }
  }
  const sample = (c: Cell) =>
    checkSample({
      url: c.url,
      row: c.row,
      calls: settings.checkCalls,
      concurrency: Math.min(8, settings.checkCalls),
      userAgent,
    });

  const memory = new Map<ServerId, { peakKiB: number; rssKiB: number }>();
  let pageRuns: PageRun[] = [];
  try {
    if (settings.checkCalls > 0) {
      console.log(`\nchecking ${settings.checkCalls} calls per cell before the load…`);
      for (const c of grid) c.before = await sample(c);
      reportSamples(grid, "before");
    }

    const measure = async (c: Cell, seconds: number) => {
      const p = running.get(c.server) as ServerProcess;
      const quietWaitMs = await waitForQuiet();
      const end = cpuWindow(p.pid);
      const h = await runRow({ url: c.url, row: c.row, seconds, dir });
      return { h, cpu: end(), quietWaitMs };
    };

    if (settings.warmupSeconds > 0) {
      console.log(
        `\nwarm-up round (${settings.warmupSeconds} s per cell, not measured)… ${elapsed()}`,
      );
      for (const c of grid) {
        const { h } = await measure(c, settings.warmupSeconds);
        const { command: _command, ...numbers } = h;
        c.warmup = numbers;
        c.warmupErrors += h2loadFailures(h);
      }
    }

    let retriesLeft = settings.retries;
    for (let round = 1; round <= settings.rounds; round++) {
      console.log(`\nround ${round}/${settings.rounds} (req/s) ${elapsed()}`);
      for (const row of rows) {
        const line: string[] = [];
        for (const c of grid.filter((x) => x.row === row)) {
          let shown = `${c.server}`;
          for (let attempt = 0; ; attempt++) {
            const { h, cpu, quietWaitMs } = await measure(c, settings.seconds);
            const { command: _command, ...numbers } = h;
            const problem = bytesProblem(h, c.before);
            const m: Measurement = {
              round,
              h2load: numbers,
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
      for (const c of grid) c.after = await sample(c);
      reportSamples(grid, "after");
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

  // ------------------------------------------------------------ results
  for (const c of grid) {
    const errors = c.warmupErrors + c.runs.reduce((s, r) => s + r.errors, 0);
    if (errors)
      failures.push(`${c.row.label} ${c.server}: h2load counted ${errors} failed or non-2xx calls`);
    for (const r of c.runs) {
      if (r.bytesProblem)
        failures.push(`${c.row.label} ${c.server} round ${r.round}: ${r.bytesProblem}`);
    }
    for (const s of [c.before, c.after]) {
      if (s && s.ok !== s.calls) {
        failures.push(
          `${c.row.label} ${c.server}: ${s.calls - s.ok} of ${s.calls} checked calls wrong (${Object.entries(
            s.failures,
          )
            .map(([k, n]) => `${n}× ${k}`)
            .join(", ")})`,
        );
      }
    }
  }

  const isClean = (m: Measurement) => m.cpu.cpu0Foreign <= settings.foreignLimit;
  /**
   * The runs a cell's medians use: the clean ones (other work took at most
   * foreignLimit of CPU 0) when at least half the rounds were clean, else all.
   */
  const used = (c: Cell) => {
    const clean = c.runs.filter(isClean);
    return clean.length >= Math.ceil(c.runs.length / 2) ? clean : c.runs;
  };
  const cleanLabel = (c: Cell) => {
    const clean = c.runs.filter(isClean).length;
    return `${clean}/${c.runs.length}${used(c).length === c.runs.length && clean < c.runs.length ? "*" : ""}`;
  };
  const med = (c: Cell | undefined, f: (m: Measurement) => number) =>
    c ? median(used(c).map(f)) : Number.NaN;
  const find = (row: Row, id: ServerId) => grid.find((c) => c.row === row && c.server === id);
  const rps = (m: Measurement) => m.h2load.reqPerSec;

  const tableRows: string[][] = [];
  const jsonRows: unknown[] = [];
  for (const row of rows) {
    const grpcJs = med(find(row, "C"), rps);
    const raw = med(find(row, "D"), rps);
    for (const c of grid.filter((x) => x.row === row)) {
      const spec = serverSpecs.find((s) => s.id === c.server) as ServerSpec;
      const r = med(c, rps);
      const values = used(c).map(rps);
      const spread = (Math.max(...values) - Math.min(...values)) / r;
      const errors = c.warmupErrors + c.runs.reduce((s, m) => s + m.errors, 0);
      tableRows.push([
        row.label,
        spec.name,
        int(r),
        fixed(
          med(c, (m) => m.h2load.p50Ms),
          2,
        ),
        fixed(
          med(c, (m) => m.h2load.p99Ms),
          2,
        ),
        percent(spread),
        cleanLabel(c),
        row.encoding === "grpc" ? ratio(r, grpcJs) : "—",
        ratio(r, raw),
        int(errors),
      ]);
      jsonRows.push({
        row: row.id,
        label: row.label,
        server: c.server,
        serverName: spec.name,
        reqPerSec: r,
        p50Ms: med(c, (m) => m.h2load.p50Ms),
        p99Ms: med(c, (m) => m.h2load.p99Ms),
        spread,
        vsGrpcJs: row.encoding === "grpc" && grpcJs > 0 ? r / grpcJs : null,
        vsRaw: raw > 0 ? r / raw : null,
        errors,
        cleanRuns: c.runs.filter(isClean).length,
        mediansOver: used(c).length === c.runs.length ? "all runs" : "clean runs",
        warmup: c.warmup,
        cpu0ForeignMedian: med(c, (m) => m.cpu.cpu0Foreign),
        serverCpuMedian: med(c, (m) => m.cpu.server),
        cpu1BusyMedian: med(c, (m) => m.cpu.cpu1Busy),
        runs: c.runs,
        discarded: c.discarded,
        checks: { before: c.before, after: c.after },
      });
    }
  }
  const mainTable = markdownTable(
    [
      "protocol",
      "server",
      "req/s",
      "p50 ms",
      "p99 ms",
      "spread",
      "clean",
      "× grpc-js",
      "× raw",
      "errors",
    ],
    tableRows,
  );

  const overheadRows: string[][] = [];
  const overheadJson: unknown[] = [];
  for (const row of rows) {
    const a = find(row, "A");
    const a0 = find(row, "A0");
    if (!a || !a0) continue;
    const ra = med(a, rps);
    const ra0 = med(a0, rps);
    const pa = med(a, (m) => m.h2load.p50Ms);
    const pa0 = med(a0, (m) => m.h2load.p50Ms);
    overheadRows.push([
      row.label,
      int(ra),
      int(ra0),
      signedPercent(1 - ra / ra0),
      fixed(pa, 2),
      fixed(pa0, 2),
      signedPercent(pa / pa0 - 1),
    ]);
    overheadJson.push({
      row: row.id,
      reqPerSecA: ra,
      reqPerSecA0: ra0,
      throughputCost: 1 - ra / ra0,
      p50A: pa,
      p50A0: pa0,
      p50Increase: pa / pa0 - 1,
    });
  }
  const allA = grid.filter((c) => c.server === "A");
  const overheadAll =
    overheadJson.length > 0
      ? median(
          allA.flatMap((c) => {
            const a0 = find(c.row, "A0");
            return a0 ? [1 - med(c, rps) / med(a0, rps)] : [];
          }),
        )
      : Number.NaN;

  const memoryRows = [...memory].map(([id, m]) => [
    (serverSpecs.find((s) => s.id === id) as ServerSpec).name,
    fixed(mib(m.peakKiB), 1),
    fixed(mib(m.rssKiB), 1),
  ]);

  const foreign = grid.flatMap((c) => c.runs.map((r) => r.cpu.cpu0Foreign));
  const cpu1 = grid.flatMap((c) => c.runs.map((r) => r.cpu.cpu1Busy));
  const waits = grid.flatMap((c) => c.runs.map((r) => r.quietWaitMs));
  const discarded = grid.reduce((s, c) => s + c.discarded.length, 0);
  const keptContended = grid.reduce(
    (s, c) => s + c.runs.filter((r) => r.cpu.cpu0Foreign > settings.foreignLimit).length,
    0,
  );
  const checkedCalls = grid.reduce((s, c) => s + (c.before?.calls ?? 0) + (c.after?.calls ?? 0), 0);
  const checkedOk = grid.reduce((s, c) => s + (c.before?.ok ?? 0) + (c.after?.ok ?? 0), 0);
  const h2loadCalls = grid.reduce(
    (s, c) => s + c.runs.reduce((t, r) => t + r.h2load.succeeded, 0),
    0,
  );
  const grpcCells = grid.filter((c) => c.row.encoding === "grpc" || c.row.encoding === "grpc-web");

  const pageMedian = {
    firstResultMs: median(pageRuns.map((r) => r.firstResultMs)),
    clickToResultMs: median(pageRuns.map((r) => r.firstResultMs - r.clickMs)),
    domContentLoadedMs: median(pageRuns.map((r) => r.domContentLoadedMs)),
    loadMs: median(pageRuns.map((r) => r.loadMs)),
  };

  const minutes = (Date.now() - started) / 60_000;
  const exampleCommand = `taskset -c ${loadCpu} h2load -c${shape.connections} -m${shape.streams} -t${shape.threads} -D${settings.seconds} [--h1] -d <body> ${Object.entries(
    requestHeaders("grpc"),
  )
    .map(([k, v]) => `-H '${k}: ${v}'`)
    .join(" ")} --log-file=<file> http://127.0.0.1:PORT${sayHelloPath}`;

  const md: string[] = [
    "# hello-metadata benchmark",
    "",
    `- Machine: ${machine.nproc} CPUs (nproc), ${machine.cpuModel}, Linux ${machine.kernel}, ${machine.memoryGiB} GiB RAM`,
    `- Software: Node ${machine.node}, ${machine.h2load}`,
    `- Code: ${head}${dirty.length ? ` with ${dirty.length} uncommitted change(s) in server/, metadata/, gen/` : ""}; run ${new Date().toISOString()}, took ${fixed(minutes, 1)} min`,
    `- Load: unary SayHello \`{"name":"bench"}\`; h2load -c${shape.connections} -m${shape.streams} -t${shape.threads} pinned to CPU ${loadCpu} (on HTTP/1.1, with \`--h1\`, h2load keeps one call in flight per connection in practice — -m${shape.streams} gives the same req/s and per-request times as -m1 — so HTTP/1.1 rows run ${shape.connections} calls at once and h2c rows ${shape.connections * shape.streams}: compare servers within a row, not rows with each other); every server pinned to CPU ${serverCpu} (\`taskset -c ${serverCpu}\`), all started at once, one under load at a time`,
    `- Rounds: ${settings.rounds} × ${settings.seconds} s per cell after a ${settings.warmupSeconds} s warm-up round, interleaved (${servers.map((s) => s.id).join(" ")} for each row, every row, then again), so drift hits all alike; numbers are medians over rounds`,
    "",
    "Servers:",
    "",
    ...specs.map(
      (s) =>
        `- **${s.name}**: ${s.description}${running.has(s.id) || failures.some((f) => f.startsWith(s.name)) ? "" : " — not run (see notes)"}`,
    ),
    "",
    "## Unary SayHello",
    "",
    mainTable,
    "",
    `req/s as h2load reports it (calls finished within the duration); p50/p99 from h2load's \`--log-file\` (request start to end of response); spread = (max − min) / median of the rounds' req/s; clean = rounds in which other work took at most ${percent(settings.foreignLimit)} of CPU 0 — the medians use only those when they are at least half, else all rounds (marked *); × grpc-js and × raw = req/s over the grpc-js server's and the raw server's on the same row (grpc-js serves gRPC only); errors = h2load's failed + errored + timeout + non-2xx over the warm-up and all rounds (and 1 for a measured run in which no call finished).`,
    "",
  ];
  if (overheadRows.length > 0) {
    md.push(
      "## Metadata overhead (A vs A0)",
      "",
      markdownTable(
        [
          "protocol",
          "A req/s",
          "A0 req/s",
          "throughput cost",
          "A p50 ms",
          "A0 p50 ms",
          "p50 change",
        ],
        overheadRows,
      ),
      "",
      `Throughput cost = 1 − A/A0 (how many fewer calls per second the metadata features cost); median over rows: ${signedPercent(overheadAll)}.`,
      "",
    );
  }
  md.push(
    "## Memory",
    "",
    markdownTable(["server", "peak RSS MiB", "RSS after load MiB"], memoryRows),
    "",
    "Peak RSS = VmHWM from /proc/<pid>/status after the last round (startup included: every server runs under `node --import tsx`); one process per server, both of its ports.",
    "",
  );
  if (bundle || pageRuns.length > 0) {
    const pageRows: string[][] = [];
    if (bundle) {
      pageRows.push([
        "page JavaScript, gzip (zlib default level)",
        `${fixed(bundle.gzipBytes / 1000, 2)} kB`,
      ]);
      pageRows.push(["page JavaScript, raw", `${fixed(bundle.bytes / 1000, 1)} kB`]);
    }
    if (pageRuns.length > 0) {
      pageRows.push(
        [
          `time to first result (navigation start → greeting in #message), median of ${pageRuns.length}`,
          `${fixed(pageMedian.firstResultMs, 0)} ms`,
        ],
        [
          "of which: click → greeting (the call and its rendering)",
          `${fixed(pageMedian.clickToResultMs, 1)} ms`,
        ],
        ["DOMContentLoaded", `${fixed(pageMedian.domContentLoadedMs, 0)} ms`],
        ["load event", `${fixed(pageMedian.loadMs, 0)} ms`],
      );
    }
    md.push(
      "## Browser",
      "",
      markdownTable(["page", "value"], pageRows),
      "",
      `Headless Chromium (Playwright) on CPU ${loadCpu} (it inherits the bench's taskset), on the page served by server A, same origin; a fresh context (empty cache) per load; Playwright fills Name and clicks SayHello as soon as the page is there, so the first line includes its automation steps. Times are the page's own \`performance.now()\` (its origin is navigation start), taken by a MutationObserver when #message got its text. All runs: ${pageRuns.map((r) => fixed(r.firstResultMs, 0)).join(", ") || "—"} ms.`,
      "",
    );
  }
  md.push(
    "## How responses were verified",
    "",
    `- h2load: ${int(h2loadCalls)} calls finished in the measured rounds; failed, errored, timed-out and non-2xx calls are counted for every run (the errors column), and each run's response bytes must fit the size of answers the checking client judged correct (an error answer has another size).`,
    `- Checking client (node:http2 for h2c, node:http for HTTP/1.1, the same bytes and headers as h2load): ${settings.checkCalls} calls per cell before the load and ${settings.checkCalls} after, ${int(checkedOk)} of ${int(checkedCalls)} correct — HTTP 200, the greeting "Hello, bench", the \`response-time\` header, the \`processing-ms\` trailer in the protocol's form, and \`grpc-status: 0\` for gRPC (HTTP/2 trailers, which h2load cannot read) and gRPC-Web (trailer frame) on ${grpcCells.length} cells.`,
    `- Other work on the machine: CPU 0 busy with something other than the server under load: median ${percent(median(foreign), 1)}, max ${percent(Math.max(0, ...foreign), 0)} of a run; CPU 1 (h2load) busy: median ${percent(median(cpu1))}. Before each run the bench waited up to ${settings.quietWaitSeconds} s for both CPUs to be quiet (median wait ${int(median(waits))} ms, ${fixed(quietWaitSpentMs / 1000, 0)} s in all); ${discarded} run(s) where other work took more than ${percent(settings.foreignLimit)} of CPU 0 were redone and left out of the medians, ${keptContended} such run(s) kept (a run is redone at most twice, ${settings.retries} times in all; the medians still leave kept runs out when at least half a cell's rounds are clean). Load average at the end: ${loadAverage()}.`,
    ...(failures.length ? ["", "**Failures:**", "", ...failures.map((f) => `- ${f}`)] : []),
    ...(notes.length ? ["", "Notes:", "", ...notes.map((n) => `- ${n}`)] : []),
    "",
    "Reproduce: `npm run bench` (needs h2load from Debian's nghttp2-client and a Chromium; `npm run bench -- --help` lists the settings). h2load's command line per run:",
    "",
    `    ${exampleCommand}`,
    "",
    "Servers: `" +
      specs.map((s) => serverCommandLine({ ...s, cpu: serverCpu })).join("`, `") +
      "`.",
    "",
  );
  const markdown = md.join("\n");

  console.log(`\n${markdown}`);
  await mkdir(settings.out, { recursive: true });
  await writeFile(join(settings.out, "latest.md"), markdown);
  await writeFile(
    join(settings.out, "latest.json"),
    `${JSON.stringify(
      {
        machine,
        code: { commit: head, uncommittedServerFiles: dirty },
        date: new Date().toISOString(),
        minutes,
        settings: { ...settings, out: undefined, serverCpu, loadCpu, shape },
        servers: specs.map((s) => ({
          id: s.id,
          name: s.name,
          description: s.description,
          command: serverCommandLine({ ...s, cpu: serverCpu }),
          ran: running.has(s.id),
        })),
        rows: jsonRows,
        metadataOverhead: { rows: overheadJson, medianThroughputCost: overheadAll },
        memory: Object.fromEntries([...memory].map(([id, m]) => [id, m])),
        page:
          bundle || pageRuns.length ? { bundle, runs: pageRuns, median: pageMedian } : undefined,
        notes,
        failures,
      },
      (_k, v) => (typeof v === "number" && !Number.isFinite(v) ? null : v),
      2,
    )}\n`,
  );
  console.log(`wrote ${join(settings.out, "latest.md")} and latest.json`);
  console.log(failures.length ? `\nFAIL: ${failures.length} problem(s), listed above` : "\nPASS");
  return failures.length ? 1 : 0;
}

function reportSamples(grid: Cell[], when: "before" | "after"): void {
  let ok = 0;
  let calls = 0;
  for (const c of grid) {
    const s = c[when];
    if (!s) continue;
    ok += s.ok;
    calls += s.calls;
    if (s.ok !== s.calls) {
      console.log(
        `  FAIL ${c.row.label} ${c.server}: ${Object.entries(s.failures)
          .map(([k, n]) => `${n}× ${k}`)
          .join(", ")}`,
      );
    }
  }
  const grpc = grid.filter(
    (c) => c.row.encoding === "grpc" || c.row.encoding === "grpc-web",
  ).length;
  console.log(
    `  ${ok}/${calls} calls correct over ${grid.length} cells (status, greeting, response-time header, processing-ms trailer; grpc-status: 0 read from the trailers on the ${grpc} gRPC and gRPC-Web cells)`,
  );
}

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

main().then(
  (code) => process.exit(code),
  (e: unknown) => {
    console.error(e);
    process.exit(1);
  },
);
