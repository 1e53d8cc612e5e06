// npm run fuzz: the survival fuzzer against the built server, longer than
// the bounded run in `npm test` (server/survival.int.test.ts). Generates raw
// HTTP/1.1 requests and HTTP/2 frame sequences for every route, checks
// after each round that the server is alive and answers a bystander, and
// prints the rate and every distinct death, wedge or bloat with the input
// that causes it. Exits 1 if it found any.
//
//   npm run fuzz -- [--seconds N] [--seed N] [--h1 | --h2] [--concurrency N]
//                   [--shrink-seconds N] [--server-cpu N] [--replay CASE_SEED]
import { existsSync } from "node:fs";
import { cpus } from "node:os";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";
import { failures, runCampaign } from "./fuzz/campaign.js";
import type { Protocol } from "./fuzz/fuzz-case.js";
import { formatReport } from "./fuzz/report.js";
import { serverSurface } from "./fuzz/routes.js";
import { builtServer } from "./fuzz/target.js";

const { values } = parseArgs({
  options: {
    seconds: { type: "string", default: "120" },
    seed: { type: "string" },
    h1: { type: "boolean", default: false },
    h2: { type: "boolean", default: false },
    concurrency: { type: "string", default: "16" },
    "shrink-seconds": { type: "string", default: "20" },
    "server-cpu": { type: "string" },
    replay: { type: "string" },
  },
  strict: true,
});

function integer(name: string, raw: string | undefined): number | undefined {
  if (raw === undefined) return undefined;
  if (!/^-?\d+$/.test(raw)) {
    console.error(`--${name} wants an integer, not ${JSON.stringify(raw)}`);
    process.exit(2);
  }
  return Number(raw);
}

const root = fileURLToPath(new URL("..", import.meta.url));
if (!existsSync(`${root}dist/server/main.js`)) {
  console.error('dist/server/main.js is missing: run "npm run build" first');
  process.exit(2);
}
const protocols: Protocol[] = values.h1 === values.h2 ? ["h1", "h2"] : values.h1 ? ["h1"] : ["h2"];
const seed = integer("seed", values.seed) ?? Math.floor(Math.random() * 0x7fffffff);
// The fuzzer runs on CPU 0 (npm run fuzz pins it); the server gets CPU 1 when the machine has one
// (counted by cpus(): availableParallelism() sees only the CPUs this process is pinned to).
const serverCpu =
  integer("server-cpu", values["server-cpu"]) ?? (cpus().length > 1 ? 1 : undefined);
const surface = serverSurface(`${root}dist/web`);
const replay = integer("replay", values.replay);

console.log(
  replay === undefined
    ? `fuzzing the built server for ${values.seconds} s, seed ${seed}, ${protocols.join("+")}${serverCpu === undefined ? "" : `, server on CPU ${serverCpu}`}`
    : `replaying case ${replay} (${protocols.join("+")})`,
);
const report = await runCampaign({
  seed,
  seconds: integer("seconds", values.seconds) ?? 120,
  protocols,
  surface,
  target: serverCpu === undefined ? builtServer : { ...builtServer, cpu: serverCpu },
  concurrency: integer("concurrency", values.concurrency) ?? 16,
  shrinkSeconds: integer("shrink-seconds", values["shrink-seconds"]) ?? 20,
  ...(replay === undefined ? {} : { replay }),
  log: (line) => console.log(line),
});
console.log(formatReport(report, surface));
process.exit(failures(report).length > 0 ? 1 : 0);
