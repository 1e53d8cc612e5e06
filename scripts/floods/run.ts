// npm run floods: bounded floods against the server as users run it, each
// on a fresh process (node dist/server/main.js, LOG_LEVEL=info, log to a
// file, pinned to CPU 0) while a bystander at 127.0.0.2 calls SayHello on
// fresh h2c connections; the floods come from 127.0.0.3 and on, from this
// process pinned to CPU 1. Prints, per flood, the server's RSS before, at
// its peak (VmHWM) and after, whether it stayed up, the bystander's calls
// and latency, and what the attacker saw. Exits 1 when the server died,
// the bystander failed a call, or RSS grew past a flood's bound.
//
//   npm run floods                       # every flood
//   npm run floods -- --only rapid-reset,zero-window --keep-files
//
// Flags: --only a,b (floods by name), --port N (default 18931),
// --keep-files (keep the server logs).
import { readFileSync } from "node:fs";
import { mkdtemp, rm } from "node:fs/promises";
import { cpus, tmpdir } from "node:os";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { loadAverage } from "../kit/machine.js";
import { markdownTable } from "../kit/markdown-table.js";
import { connectionFlood } from "./connection-flood.js";
import { type Flood, type FloodResult, runFlood } from "./flood.js";
import { pingFlood, settingsFlood } from "./ping-settings.js";
import { rapidResetFlood } from "./rapid-reset.js";
import { slowlorisFlood } from "./slowloris.js";
import { zeroWindowFlood } from "./zero-window.js";

const { values: flags } = parseArgs({
  options: {
    only: { type: "string" },
    port: { type: "string", default: "18931" },
    "keep-files": { type: "boolean", default: false },
  },
});
const serverCpu = 0;
const floodCpu = 1;

/** Every flood the runner knows, in the order it runs them. */
export const floods: readonly Flood[] = [
  zeroWindowFlood(),
  connectionFlood(),
  rapidResetFlood(),
  slowlorisFlood(),
  pingFlood(),
  settingsFlood(),
];

const mib = (kib: number) => (kib / 1024).toFixed(1);
const ms = (n: number) => (Number.isNaN(n) ? "—" : n.toFixed(1));

function pinnedTo(): string {
  const m = /^Cpus_allowed_list:\s*(\S+)/m.exec(readFileSync("/proc/self/status", "utf8"));
  return m?.[1] ?? "?";
}

async function main(): Promise<number> {
  const only = flags.only?.split(",").map((s) => s.trim());
  const chosen = only ? floods.filter((f) => only.includes(f.name)) : floods;
  const unknown = (only ?? []).filter((n) => !floods.some((f) => f.name === n));
  if (unknown.length > 0 || chosen.length === 0) {
    console.error(
      `unknown flood ${unknown.join(", ")}; known: ${floods.map((f) => f.name).join(", ")}`,
    );
    return 2;
  }
  const own = pinnedTo();
  if (own !== String(floodCpu)) {
    console.warn(
      `warning: the floods run on CPUs ${own}, not only ${floodCpu}, and compete with the server (npm run floods pins them)`,
    );
  }
  const dir = await mkdtemp(join(tmpdir(), "hello-floods-"));
  console.log(
    [
      "Floods: each against a fresh server, while a bystander (127.0.0.2) calls gRPC SayHello on fresh h2c connections",
      `  server: taskset -c ${serverCpu} node dist/server/main.js --port ${flags.port} --host 127.0.0.1, LOG_LEVEL=info (its log goes to a file)`,
      `  floods: from 127.0.0.3 and on, this process on CPUs ${own}`,
      `  machine: ${cpus().length} × ${cpus()[0]?.model.trim() ?? "?"}, Node ${process.version}; load average ${loadAverage()} (other work on the machine skews the numbers)`,
      `  files: ${dir}`,
      "",
    ].join("\n"),
  );
  const results: FloodResult[] = [];
  for (const flood of chosen) {
    console.log(
      `${flood.name}: ${flood.description}${flood.descriptorLimit ? `; server under ulimit -n ${flood.descriptorLimit}` : ""}`,
    );
    const r = await runFlood(flood, {
      port: Number(flags.port),
      cpu: serverCpu,
      logFile: join(dir, `server-${flood.name}.log`),
    });
    results.push(r);
    const b = r.bystander;
    console.log(
      [
        `  ${r.failures.length === 0 ? "ok  " : "FAIL"} ${r.seconds.toFixed(1)} s; server ${r.up ? "stayed up" : "DIED"}, exit ${r.exitCode} on SIGTERM; RSS ${mib(r.rssBeforeKiB)} → peak ${mib(r.rssPeakKiB)} → ${mib(r.rssAfterKiB)} MiB (bound: +${r.rssBoundMiB} MiB)`,
        `  bystander: ${b.ok} ok, ${b.failed} failed; p50 ${ms(b.p50Ms)} ms, p99 ${ms(b.p99Ms)} ms, max ${ms(b.maxMs)} ms${b.failed > 0 ? ` (${JSON.stringify(b.reasons)})` : ""}`,
        `  attacker saw: ${r.attacker}`,
        ...Object.entries(r.notes).map(([k, v]) => `  ${k}: ${v}`),
        `  server log: ${r.fatalLines} fatal, ${r.errorLines} error lines`,
        ...r.failures.map((f) => `  FAIL: ${f}`),
        "",
      ].join("\n"),
    );
  }
  console.log(
    markdownTable(
      [
        "flood",
        "RSS before MiB",
        "peak MiB",
        "after MiB",
        "bound +MiB",
        "up",
        "bystander ok/failed",
        "p50 ms",
        "p99 ms",
        "max ms",
      ],
      results.map((r) => [
        r.name,
        mib(r.rssBeforeKiB),
        mib(r.rssPeakKiB),
        mib(r.rssAfterKiB),
        String(r.rssBoundMiB),
        r.up ? "yes" : "NO",
        `${r.bystander.ok}/${r.bystander.failed}`,
        ms(r.bystander.p50Ms),
        ms(r.bystander.p99Ms),
        ms(r.bystander.maxMs),
      ]),
    ),
  );
  console.log(
    "\npeak = the server's VmHWM (a fresh process per flood); bystander latency includes its new connection; bound = the most peak may exceed before.",
  );
  console.log(`load average at the end: ${loadAverage()}`);
  const failed = results.filter((r) => r.failures.length > 0);
  console.log(
    `\n${failed.length === 0 ? "PASS" : "FAIL"}: ${results.length - failed.length} of ${results.length} floods survived${failed.length > 0 ? `; failed: ${failed.map((r) => r.name).join(", ")}` : ""}`,
  );
  if (!flags["keep-files"]) await rm(dir, { recursive: true, force: true });
  return failed.length === 0 ? 0 : 1;
}

main().then(
  (code) => process.exit(code),
  (e: unknown) => {
    console.error(e);
    process.exit(1);
  },
);
