// The benchmark's report: the banner printed before the run, the verdict
// on each cell, the tables (medians over rounds), and latest.md and
// latest.json.
import { mkdir, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { sayHelloPath } from "../../scripts/kit/h2-calls.js";
import { type Code, loadAverage, type Machine } from "../../scripts/kit/machine.js";
import { serverCommandLine } from "../../scripts/kit/server-process.js";
import { type Cell, failureList, type Measured, type Measurement } from "./measure.js";
import { estimatedMinutes, type Plan } from "./plan.js";
import { type ServerId, type ServerSpec, serverSpecs } from "./servers.js";
import { fixed, int, markdownTable, median, mib, percent, ratio, signedPercent } from "./stats.js";
import { type Row, requestHeaders } from "./wire.js";

/** What the report is about: the plan, where it ran, what it measured, and when. */
export interface ReportInput {
  readonly plan: Plan;
  readonly machine: Machine;
  readonly code: Code;
  readonly measured: Measured;
  /** `Date.now()` when the run started. */
  readonly startedAt: number;
}

/** A finished report. */
export interface Report {
  readonly markdown: string;
  /** latest.json's text. */
  readonly json: string;
  /** Everything that went wrong; the run fails when there is any. */
  readonly failures: readonly string[];
}

/** The lines printed before the run: machine, load, code, and the plan with its duration. */
export function banner(plan: Plan, machine: Machine, code: Code): string {
  const { settings, rows, specs } = plan;
  return [
    "# hello-metadata benchmark",
    "",
    `Machine: ${machine.nproc} CPUs (nproc), ${machine.cpuModel}, Linux ${machine.kernel}, ${machine.memoryGiB} GiB; Node ${machine.node}; ${machine.h2load}`,
    `Load average at start: ${loadAverage()}`,
    `Code: ${codeLine(code)}`,
    `Plan: ${rows.length} rows × ${specs.map((s) => s.id).join(" ")}; ${settings.rounds} rounds × ${settings.seconds} s per cell after a ${settings.warmupSeconds} s warm-up round; about ${Math.ceil(estimatedMinutes(plan))} min of load`,
    "",
  ].join("\n");
}

/**
 * What the cells show went wrong: h2load errors, response bytes that do
 * not fit the checked answers, checked calls that were wrong.
 */
export function cellFailures(grid: readonly Cell[]): string[] {
  const failures: string[] = [];
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
          `${c.row.label} ${c.server}: ${s.calls - s.ok} of ${s.calls} checked calls wrong (${failureList(s)})`,
        );
      }
    }
  }
  return failures;
}

/** Builds latest.md and latest.json from a finished run. */
export function buildReport(input: ReportInput): Report {
  const { plan, machine, code, measured } = input;
  const { settings, rows, specs, serverCpu, loadCpu, shape } = plan;
  const { grid, memory, bundle, pageRuns, notes } = measured;
  const failures = [...measured.failures, ...cellFailures(grid)];
  const ran = new Set(measured.servers.map((s) => s.id));
  const m = medians(grid, settings.foreignLimit);
  const unary = unaryRows(rows, grid, m);
  const overhead = overheadRows(rows, m);

  const memoryRows = [...memory].map(([id, mem]) => [
    specOf(id).name,
    fixed(mib(mem.peakKiB), 1),
    fixed(mib(mem.rssKiB), 1),
  ]);
  const pageMedian = {
    firstResultMs: median(pageRuns.map((r) => r.firstResultMs)),
    clickToResultMs: median(pageRuns.map((r) => r.firstResultMs - r.clickMs)),
    domContentLoadedMs: median(pageRuns.map((r) => r.domContentLoadedMs)),
    loadMs: median(pageRuns.map((r) => r.loadMs)),
  };
  const date = new Date().toISOString();
  const minutes = (Date.now() - input.startedAt) / 60_000;
  const command = (s: ServerSpec) => serverCommandLine({ ...s, cpu: serverCpu });

  const md: string[] = [
    "# hello-metadata benchmark",
    "",
    `- Machine: ${machine.nproc} CPUs (nproc), ${machine.cpuModel}, Linux ${machine.kernel}, ${machine.memoryGiB} GiB RAM`,
    `- Software: Node ${machine.node}, ${machine.h2load}`,
    `- Code: ${codeLine(code)}; run ${date}, took ${fixed(minutes, 1)} min`,
    `- Load: unary SayHello \`{"name":"bench"}\`; h2load -c${shape.connections} -m${shape.streams} -t${shape.threads} pinned to CPU ${loadCpu} (on HTTP/1.1, with \`--h1\`, h2load keeps one call in flight per connection in practice — -m${shape.streams} gives the same req/s and per-request times as -m1 — so HTTP/1.1 rows run ${shape.connections} calls at once and h2c rows ${shape.connections * shape.streams}: compare servers within a row, not rows with each other); every server pinned to CPU ${serverCpu} (\`taskset -c ${serverCpu}\`), all started at once, one under load at a time`,
    `- Rounds: ${settings.rounds} × ${settings.seconds} s per cell after a ${settings.warmupSeconds} s warm-up round, interleaved (${measured.servers.map((s) => s.id).join(" ")} for each row, every row, then again), so drift hits all alike; numbers are medians over rounds`,
    "",
    "Servers:",
    "",
    ...specs.map(
      (s) =>
        `- **${s.name}**: ${s.description}${ran.has(s.id) || failures.some((f) => f.startsWith(s.name)) ? "" : " — not run (see notes)"}`,
    ),
    "",
    "## Unary SayHello",
    "",
    markdownTable(
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
      unary.table,
    ),
    "",
    `req/s as h2load reports it (calls finished within the duration); p50/p99 from h2load's \`--log-file\` (request start to end of response); spread = (max − min) / median of the rounds' req/s; clean = rounds in which other work took at most ${percent(settings.foreignLimit)} of CPU 0 — the medians use only those when they are at least half, else all rounds (marked *); × grpc-js and × raw = req/s over the grpc-js server's and the raw server's on the same row (grpc-js serves gRPC only); errors = h2load's failed + errored + timeout + non-2xx over the warm-up and all rounds (and 1 for a measured run in which no call finished).`,
    "",
  ];
  if (overhead.table.length > 0) {
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
        overhead.table,
      ),
      "",
      `Throughput cost = 1 − A/A0 (how many fewer calls per second the metadata features cost); median over rows: ${signedPercent(overhead.medianCost)}.`,
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
    ...verificationSection(plan, measured),
    ...(failures.length ? ["", "**Failures:**", "", ...failures.map((f) => `- ${f}`)] : []),
    ...(notes.length ? ["", "Notes:", "", ...notes.map((n) => `- ${n}`)] : []),
    "",
    "Reproduce: `npm run bench` (needs h2load from Debian's nghttp2-client and a Chromium; `npm run bench -- --help` lists the settings). h2load's command line per run:",
    "",
    `    ${exampleH2loadCommand(plan)}`,
    "",
    `Servers: \`${specs.map(command).join("`, `")}\`.`,
    "",
  );

  const json = `${JSON.stringify(
    {
      machine,
      code,
      date,
      minutes,
      settings: { ...settings, out: undefined, serverCpu, loadCpu, shape },
      servers: specs.map((s) => ({
        id: s.id,
        name: s.name,
        description: s.description,
        command: command(s),
        ran: ran.has(s.id),
      })),
      rows: unary.json,
      metadataOverhead: { rows: overhead.json, medianThroughputCost: overhead.medianCost },
      memory: Object.fromEntries([...memory].map(([id, mem]) => [id, mem])),
      page: bundle || pageRuns.length ? { bundle, runs: pageRuns, median: pageMedian } : undefined,
      notes,
      failures,
    },
    (_k, v) => (typeof v === "number" && !Number.isFinite(v) ? null : v),
    2,
  )}\n`;
  return { markdown: md.join("\n"), json, failures };
}

/** Writes latest.md and latest.json into `out` (created if missing). */
export async function writeReport(out: string, report: Report): Promise<void> {
  await mkdir(out, { recursive: true });
  await writeFile(join(out, "latest.md"), report.markdown);
  await writeFile(join(out, "latest.json"), report.json);
}

function codeLine(code: Code): string {
  const dirty = code.uncommittedServerFiles.length;
  return `${code.commit}${dirty ? ` with ${dirty} uncommitted change(s) in server/, metadata/, gen/` : ""}`;
}

function specOf(id: ServerId): ServerSpec {
  return serverSpecs.find((s) => s.id === id) as ServerSpec;
}

/** A cell's medians over the runs it counts. */
interface Medians {
  /** The median of `f` over the runs `c` counts; NaN for a missing cell. */
  med(c: Cell | undefined, f: (m: Measurement) => number): number;
  /** The runs a cell's medians use. */
  used(c: Cell): Measurement[];
  isClean(m: Measurement): boolean;
  /** `clean/all`, with `*` when the medians use all runs because too few were clean. */
  cleanLabel(c: Cell): string;
  find(row: Row, id: ServerId): Cell | undefined;
}

function medians(grid: readonly Cell[], foreignLimit: number): Medians {
  const isClean = (m: Measurement) => m.cpu.cpu0Foreign <= foreignLimit;
  // The clean runs (other work took at most foreignLimit of CPU 0) when at
  // least half the rounds were clean, else all.
  const used = (c: Cell) => {
    const clean = c.runs.filter(isClean);
    return clean.length >= Math.ceil(c.runs.length / 2) ? clean : c.runs;
  };
  return {
    isClean,
    used,
    med: (c, f) => (c ? median(used(c).map(f)) : Number.NaN),
    cleanLabel: (c) => {
      const clean = c.runs.filter(isClean).length;
      return `${clean}/${c.runs.length}${used(c).length === c.runs.length && clean < c.runs.length ? "*" : ""}`;
    },
    find: (row, id) => grid.find((c) => c.row === row && c.server === id),
  };
}

const rps = (m: Measurement) => m.h2load.reqPerSec;
const p50 = (m: Measurement) => m.h2load.p50Ms;
const p99 = (m: Measurement) => m.h2load.p99Ms;

/** The main table's rows and latest.json's `rows`: every cell, row by row. */
function unaryRows(
  rows: readonly Row[],
  grid: readonly Cell[],
  m: Medians,
): { table: string[][]; json: unknown[] } {
  const table: string[][] = [];
  const json: unknown[] = [];
  for (const row of rows) {
    const grpcJs = m.med(m.find(row, "C"), rps);
    const raw = m.med(m.find(row, "D"), rps);
    for (const c of grid.filter((x) => x.row === row)) {
      const spec = specOf(c.server);
      const r = m.med(c, rps);
      const values = m.used(c).map(rps);
      const spread = (Math.max(...values) - Math.min(...values)) / r;
      const errors = c.warmupErrors + c.runs.reduce((s, run) => s + run.errors, 0);
      table.push([
        row.label,
        spec.name,
        int(r),
        fixed(m.med(c, p50), 2),
        fixed(m.med(c, p99), 2),
        percent(spread),
        m.cleanLabel(c),
        row.encoding === "grpc" ? ratio(r, grpcJs) : "—",
        ratio(r, raw),
        int(errors),
      ]);
      json.push({
        row: row.id,
        label: row.label,
        server: c.server,
        serverName: spec.name,
        reqPerSec: r,
        p50Ms: m.med(c, p50),
        p99Ms: m.med(c, p99),
        spread,
        vsGrpcJs: row.encoding === "grpc" && grpcJs > 0 ? r / grpcJs : null,
        vsRaw: raw > 0 ? r / raw : null,
        errors,
        cleanRuns: c.runs.filter(m.isClean).length,
        mediansOver: m.used(c).length === c.runs.length ? "all runs" : "clean runs",
        warmup: c.warmup,
        cpu0ForeignMedian: m.med(c, (x) => x.cpu.cpu0Foreign),
        serverCpuMedian: m.med(c, (x) => x.cpu.server),
        cpu1BusyMedian: m.med(c, (x) => x.cpu.cpu1Busy),
        runs: c.runs,
        discarded: c.discarded,
        checks: { before: c.before, after: c.after },
      });
    }
  }
  return { table, json };
}

/** A against A0 per row, and the median throughput cost over all rows. */
function overheadRows(
  rows: readonly Row[],
  m: Medians,
): { table: string[][]; json: unknown[]; medianCost: number } {
  const table: string[][] = [];
  const json: unknown[] = [];
  const costs: number[] = [];
  for (const row of rows) {
    const a = m.find(row, "A");
    const a0 = m.find(row, "A0");
    if (!a || !a0) continue;
    const ra = m.med(a, rps);
    const ra0 = m.med(a0, rps);
    const pa = m.med(a, p50);
    const pa0 = m.med(a0, p50);
    costs.push(1 - ra / ra0);
    table.push([
      row.label,
      int(ra),
      int(ra0),
      signedPercent(1 - ra / ra0),
      fixed(pa, 2),
      fixed(pa0, 2),
      signedPercent(pa / pa0 - 1),
    ]);
    json.push({
      row: row.id,
      reqPerSecA: ra,
      reqPerSecA0: ra0,
      throughputCost: 1 - ra / ra0,
      p50A: pa,
      p50A0: pa0,
      p50Increase: pa / pa0 - 1,
    });
  }
  return { table, json, medianCost: json.length > 0 ? median(costs) : Number.NaN };
}

/** "How responses were verified": h2load's counts, the checking client, other work on the machine. */
function verificationSection(plan: Plan, measured: Measured): string[] {
  const { settings } = plan;
  const { grid } = measured;
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
  return [
    "## How responses were verified",
    "",
    `- h2load: ${int(h2loadCalls)} calls finished in the measured rounds; failed, errored, timed-out and non-2xx calls are counted for every run (the errors column), and each run's response bytes must fit the size of answers the checking client judged correct (an error answer has another size).`,
    `- Checking client (node:http2 for h2c, node:http for HTTP/1.1, the same bytes and headers as h2load): ${settings.checkCalls} calls per cell before the load and ${settings.checkCalls} after, ${int(checkedOk)} of ${int(checkedCalls)} correct — HTTP 200, the greeting "Hello, bench", the \`response-time\` header, the \`processing-ms\` trailer in the protocol's form, and \`grpc-status: 0\` for gRPC (HTTP/2 trailers, which h2load cannot read) and gRPC-Web (trailer frame) on ${grpcCells.length} cells.`,
    `- Other work on the machine: CPU 0 busy with something other than the server under load: median ${percent(median(foreign), 1)}, max ${percent(Math.max(0, ...foreign), 0)} of a run; CPU 1 (h2load) busy: median ${percent(median(cpu1))}. Before each run the bench waited up to ${settings.quietWaitSeconds} s for both CPUs to be quiet (median wait ${int(median(waits))} ms, ${fixed(measured.quietWaitSpentMs / 1000, 0)} s in all); ${discarded} run(s) where other work took more than ${percent(settings.foreignLimit)} of CPU 0 were redone and left out of the medians, ${keptContended} such run(s) kept (a run is redone at most twice, ${settings.retries} times in all; the medians still leave kept runs out when at least half a cell's rounds are clean). Load average at the end: ${loadAverage()}.`,
  ];
}

/** h2load's command line per run, with placeholders for the body, the log and the port. */
function exampleH2loadCommand(plan: Plan): string {
  const { shape, loadCpu, settings } = plan;
  const headers = Object.entries(requestHeaders("grpc"))
    .map(([k, v]) => `-H '${k}: ${v}'`)
    .join(" ");
  return `taskset -c ${loadCpu} h2load -c${shape.connections} -m${shape.streams} -t${shape.threads} -D${settings.seconds} [--h1] -d <body> ${headers} --log-file=<file> http://127.0.0.1:PORT${sayHelloPath}`;
}
