// The benchmark's report: the banner printed before the run, the verdict
// on each cell, the tables per Node version (medians over rounds), the
// targets, and latest.md and latest.json.
import { mkdir, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { sayHelloPath } from "../../scripts/kit/h2-calls.js";
import { type Code, loadAverage, type Machine } from "../../scripts/kit/machine.js";
import type { QuietWaiter } from "./cpu.js";
import {
  type Cell,
  failureList,
  type LatencyRun,
  type Measured,
  type Measurement,
  streamRow,
  streamShape,
} from "./measure.js";
import type { BundleSize } from "./page.js";
import { estimatedMinutes, type Plan } from "./plan.js";
import { type ServerId, type ServerSpec, specOf } from "./servers.js";
import { fixed, int, markdownTable, median, percent, ratio, signedPercent } from "./stats.js";
import { streamCount } from "./stream.js";
import { type Row, requestHeaders } from "./wire.js";
/** What the report is about: the plan, where it ran, what each Node pass measured, and when. */
export interface ReportInput {
  readonly plan: Plan;
  readonly machine: Machine;
  readonly code: Code;
  readonly passes: readonly Measured[];
  readonly bundle: BundleSize | undefined;
  /** `Date.now()` when the run started. */
  readonly startedAt: number;
  readonly quiet: QuietWaiter;
}

/** A finished report. */
export interface Report {
  readonly markdown: string;
  /** latest.json's text. */
  readonly json: string;
  /** Everything that went wrong; the run fails when there is any. */
  readonly failures: readonly string[];
  /** `5 PASS, 3 MISS, 1 not measured`. */
  readonly targetsLine: string;
}

/** The lines printed before the run: machine, load, code, and the plan with its duration. */
export function banner(plan: Plan, machine: Machine, code: Code): string {
  const { settings, rows, specs, nodes } = plan;
  return [
    "# hello-metadata benchmark",
    "",
    `Machine: ${machine.nproc} CPUs (nproc), ${machine.cpuModel}, Linux ${machine.kernel}, ${machine.memoryGiB} GiB; bench on Node ${machine.node}; ${machine.h2load}`,
    `Load average at start: ${loadAverage()}`,
    `Code: ${codeLine(code)}`,
    `Plan: servers on Node ${nodes.map((n) => n.version).join(" and ")}; ${rows.length} unary rows × ${specs.map((s) => s.id).join(" ")}, ${settings.rounds} rounds × ${settings.seconds} s per cell after a ${settings.warmupSeconds} s warm-up round; streaming ${settings.streamSeconds} s, fixed-load latency ${settings.latencySeconds} s per round; ${int(settings.allocCalls)} calls counted for allocations; about ${Math.ceil(estimatedMinutes(plan))} min of load${settings.quick ? " (--quick: the numbers say the harness works, nothing more)" : ""}`,
    "",
  ].join("\n");
}

/**
 * What the cells show went wrong: h2load errors, response bytes that do
 * not fit the checked answers, checked calls that were wrong.
 */
export function cellFailures(grid: readonly Cell[], node: string): string[] {
  const failures: string[] = [];
  for (const c of grid) {
    const where = `Node ${node} ${c.row.label} ${c.server}`;
    const errors = c.warmupErrors + c.runs.reduce((s, r) => s + r.errors, 0);
    if (errors) failures.push(`${where}: h2load counted ${errors} failed or non-2xx calls`);
    for (const r of c.runs) {
      if (r.bytesProblem) failures.push(`${where} round ${r.round}: ${r.bytesProblem}`);
    }
    for (const s of [c.before, c.after]) {
      if (s && s.ok !== s.calls) {
        failures.push(
          `${where}: ${s.calls - s.ok} of ${s.calls} checked calls wrong (${failureList(s)})`,
        );
      }
    }
  }
  return failures;
}

/** One line of the targets table. */
interface Target {
  readonly target: string;
  readonly node: string;
  readonly measured: string;
  /** undefined when it was not measured. */
  readonly pass: boolean | undefined;
}

/** Builds latest.md and latest.json from a finished run. */
export function buildReport(input: ReportInput): Report {
  const { plan, machine, code, passes, bundle } = input;
  const { settings, rows, specs, serverCpu, loadCpu, shape } = plan;
  const failures = [
    ...passes.flatMap((p) => [...p.failures, ...cellFailures(p.grid, p.node.label)]),
  ];
  const notes = passes.flatMap((p) => p.notes.map((n) => `Node ${p.node.label}: ${n}`));
  const date = new Date().toISOString();
  const minutes = (Date.now() - input.startedAt) / 60_000;
  const pageRuns = passes.flatMap((p) => p.pageRuns);
  const pageMedian = {
    firstResultMs: median(pageRuns.map((r) => r.firstResultMs)),
    clickToResultMs: median(pageRuns.map((r) => r.firstResultMs - r.clickMs)),
    domContentLoadedMs: median(pageRuns.map((r) => r.domContentLoadedMs)),
    loadMs: median(pageRuns.map((r) => r.loadMs)),
  };
  const command = (s: ServerSpec) =>
    `taskset -c ${serverCpu} node ${s.entry} --port 0 --host 127.0.0.1${s.args.length ? ` ${s.args.join(" ")}` : ""}${
      Object.keys(s.env).length
        ? ` (${Object.entries(s.env)
            .map(([k, v]) => `${k}=${v}`)
            .join(" ")}, stdout to a file)`
        : " (stdout to a file)"
    }`;

  const md: string[] = [
    "# hello-metadata benchmark",
    "",
    `- Machine: ${machine.nproc} CPUs (nproc), ${machine.cpuModel}, Linux ${machine.kernel}, ${machine.memoryGiB} GiB RAM`,
    `- Software: servers on Node ${passes.map((p) => p.node.version).join(" and ")} (one pass each, in that order); the bench and its clients on Node ${machine.node}; ${machine.h2load}`,
    `- Code: ${codeLine(code)}; run ${date}, took ${fixed(minutes, 1)} min${settings.quick ? "; **--quick run: 1 round of 1 s cells — the numbers say the harness works, not how fast anything is**" : ""}`,
    `- Load: unary SayHello \`{"name":"bench"}\`; h2load -c${shape.connections} -m${shape.streams} -t${shape.threads} pinned to CPU ${loadCpu} (on HTTP/1.1, with \`--h1\`, h2load keeps one call in flight per connection in practice, so HTTP/1.1 rows run ${shape.connections} calls at once and h2c rows ${shape.connections * shape.streams}: compare servers within a row, not rows with each other); every server pinned to CPU ${serverCpu} (\`taskset -c ${serverCpu}\`), all of one Node version started at once, one under load at a time`,
    `- Rounds: ${settings.rounds} × ${settings.seconds} s per cell (streaming ${settings.streamSeconds} s) after a ${settings.warmupSeconds} s warm-up round, interleaved (every server for each row, every row, then again), so drift hits all alike; numbers are medians over rounds`,
    "",
    "Servers (each run as `node <file>` — built JavaScript, no tsx — on each Node version):",
    "",
    ...specs.map((s) => `- **${s.name}**: ${s.description}`),
    "",
  ];
  const targets: Target[] = [];
  const jsonPasses: unknown[] = [];
  for (const pass of passes) {
    const section = passSection(plan, pass);
    md.push(...section.markdown);
    targets.push(...section.targets);
    jsonPasses.push(section.json);
  }
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
      pageRuns.length > 0
        ? `Headless Chromium (Playwright) on CPU ${loadCpu} (it inherits the bench's taskset), on the page served by server A on Node ${passes[0]?.node.version}, same origin; a fresh context (empty cache) per load; Playwright fills Name and clicks SayHello as soon as the page is there, so the first line includes its automation steps. Times are the page's own \`performance.now()\` (its origin is navigation start), taken by a MutationObserver when #message got its text. All runs: ${pageRuns.map((r) => fixed(r.firstResultMs, 0)).join(", ")} ms.`
        : "The page's JavaScript is every .js file in dist/web/assets (vite build), gzipped at zlib's default level.",
      "",
    );
  }
  targets.push({
    target: "page JavaScript ≤ 40 kB gzip",
    node: "—",
    measured: bundle ? `${fixed(bundle.gzipBytes / 1000, 2)} kB` : "—",
    pass: bundle ? bundle.gzipBytes <= 40_000 : undefined,
  });
  md.push(
    ...verificationSection(plan, passes, input.quiet),
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
  const verdict = (t: Target) => (t.pass === undefined ? "not measured" : t.pass ? "PASS" : "MISS");
  const count = (v: string) => targets.filter((t) => verdict(t) === v).length;
  const targetsLine = `${count("PASS")} PASS, ${count("MISS")} MISS${count("not measured") ? `, ${count("not measured")} not measured` : ""}`;
  md.push(
    "## Targets",
    "",
    markdownTable(
      ["target", "Node", "measured", "verdict"],
      targets.map((t) => [t.target, t.node, t.measured, verdict(t)]),
    ),
    "",
    `${targetsLine}. A missed target is reported here, not a failure of the run${settings.quick ? "; in a --quick run they mean nothing" : ""}.`,
    "",
  );

  const json = `${JSON.stringify(
    {
      machine,
      code,
      date,
      minutes,
      settings: { ...settings, out: undefined, serverCpu, loadCpu, shape },
      nodes: passes.map((p) => p.node),
      servers: specs.map((s) => ({
        id: s.id,
        name: s.name,
        description: s.description,
        command: command(s),
      })),
      rows: rows.map((r) => r.id),
      passes: jsonPasses,
      page: bundle || pageRuns.length ? { bundle, runs: pageRuns, median: pageMedian } : undefined,
      targets: targets.map((t) => ({ ...t, verdict: verdict(t) })),
      notes,
      failures,
    },
    (_k, v) => (typeof v === "number" && !Number.isFinite(v) ? null : v),
    2,
  )}\n`;
  return { markdown: md.join("\n"), json, failures, targetsLine };
}

/** One Node version's tables, its targets, and its part of latest.json. */
function passSection(
  plan: Plan,
  pass: Measured,
): { markdown: string[]; targets: Target[]; json: unknown } {
  const { settings, rows } = plan;
  const { grid, memory, alloc, latency, node } = pass;
  const m = medians(grid, settings.foreignLimit);
  const unary = unaryRows(rows, grid, m);
  const metadata = overheadRows(rows, m, "A0");
  const logging = overheadRows(rows, m, "A-quiet");
  const targets: Target[] = [];
  const n = node.label;
  const md: string[] = [
    `## Node ${node.version}`,
    "",
    "### Unary SayHello",
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
    `req/s as h2load reports it (calls finished within the duration); p50/p99 from h2load's \`--log-file\` (request start to end of response, closed loop at saturation — see the fixed-load table for latency); spread = (max − min) / median of the rounds' req/s; clean = rounds in which other work took at most ${percent(settings.foreignLimit)} of CPU 0 — the medians use only those when they are at least half, else all rounds (marked *); × grpc-js and × raw = req/s over the grpc-js server's and the raw server's on the same row; errors = h2load's failed + errored + timeout + non-2xx over the warm-up and all rounds.`,
    "",
  ];
  for (const [title, o, other] of [
    ["Metadata overhead (A vs A0, `--metadata off`)", metadata, "A0"],
    ["Logging overhead (A vs A-quiet, LOG_LEVEL=warn)", logging, "A-quiet"],
  ] as const) {
    if (o.table.length === 0) continue;
    md.push(
      `### ${title}`,
      "",
      markdownTable(
        [
          "protocol",
          "A req/s",
          `${other} req/s`,
          "throughput cost",
          "A p50 ms",
          `${other} p50 ms`,
          "p50 change",
        ],
        o.table,
      ),
      "",
      `Throughput cost = 1 − A/${other}; median over rows: ${signedPercent(o.medianCost)}.`,
      "",
    );
  }

  const grpcRow = rows.find((r) => r.id === "grpc-h2c");
  const jsonRow = rows.find((r) => r.id === "connect-json-h2c");
  const rpsOf = (row: Row | undefined, id: ServerId) =>
    row ? m.med(m.find(row, id), rps) : Number.NaN;
  const versus = (a: number, b: number, want: number, what: string) => {
    const measured = Number.isFinite(a) && Number.isFinite(b) && b > 0;
    targets.push({
      target: what,
      node: n,
      measured: measured ? `${ratio(a, b)} (${int(a)} vs ${int(b)} req/s)` : "—",
      pass: measured ? a / b >= want : undefined,
    });
  };
  versus(rpsOf(grpcRow, "A"), rpsOf(grpcRow, "C"), 1.0, "gRPC unary (h2c): A ≥ 1.0× C grpc-js");
  versus(rpsOf(jsonRow, "A"), rpsOf(jsonRow, "D"), 0.6, "Connect JSON unary (h2c): A ≥ 0.6× D raw");
  for (const [o, what] of [
    [metadata, "metadata cost (1 − A/A0, median over rows) ≤ 5%"],
    [logging, "logging cost (1 − A/A-quiet, median over rows) ≤ 5%"],
  ] as const) {
    const ok = Number.isFinite(o.medianCost);
    targets.push({
      target: what,
      node: n,
      measured: ok ? signedPercent(o.medianCost) : "—",
      pass: ok ? o.medianCost <= 0.05 : undefined,
    });
  }

  // Fixed-load latency.
  const latMed = (id: ServerId, f: (r: LatencyRun) => number) =>
    median((latency.find((c) => c.server === id)?.runs ?? []).map(f));
  if (latency.length > 0) {
    md.push(
      `### Latency at a fixed load: ${int(pass.latencyRate)} calls/s, gRPC unary (h2c)`,
      "",
      markdownTable(
        [
          "server",
          "p50 ms",
          "p99 ms",
          "p99.9 ms",
          "max ms",
          "achieved calls/s",
          "client lag p99 ms",
          "errors",
          "not sent",
        ],
        latency.map((c) => [
          specOf(c.server).name,
          fixed(
            latMed(c.server, (r) => r.p50Ms),
            2,
          ),
          fixed(
            latMed(c.server, (r) => r.p99Ms),
            2,
          ),
          fixed(
            latMed(c.server, (r) => r.p999Ms),
            2,
          ),
          fixed(
            latMed(c.server, (r) => r.maxMs),
            1,
          ),
          int(latMed(c.server, (r) => r.achievedRate)),
          fixed(
            latMed(c.server, (r) => r.sendLagP99Ms),
            2,
          ),
          int(c.runs.reduce((s, r) => s + r.errors, 0)),
          int(c.runs.reduce((s, r) => s + r.skipped, 0)),
        ]),
      ),
      "",
      `Open loop: an offered load of ${percent(settings.latencyLoadShare)} of grpc-js's gRPC req/s on this Node version (median of its rounds above), below saturation, the same rate for every server; the client (\`bench/lib/open-loop-client.ts\`, node:http2, ${plan.shape.connections} connections, pinned to CPU ${plan.loadCpu}) sends each call when it is due whatever the server does, and times it from when it was due, so a stall is charged to every call it delays (no coordinated omission). ${settings.rounds} rounds × ${settings.latencySeconds} s per server after 1 s not counted, interleaved; medians over rounds of each percentile. Client lag = how late the client sent calls after they were due (its own share of the times). A call counts when it is HTTP 200 with grpc-status 0 and the greeting; not sent = calls skipped because ${int(plan.shape.connections * 100)} were in flight (saturation).`,
      "",
    );
    const a = latMed("A", (r) => r.p99Ms);
    const c = latMed("C", (r) => r.p99Ms);
    const ok = Number.isFinite(a) && Number.isFinite(c);
    targets.push({
      target: `p99 at a fixed load (${int(pass.latencyRate)} calls/s): A ≤ C grpc-js`,
      node: n,
      measured: ok ? `${fixed(a, 2)} vs ${fixed(c, 2)} ms` : "—",
      pass: ok ? a <= c : undefined,
    });
  } else {
    targets.push({
      target: "p99 at a fixed load: A ≤ C grpc-js",
      node: n,
      measured: "—",
      pass: undefined,
    });
  }

  // Streaming.
  const streamCells = grid.filter((c) => c.row === streamRow);
  if (streamCells.length > 0) {
    const msgs = (c: Cell) => m.med(c, rps) * streamCount;
    const cOf = (id: ServerId) => streamCells.find((c) => c.server === id);
    md.push(
      `### Server streaming: SayHelloStream, ${streamCount} greetings per call, interval_ms 0 (gRPC h2c)`,
      "",
      markdownTable(
        ["server", "messages/s", "calls/s", "spread", "clean", "× grpc-js", "× raw", "errors"],
        streamCells.map((c) => {
          const values = m.used(c).map(rps);
          return [
            specOf(c.server).name,
            int(msgs(c)),
            int(m.med(c, rps)),
            percent((Math.max(...values) - Math.min(...values)) / m.med(c, rps)),
            m.cleanLabel(c),
            ratio(msgs(c), cOf("C") ? msgs(cOf("C") as Cell) : Number.NaN),
            ratio(msgs(c), cOf("D") ? msgs(cOf("D") as Cell) : Number.NaN),
            int(c.warmupErrors + c.runs.reduce((s, r) => s + r.errors, 0)),
          ];
        }),
      ),
      "",
      `h2load -c${streamShape.connections} -m${streamShape.streams} -t${streamShape.threads} (${streamShape.connections * streamShape.streams} calls in flight), each call a SayHelloStream of ${streamCount} greetings with interval_ms set to 0 (no wait); messages/s = calls/s × ${streamCount}. The checking client reads whole answers before and after (all ${streamCount} greetings in order, response-time, grpc-status 0, processing-ms), and each run's response bytes must fit them.`,
      "",
    );
    const a = cOf("A") ? msgs(cOf("A") as Cell) : Number.NaN;
    const c = cOf("C") ? msgs(cOf("C") as Cell) : Number.NaN;
    versusStream(targets, n, a, c);
  } else {
    versusStream(targets, n, Number.NaN, Number.NaN);
  }

  // Memory.
  const mb = (kib: number) => (kib * 1024) / 1e6;
  md.push(
    "### Memory under load",
    "",
    markdownTable(
      ["server", "peak RSS MB (VmHWM)", "RSS at end of load MB (max)"],
      [...memory].map(([id, mem]) => [
        specOf(id).name,
        fixed(mb(mem.peakKiB), 1),
        fixed(mb(mem.endOfLoadMaxKiB), 1),
      ]),
    ),
    "",
    "From /proc/<pid>/status: VmHWM after all of this Node version's load (startup included; plain node on built JavaScript), and the largest VmRSS read as each of the server's load runs ended. MB = 10⁶ bytes. One process per server, all its ports.",
    "",
  );
  const aMem = memory.get("A");
  targets.push({
    target: "A peak RSS under load ≤ 120 MB",
    node: n,
    measured: aMem ? `${fixed(mb(aMem.peakKiB), 1)} MB` : "—",
    pass: aMem ? aMem.peakKiB * 1024 <= 120e6 : undefined,
  });

  // Allocation.
  if (alloc.size > 0) {
    md.push(
      "### Bytes allocated per call (gRPC unary)",
      "",
      markdownTable(
        ["server", "KB/call", "MB allocated", "collections", "calls"],
        [...alloc].map(([id, a]) => [
          specOf(id).name,
          fixed(a.bytesPerCall / 1024, 2),
          fixed(a.bytes / 1e6, 0),
          int(a.collections),
          int(a.calls),
        ]),
      ),
      "",
      `Each server alone, after the load, under \`node --trace-gc-nvp\` (one line per garbage collection, with \`allocated=\`: the JavaScript heap bytes allocated since the collection before); ${int(settings.allocCalls)} gRPC calls to warm up, then ${int(settings.allocCalls)} counted (h2load, same shape): the sum of \`allocated\` over the collections printed meanwhile, over the calls (KB = 1,024 bytes). Off by at most about one young generation at either end; V8 heap only (Buffer contents live outside it).`,
      "",
    );
  }

  return {
    markdown: md,
    targets,
    json: {
      node,
      unary: unary.json,
      metadataOverhead: { rows: metadata.json, medianThroughputCost: metadata.medianCost },
      loggingOverhead: { rows: logging.json, medianThroughputCost: logging.medianCost },
      latency: { rate: pass.latencyRate, servers: latency },
      streaming: streamCells.map((c) => ({
        server: c.server,
        messagesPerSec: m.med(c, rps) * streamCount,
        runs: c.runs,
        checks: { before: c.before, after: c.after },
      })),
      memory: Object.fromEntries(memory),
      alloc: Object.fromEntries(alloc),
    },
  };
}

function versusStream(targets: Target[], n: string, a: number, c: number): void {
  const ok = Number.isFinite(a) && Number.isFinite(c) && c > 0;
  targets.push({
    target: "streaming messages/s: A ≥ C grpc-js",
    node: n,
    measured: ok ? `${ratio(a, c)} (${int(a)} vs ${int(c)})` : "—",
    pass: ok ? a >= c : undefined,
  });
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

/** A against `other` (A0 or A-quiet) per row, and the median throughput cost over all rows. */
function overheadRows(
  rows: readonly Row[],
  m: Medians,
  other: ServerId,
): { table: string[][]; json: unknown[]; medianCost: number } {
  const table: string[][] = [];
  const json: unknown[] = [];
  const costs: number[] = [];
  for (const row of rows) {
    const a = m.find(row, "A");
    const a0 = m.find(row, other);
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
      reqPerSecOther: ra0,
      throughputCost: 1 - ra / ra0,
      p50A: pa,
      p50Other: pa0,
      p50Increase: pa / pa0 - 1,
    });
  }
  return { table, json, medianCost: json.length > 0 ? median(costs) : Number.NaN };
}

/** "How responses were verified": h2load's counts, the checking clients, other work on the machine. */
function verificationSection(
  plan: Plan,
  passes: readonly Measured[],
  quiet: QuietWaiter,
): string[] {
  const { settings } = plan;
  const grid = passes.flatMap((p) => p.grid);
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
  const openLoop = passes.flatMap((p) => p.latency.flatMap((c) => c.runs));
  const latencyForeign = openLoop.map((r) => r.cpu.cpu0Foreign);
  return [
    "## How responses were verified",
    "",
    `- h2load: ${int(h2loadCalls)} calls finished in the measured rounds (unary and streaming, all Node versions); failed, errored, timed-out and non-2xx calls are counted for every run (the errors columns), and each run's response bytes must fit the size of answers the checking client judged correct (an error answer has another size).`,
    `- Checking client (node:http2 for h2c, node:http for HTTP/1.1, the same bytes and headers as h2load): ${settings.checkCalls} unary calls per cell (${Math.min(settings.checkCalls, 5)} streaming calls) before the load and as many after, ${int(checkedOk)} of ${int(checkedCalls)} correct — HTTP 200, the greeting "Hello, bench" (all ${streamCount} greetings in order for streams), the \`response-time\` header, the \`processing-ms\` trailer in the protocol's form, and \`grpc-status: 0\` for gRPC (HTTP/2 trailers, which h2load cannot read) and gRPC-Web (trailer frame).`,
    `- Open-loop client: ${int(openLoop.reduce((s, r) => s + r.ok, 0))} of ${int(openLoop.reduce((s, r) => s + r.counted, 0))} counted calls correct (HTTP 200, grpc-status 0 from the trailers, the greeting in the body); CPU 0 other work during its runs: median ${percent(median(latencyForeign), 1)}.`,
    `- Other work on the machine: CPU 0 busy with something other than the server under load: median ${percent(median(foreign), 1)}, max ${percent(Math.max(0, ...foreign), 0)} of a run; CPU 1 (h2load) busy: median ${percent(median(cpu1))}. Before each run the bench waited up to ${settings.quietWaitSeconds} s for both CPUs to be quiet (median wait ${int(median(waits))} ms, ${fixed(quiet.spentMs() / 1000, 0)} s in all); ${discarded} run(s) where other work took more than ${percent(settings.foreignLimit)} of CPU 0 were redone and left out of the medians, ${keptContended} such run(s) kept (a run is redone at most twice, ${settings.retries} times in all; the medians still leave kept runs out when at least half a cell's rounds are clean). Load average at the end: ${loadAverage()}.`,
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
