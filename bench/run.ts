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
//
// This file composes the run: bench/lib/plan.ts reads what to do,
// measure.ts does it, report.ts writes the tables and files.
import { join } from "node:path";
import { h2loadUserAgent, requireH2load } from "../scripts/kit/h2load.js";
import { describeCode, describeMachine } from "../scripts/kit/machine.js";
import { measure } from "./lib/measure.js";
import { readPlan } from "./lib/plan.js";
import { banner, buildReport, writeReport } from "./lib/report.js";

async function main(): Promise<number> {
  const startedAt = Date.now();
  const request = readPlan(process.argv.slice(2), process.env);
  if ("exitCode" in request) {
    (request.exitCode === 0 ? console.log : console.error)(request.message);
    return request.exitCode;
  }
  const { plan } = request;
  await requireH2load();
  const machine = describeMachine(await h2loadUserAgent());
  const code = await describeCode();
  const elapsed = () => {
    const sec = Math.round((Date.now() - startedAt) / 1000);
    return `[${Math.floor(sec / 60)}:${String(sec % 60).padStart(2, "0")}]`;
  };

  console.log(banner(plan, machine, code));
  const measured = await measure(plan, machine.h2load, elapsed);
  const report = buildReport({ plan, machine, code, measured, startedAt });

  console.log(`\n${report.markdown}`);
  await writeReport(plan.settings.out, report);
  console.log(`wrote ${join(plan.settings.out, "latest.md")} and latest.json`);
  const failed = report.failures.length;
  console.log(failed ? `\nFAIL: ${failed} problem(s), listed above` : "\nPASS");
  return failed ? 1 : 0;
}

main().then(
  (code) => process.exit(code),
  (e: unknown) => {
    console.error(e);
    process.exit(1);
  },
);
