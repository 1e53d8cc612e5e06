// npm run load: unary SayHello under h2load over gRPC and Connect (h2c),
// server pinned to CPU 0 and the load generators to CPU 1, then a memory
// run. Prints req/s, p50/p99, peak RSS and failures per protocol, how every
// call was checked, and the RSS series with its verdict. Exits 1 on any
// failed call or a memory verdict that fails.
//
//   npm run load                      # 100,000 calls per protocol, -c4 -m32
//   npm run load -- --calls 20000 --memory-rounds 0
//
// Flags: --calls N, --connections N (-c), --streams N (-m), --warmup N,
// --log-level L (default info: the server's per-call log is one of the
// checks; warn measures without it), --memory-rounds N (0 skips the memory
// run), --memory-round-calls N, --memory-warmup-rounds N,
// --memory-bound-mib N, --keep-files (keep logs and h2load's per-request log).
import { readFileSync } from "node:fs";
import { mkdtemp, rm } from "node:fs/promises";
import { cpus, tmpdir } from "node:os";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { type Protocol, runLoad, summarize, wireRequest } from "./kit/h2-calls.js";
import { h2loadUserAgent, percentile, requireH2load, runH2load } from "./kit/h2load.js";
import { loadAverage } from "./kit/machine.js";
import { markdownTable } from "./kit/markdown-table.js";
import { loggedCalls } from "./kit/server-log.js";
import { type ServerProcess, serverCommandLine, startServerProcess } from "./kit/server-process.js";

const { values: flags } = parseArgs({
  options: {
    calls: { type: "string", default: "100000" },
    connections: { type: "string", default: "4" },
    streams: { type: "string", default: "32" },
    warmup: { type: "string", default: "5000" },
    "memory-rounds": { type: "string", default: "10" },
    "memory-warmup-rounds": { type: "string", default: "3" },
    "memory-round-calls": { type: "string", default: "10000" },
    "memory-bound-mib": { type: "string", default: "30" },
    "log-level": { type: "string", default: "info" },
    "keep-files": { type: "boolean", default: false },
  },
});
const calls = Number(flags.calls);
const connections = Number(flags.connections);
const streams = Number(flags.streams);
const warmup = Number(flags.warmup);
const memoryRounds = Number(flags["memory-rounds"]);
const memoryRoundCalls = Number(flags["memory-round-calls"]);
const memoryWarmupRounds = Number(flags["memory-warmup-rounds"]);
const memoryBoundMiB = Number(flags["memory-bound-mib"]);
const logLevel = flags["log-level"];
const serverCpu = 0;
const loadCpu = 1;

const mib = (kib: number) => kib / 1024;
const fmt = (n: number, digits = 1) =>
  n.toLocaleString("en-US", { minimumFractionDigits: digits, maximumFractionDigits: digits });
const int = (n: number) => n.toLocaleString("en-US");
const signed = (n: number) => `${n >= 0 ? "+" : ""}${fmt(n)}`;

/** One protocol's numbers and every check on its calls. */
interface ProtocolRun {
  protocol: Protocol;
  reqPerSec: number;
  p50: number;
  p99: number;
  max: number;
  peakKiB: number;
  rssAfterKiB: number;
  /** Each check's name → failures it found. */
  checks: [string, number, string][];
  failures: number;
  command: string;
  exitCode: number | null;
}

/** The server as `npm start` runs it, pinned to the server CPU, its log going to `logFile`. */
function startLoggingServer(logFile: string): Promise<ServerProcess> {
  return startServerProcess({ cpu: serverCpu, env: { LOG_LEVEL: logLevel }, logFile });
}

async function referenceBodyBytes(
  url: string,
  protocol: Protocol,
  headers: Record<string, string>,
): Promise<number> {
  // One call through the checking client with h2load's headers: the server
  // echoes request metadata in the body, so every successful h2load call has
  // this size. (An x-request-id of the same length stands in for the run's
  // tag, so this call's log line is not counted as the run's.)
  const id = headers["x-request-id"];
  const ref = await runLoad({
    url,
    protocol,
    connections: 1,
    streams: 1,
    calls: 1,
    headers: id === undefined ? headers : { ...headers, "x-request-id": "r".repeat(id.length) },
  });
  const call = ref.calls[0];
  if (call?.verdict !== "ok") throw new Error(`reference ${protocol} call failed: ${call?.reason}`);
  return call.bodyBytes;
}

async function loadProtocol(
  dir: string,
  protocol: Protocol,
  userAgent: string,
): Promise<ProtocolRun> {
  const logFile = join(dir, `server-${protocol}.log`);
  const server = await startLoggingServer(logFile);
  try {
    // Every timed call carries this x-request-id, which tags its log line.
    const tag = `h2load-${protocol}-timed`;
    const headers = { "user-agent": userAgent, "x-request-id": tag };
    const bodyBytes = await referenceBodyBytes(server.url, protocol, headers);
    const shape = { url: server.url, connections, streams, dir, cpu: loadCpu };
    const name = `${protocol}-h2load`;
    if (warmup > 0) await runH2load({ ...shape, ...wireRequest(protocol), name, calls: warmup });
    const h = await runH2load({
      ...shape,
      ...wireRequest(protocol, undefined, { "x-request-id": tag }),
      name,
      calls,
      latencies: true,
    });
    const mem = server.memory();
    const logged = await loggedCalls(logFile, tag, calls);
    // Second pass, same shape, through a client that reads every answer.
    const wire = await runLoad({ url: server.url, protocol, connections, streams, calls });
    const w = summarize(wire.calls);
    const exitCode = await server.stop();
    const checks: [string, number, string][] = [
      [
        "h2load: failed + errored + timeout + non-2xx",
        h.failed + h.errored + h.timeout + h.statusOther + (calls - h.total),
        `${int(h.succeeded)} succeeded, ${h.failed} failed, ${h.errored} errored, ${h.timeout} timeout, ${int(h.status2xx)} 2xx`,
      ],
      [
        "h2load: response body bytes = calls × one good answer",
        h.dataBytes === calls * bodyBytes ? 0 : calls - Math.floor(h.dataBytes / bodyBytes),
        `${int(h.dataBytes)} = ${int(calls)} × ${bodyBytes} ${h.dataBytes === calls * bodyBytes ? "✓" : "✗"}`,
      ],
    ];
    if (logLevel === "info") {
      checks.push([
        `server log: one line per timed call (x-request-id ${tag}), code "ok"`,
        logged.total - logged.ok + Math.abs(calls - logged.total),
        [...logged.byProtocolAndCode].map(([k, n]) => `${int(n)} ${k}`).join(", ") || "no lines",
      ]);
    }
    checks.push(
      [
        `wire check: ${int(calls)} calls, ${protocol === "grpc" ? "grpc-status trailer" : "HTTP status + JSON message"} of each`,
        w.refused + w.broken + (calls - wire.calls.length),
        w.reasons.map(([k, n]) => `${int(n)} ${k}`).join(", "),
      ],
      ["server exit code after SIGTERM", exitCode === 0 ? 0 : 1, String(exitCode)],
    );
    return {
      protocol,
      reqPerSec: h.reqPerSec,
      p50: percentile(h.latenciesMs, 50),
      p99: percentile(h.latenciesMs, 99),
      max: percentile(h.latenciesMs, 100),
      peakKiB: mem.peakKiB,
      rssAfterKiB: mem.rssKiB,
      checks,
      failures: checks.reduce((s, c) => s + c[1], 0),
      command: h.command,
      exitCode,
    };
  } finally {
    server.kill();
  }
}

interface MemoryRun {
  samples: { calls: number; rssKiB: number }[];
  peakKiB: number;
  failures: number;
  /** Last sample − first (post-warm-up) sample. */
  finalDeltaMiB: number;
  /** Lowest of the last 3 samples − lowest of the first 3: what the verdict uses. */
  floorDeltaMiB: number;
  risingTail: boolean;
  slopeMiBPer10k: number;
  pass: boolean;
}

async function memoryRun(dir: string, userAgent: string): Promise<MemoryRun> {
  const server = await startLoggingServer(join(dir, "server-memory.log"));
  try {
    const half = Math.floor(memoryRoundCalls / 2);
    const headers = { "user-agent": userAgent };
    const sizes = {
      grpc: await referenceBodyBytes(server.url, "grpc", headers),
      connect: await referenceBodyBytes(server.url, "connect", headers),
    };
    let failures = 0;
    const round = async () => {
      for (const protocol of ["grpc", "connect"] as const) {
        const h = await runH2load({
          url: server.url,
          ...wireRequest(protocol),
          connections,
          streams,
          dir,
          cpu: loadCpu,
          calls: half,
        });
        failures += h.failed + h.errored + h.timeout + h.statusOther + (half - h.total);
        if (h.dataBytes !== half * sizes[protocol]) failures++;
      }
    };
    for (let i = 0; i < memoryWarmupRounds; i++) await round();
    const samples = [{ calls: 0, rssKiB: server.memory().rssKiB }];
    for (let i = 1; i <= memoryRounds; i++) {
      await round();
      samples.push({ calls: i * 2 * half, rssKiB: server.memory().rssKiB });
    }
    const { peakKiB } = server.memory();
    if ((await server.stop()) !== 0) failures++;
    const first = samples[0]?.rssKiB ?? 0;
    const last = samples.at(-1)?.rssKiB ?? 0;
    const finalDeltaMiB = mib(last - first);
    // RSS saw-tooths (garbage piles up, a major GC frees it, the allocator
    // sometimes holds tens of MiB more for a moment), so a single sample can
    // sit anywhere in the tooth. Compare floors: a leak raises the floor, the
    // saw-tooth and spikes do not.
    const floor = (xs: typeof samples) => Math.min(...xs.map((x) => x.rssKiB));
    const floorDeltaMiB = mib(floor(samples.slice(-3)) - floor(samples.slice(0, 3)));
    const tail = samples.slice(-5);
    const risingTail =
      tail.length === 5 && tail.every((s, i) => i === 0 || s.rssKiB > (tail[i - 1]?.rssKiB ?? 0));
    // Least-squares slope of RSS over calls, per 10,000 calls.
    const n = samples.length;
    const mx = samples.reduce((s, p) => s + p.calls, 0) / n;
    const my = samples.reduce((s, p) => s + mib(p.rssKiB), 0) / n;
    const sxy = samples.reduce((s, p) => s + (p.calls - mx) * (mib(p.rssKiB) - my), 0);
    const sxx = samples.reduce((s, p) => s + (p.calls - mx) ** 2, 0);
    const slopeMiBPer10k = sxx === 0 ? 0 : (sxy / sxx) * 10_000;
    return {
      samples,
      peakKiB,
      failures,
      finalDeltaMiB,
      floorDeltaMiB,
      risingTail,
      slopeMiBPer10k,
      pass: failures === 0 && floorDeltaMiB <= memoryBoundMiB && !risingTail,
    };
  } finally {
    server.kill();
  }
}

function pinnedTo(): string {
  const m = /^Cpus_allowed_list:\s*(\S+)/m.exec(readFileSync("/proc/self/status", "utf8"));
  return m?.[1] ?? "?";
}

async function main(): Promise<number> {
  await requireH2load();
  const userAgent = await h2loadUserAgent();
  const own = pinnedTo();
  if (own !== String(loadCpu)) {
    console.warn(
      `warning: this script runs on CPUs ${own}, not only ${loadCpu}: its checking client may compete with the server (npm run load pins it)`,
    );
  }
  const dir = await mkdtemp(join(tmpdir(), "hello-load-"));
  const concurrent = connections * streams;
  console.log(
    [
      `Load: unary SayHello, ${int(calls)} calls per protocol, h2c to 127.0.0.1`,
      `  h2load -n${calls} -c${connections} -m${streams} (${connections} connections × ${streams} streams = ${concurrent} concurrent streams), after ${int(warmup)} warm-up calls`,
      `  server: ${serverCommandLine({ cpu: serverCpu })}, LOG_LEVEL=${logLevel} (its log goes to a file)`,
      `  load: taskset -c ${loadCpu} h2load; checking client (node:http2) in this process, on CPUs ${own}`,
      `  machine: ${cpus().length} × ${cpus()[0]?.model.trim() ?? "?"}, Node ${process.version}, ${userAgent}; load average ${loadAverage()} (other work on the machine skews the numbers)`,
      `  files: ${dir}`,
      "",
    ].join("\n"),
  );

  const runs: ProtocolRun[] = [];
  for (const protocol of ["grpc", "connect"] as const) {
    console.log(`${protocol}: running…`);
    runs.push(await loadProtocol(dir, protocol, userAgent));
  }
  console.log("");
  console.log(
    markdownTable(
      [
        "protocol",
        "calls",
        "req/s",
        "p50 ms",
        "p99 ms",
        "max ms",
        "peak RSS MiB",
        "RSS after MiB",
        "failures",
      ],
      runs.map((r) => [
        r.protocol === "grpc" ? "gRPC" : "Connect (JSON)",
        int(calls),
        fmt(r.reqPerSec, 0),
        fmt(r.p50, 2),
        fmt(r.p99, 2),
        fmt(r.max, 2),
        fmt(mib(r.peakKiB)),
        fmt(mib(r.rssAfterKiB)),
        int(r.failures),
      ]),
    ),
  );
  console.log(
    "\nreq/s as h2load reports it; p50/p99/max from h2load's --log-file (time from request start to end of response); peak RSS = the server's VmHWM (warm-up included), RSS after = VmRSS once h2load ended.",
  );
  console.log(
    "\nHow every call was checked (h2load cannot see trailers, so grpc-status is checked apart):",
  );
  for (const r of runs) {
    console.log(`  ${r.protocol}: ${r.command}`);
    for (const [name, failed, detail] of r.checks) {
      console.log(`    ${failed === 0 ? "ok  " : "FAIL"} ${name}: ${detail}`);
    }
  }

  let memory: MemoryRun | undefined;
  if (memoryRounds > 0) {
    const half = Math.floor(memoryRoundCalls / 2);
    console.log(
      `\nMemory: a fresh server; warm-up ${int(memoryWarmupRounds * 2 * half)} calls, then ${memoryRounds} rounds of ${int(half)} gRPC + ${int(half)} Connect calls (h2load -c${connections} -m${streams}); VmRSS after each round`,
    );
    memory = await memoryRun(dir, userAgent);
    const base = memory.samples[0]?.rssKiB ?? 0;
    console.log(
      markdownTable(
        ["calls after warm-up", "RSS MiB", "Δ MiB"],
        memory.samples.map((s) => [int(s.calls), fmt(mib(s.rssKiB)), signed(mib(s.rssKiB - base))]),
      ),
    );
    console.log(
      [
        `  peak RSS ${fmt(mib(memory.peakKiB))} MiB; trend ${memory.slopeMiBPer10k >= 0 ? "+" : ""}${fmt(memory.slopeMiBPer10k, 2)} MiB per 10,000 calls (least squares, for information)`,
        `  bound: the final RSS floor (lowest of the last 3 samples) within +${memoryBoundMiB} MiB of the post-warm-up floor (lowest of the first 3), and the last 5 samples not rising every time`,
        `  floor ${signed(memory.floorDeltaMiB)} MiB ${memory.floorDeltaMiB <= memoryBoundMiB ? "≤" : ">"} +${memoryBoundMiB} MiB (last sample − first: ${signed(memory.finalDeltaMiB)} MiB); last 5 ${memory.risingTail ? "rise every time" : "do not rise every time"}; failed calls ${memory.failures}`,
        `  verdict: ${memory.pass ? "PASS" : "FAIL"}`,
      ].join("\n"),
    );
  }

  console.log(`\nload average at the end: ${loadAverage()}`);
  const failures = runs.reduce((s, r) => s + r.failures, 0);
  console.log(
    `\n${failures === 0 ? "PASS" : "FAIL"}: ${int(failures)} failed calls or checks over ${int(runs.length * calls)} h2load calls and ${int(runs.length * calls)} checked calls${memory ? `; memory ${memory.pass ? "PASS" : "FAIL"}` : ""}`,
  );
  if (!flags["keep-files"]) await rm(dir, { recursive: true, force: true });
  return failures === 0 && (memory?.pass ?? true) ? 0 : 1;
}

main().then(
  (code) => process.exit(code),
  (e: unknown) => {
    console.error(e);
    process.exit(1);
  },
);
