// npm run scale: what more processes and a proxy cost or gain, in calls per
// second of unary SayHello from h2load (h2c, -c8 -m16), bounded by time:
//
//   1 worker direct · 2 workers direct (pinned to the server's core, then
//   free on both) · 1 instance through nginx (deploy/nginx.conf) vs direct.
//
// The server (and nginx) run on CPU 0 and h2load on CPU 1 with taskset, as
// `npm run load` and `npm run bench` do. Every cell must end with zero
// failed calls (h2load's count and the status of every answer). The output
// says what a 2-core machine can and cannot show.
import { mkdtemp, rm } from "node:fs/promises";
import { availableParallelism, tmpdir } from "node:os";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { wireRequest } from "./kit/h2-calls.js";
import { requireH2load, runH2load } from "./kit/h2load.js";
import { loadAverage } from "./kit/machine.js";
import { nginxMissing, startNginx } from "./kit/nginx.js";
import { type ServerProcess, startServerProcess } from "./kit/server-process.js";

const { values } = parseArgs({
  options: { seconds: { type: "string", default: "5" }, help: { type: "boolean" } },
});
if (values.help) {
  console.log("usage: npm run scale -- [--seconds N]   (per cell; default 5, at most 60)");
  process.exit(0);
}
const seconds = Math.min(60, Math.max(1, Number(values.seconds)));
const serverCpu = 0;
const loadCpu = 1;

interface Cell {
  readonly label: string;
  readonly protocol: "grpc" | "connect";
  readonly reqPerSec: number;
}

await requireH2load();
const dir = await mkdtemp(join(tmpdir(), "hello-scale-"));
const cells: Cell[] = [];
let failures = 0;

/** One h2load run of `seconds` against `url` (after a 1 s warm-up), both protocols. */
async function measure(label: string, url: string): Promise<void> {
  for (const protocol of ["grpc", "connect"] as const) {
    const wire = wireRequest(protocol);
    const shape = { connections: 8, streams: 16, cpu: loadCpu, dir, url, ...wire };
    await runH2load({ ...shape, seconds: 1 });
    const r = await runH2load({ ...shape, seconds });
    const bad = r.failed + r.errored + r.timeout + r.statusOther;
    if (bad > 0 || r.succeeded === 0) {
      failures++;
      console.error(`${label} ${protocol}: ${bad} failed of ${r.total}`);
    }
    cells.push({ label, protocol, reqPerSec: r.reqPerSec });
    console.error(`  ${label}, ${protocol}: ${Math.round(r.reqPerSec).toLocaleString("en")} req/s`);
  }
}

async function withServer(
  args: string[],
  cpu: number | undefined,
  run: (s: ServerProcess) => Promise<void>,
): Promise<void> {
  const s = await startServerProcess({
    entry: "dist/server/main.js",
    args,
    env: { LOG_LEVEL: "warn" },
    ...(cpu === undefined ? {} : { cpu }),
  });
  try {
    await run(s);
  } finally {
    await s.stop();
  }
}

try {
  console.error(
    `npm run scale: ${seconds} s per cell, h2load -c8 -m16 on CPU ${loadCpu}; load average ${loadAverage()}`,
  );
  await withServer([], serverCpu, (s) => measure("1 worker, CPU 0", s.url));
  await withServer(["--workers", "2"], serverCpu, (s) => measure("2 workers, CPU 0", s.url));
  await withServer(["--workers", "2"], undefined, (s) =>
    measure("2 workers, any CPU (beside h2load)", s.url),
  );
  const missing = nginxMissing();
  if (missing) console.error(`nginx rows skipped: ${missing}`);
  else {
    await withServer(["--trusted-proxies", "127.0.0.1"], serverCpu, async (s) => {
      const nginx = await startNginx({
        servers: [new URL(s.url).host],
        workers: 1,
        cpu: serverCpu,
      });
      try {
        await measure("nginx → 1 instance, both CPU 0", nginx.grpcUrl);
      } finally {
        await nginx.stop();
      }
    });
  }
} finally {
  await rm(dir, { recursive: true, force: true });
}

const rate = (label: string, protocol: string) =>
  cells.find((c) => c.label === label && c.protocol === protocol)?.reqPerSec ?? 0;
const base = "1 worker, CPU 0";
console.log(`\n| setup | gRPC req/s | × 1 worker | Connect JSON req/s | × 1 worker |`);
console.log(`| --- | ---: | ---: | ---: | ---: |`);
for (const label of [...new Set(cells.map((c) => c.label))]) {
  const g = rate(label, "grpc");
  const c = rate(label, "connect");
  const fmt = (n: number) => Math.round(n).toLocaleString("en");
  console.log(
    `| ${label} | ${fmt(g)} | ${(g / rate(base, "grpc")).toFixed(2)}× | ${fmt(c)} | ${(c / rate(base, "connect")).toFixed(2)}× |`,
  );
}
const cores = availableParallelism();
console.log(`
Load average at the end: ${loadAverage()} (anything else running skews every cell).
${cores} cores. What this machine can show: the cost of a second worker on the same core
(the primary hands every connection over; two event loops share one CPU), and what a proxy
hop costs when it shares the server's core (nginx parses, re-frames and forwards every call;
gRPC keeps one upstream connection per call in flight). What it cannot show: throughput
growing with workers. With ${cores} cores the load generator needs one of them, so a second
worker only gets a core by taking it from h2load ("any CPU"); scaling needs a core per worker
plus cores for the load, as on a real host with the load coming from elsewhere.`);
if (failures > 0) {
  console.error(`${failures} cell(s) had failed calls`);
  process.exit(1);
}
