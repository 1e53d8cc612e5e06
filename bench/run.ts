// npm run bench: this server as users run it, against three references,
// on Node 20 and Node 24 in one run — unary SayHello under h2load, latency
// at a fixed offered load (open loop), server-streaming throughput, memory
// under load, bytes allocated per call — plus the page's bundle size and
// time to first result, and a targets table. Writes bench/results/latest.md
// and latest.json.
//
// Servers, each `node <built JavaScript>` pinned to CPU 0 with taskset,
// stdout to a file (all started at once per Node version, only one under
// load at a time):
//   A        this server: dist/server/main.js (npm run build), LOG_LEVEL=info
//   A-quiet  A with LOG_LEVEL=warn (what the call log costs)
//   A0       A with --metadata off, LOG_LEVEL=info (what the metadata features cost)
//   B        stock connectNodeAdapter (bench/servers/connect-node.ts, bundled)
//   C        @grpc/grpc-js (bench/servers/grpc-js.ts, bundled), gRPC only
//   D        raw node:http2 / node:http (bench/servers/raw-http2.ts, bundled)
// Load: h2load -c8 -m16 -t1 pinned to CPU 1, for a fixed duration per cell,
// rounds interleaved (every server per row, every row, then the next round)
// so drift hits all servers alike; the tables hold medians over rounds.
// A target that is missed is reported, not a failure; a failed call or a
// wrong answer fails the run.
//
//   npm run bench                       # both Node versions, about 13 minutes
//   npm run bench -- --quick            # 1 round of 1 s cells on one Node: does it work
//   npm run bench -- --node 24 --rows grpc-h2c
//
// This file composes the run: bench/lib/plan.ts reads what to do,
// build.ts builds it, measure.ts measures one Node version, report.ts
// writes the tables and files.
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { h2loadUserAgent, requireH2load } from "../scripts/kit/h2load.js";
import { describeCode, describeMachine } from "../scripts/kit/machine.js";
import { buildApp, buildBenchPrograms, missingBuilds } from "./lib/build.js";
import { createQuietWaiter } from "./lib/cpu.js";
import { type Measured, measure } from "./lib/measure.js";
import { type BundleSize, bundleSize } from "./lib/page.js";
import { readPlan } from "./lib/plan.js";
import { banner, buildReport, writeReport } from "./lib/report.js";
import { fixed } from "./lib/stats.js";

async function main(): Promise<number> {
  const startedAt = Date.now();
  const request = readPlan(process.argv.slice(2), process.env);
  if ("exitCode" in request) {
    (request.exitCode === 0 ? console.log : console.error)(request.message);
    return request.exitCode;
  }
  const { plan } = request;
  const { settings } = plan;
  await requireH2load();
  const machine = describeMachine(await h2loadUserAgent());
  const code = await describeCode();
  const elapsed = () => {
    const sec = Math.round((Date.now() - startedAt) / 1000);
    return `[${Math.floor(sec / 60)}:${String(sec % 60).padStart(2, "0")}]`;
  };

  console.log(banner(plan, machine, code));
  if (settings.build) {
    console.log("building (npm run build, and the bench's bundles in dist/bench)…");
    await buildApp();
  }
  await buildBenchPrograms();
  const missing = missingBuilds();
  if (missing.length > 0) {
    console.error(`missing ${missing.join(", ")}: run without --skip-build`);
    return 1;
  }
  let bundle: BundleSize | undefined;
  try {
    bundle = bundleSize();
    console.log(
      `page JavaScript: ${fixed(bundle.gzipBytes / 1000, 2)} kB gzip (${fixed(bundle.bytes / 1000, 1)} kB raw)\n`,
    );
  } catch (e) {
    console.log(`page JavaScript not measured: ${(e as Error).message}`);
  }

  const dir = await mkdtemp(join(tmpdir(), "hello-bench-"));
  const quiet = createQuietWaiter(settings.quietWaitSeconds, settings.quietWaitBudgetSeconds);
  const passes: Measured[] = [];
  try {
    for (const [i, node] of plan.nodes.entries()) {
      console.log(`\n## Node ${node.version} (${node.path}) ${elapsed()}`);
      passes.push(
        await measure(plan, node, {
          userAgent: machine.h2load,
          elapsed,
          dir,
          browser: settings.browser && i === 0,
          quiet,
        }),
      );
    }
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
  const report = buildReport({ plan, machine, code, passes, bundle, startedAt, quiet });

  console.log(`\n${report.markdown}`);
  await writeReport(settings.out, report);
  console.log(`wrote ${join(settings.out, "latest.md")} and latest.json`);
  const failed = report.failures.length;
  console.log(
    failed
      ? `\nFAIL: ${failed} problem(s), listed above`
      : `\nPASS (no failed calls or wrong answers; targets: ${report.targetsLine})`,
  );
  return failed ? 1 : 0;
}

main().then(
  (code) => process.exit(code),
  (e: unknown) => {
    console.error(e);
    process.exit(1);
  },
);
