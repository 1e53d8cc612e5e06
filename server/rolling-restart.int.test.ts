// A rolling restart behind nginx loses no call. Three instances of the built
// server behind deploy/nginx.conf carry a steady load over nginx's h2c port —
// gRPC (grpc_pass to the instances over h2c) and Connect (proxy_pass over
// keep-alive HTTP/1.1) — from the checking node:http2 client, which judges
// every call by its own answer (gRPC: the grpc-status trailer, not the HTTP
// status). Meanwhile each instance in turn gets SIGTERM, must exit 0, and is
// started again on the same port; every call must succeed, and the restarted
// instances must serve again. Bounded: about 15 s of load, 8 streams each.
//
// Skipped, saying so, only when nginx is not installed (.ci/run installs it).
import assert from "node:assert/strict";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { type LoadResult, runLoad, summarize } from "../scripts/kit/h2-calls.js";
import { freePorts, nginxMissing, type RunningNginx, startNginx } from "../scripts/kit/nginx.js";
import { type ServerProcess, startServerProcess } from "../scripts/kit/server-process.js";

const missing = nginxMissing();
if (missing) console.log(`# server/rolling-restart.int.test.ts skipped: ${missing}`);

/** How long each instance runs again before the next one is restarted. */
const settleMs = 2_500;

const dir = mkdtempSync(join(tmpdir(), "hello-rolling-"));
let ports: number[] = [];
const instances: ServerProcess[] = [];
let nginx: RunningNginx;
let generation = 0;

const start = (port: number) =>
  startServerProcess({
    entry: "dist/server/main.js",
    args: ["--port", String(port), "--trusted-proxies", "127.0.0.1"],
    logFile: join(dir, `instance-${port}-${generation++}.log`),
    name: `instance on ${port}`,
  });

/** How many calls an instance's log holds. */
function calls(s: ServerProcess): number {
  return readFileSync(s.logFile ?? "", "utf8")
    .split("\n")
    .filter((l) => l.includes('"msg":"rpc"')).length;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe("rolling restart behind nginx", { skip: missing ?? false }, () => {
  before(async () => {
    ports = await freePorts(3);
    instances.push(...(await Promise.all(ports.map(start))));
    nginx = await startNginx({ servers: ports.map((p) => `127.0.0.1:${p}`) });
  });
  after(async () => {
    await nginx?.stop();
    await Promise.all(instances.map((s) => s.stop()));
    rmSync(dir, { recursive: true, force: true });
  });

  it("SIGTERM each instance in turn under gRPC and Connect load: zero failed calls", async () => {
    const stop = new AbortController();
    const load = (protocol: "grpc" | "connect") =>
      runLoad({
        url: nginx.grpcUrl,
        protocol,
        connections: 2,
        streams: 4,
        signal: stop.signal,
        headers: { "user-agent": `rolling-restart/${protocol}` },
      });
    const loads: Promise<LoadResult>[] = [load("grpc"), load("connect")];
    const events: string[] = [];
    try {
      await sleep(1_500);
      for (const [i, port] of ports.entries()) {
        const old = instances[i] as ServerProcess;
        const code = await old.stop();
        events.push(`instance on ${port}: exit ${code} after ${calls(old)} calls`);
        assert.equal(code, 0, `the instance on ${port} exits 0:\n${old.stderr()}`);
        instances[i] = await start(port);
        await sleep(settleMs);
      }
    } finally {
      stop.abort();
    }
    const results = await Promise.all(loads);
    for (const [protocol, result] of [
      ["gRPC", results[0]],
      ["Connect", results[1]],
    ] as const) {
      const s = summarize(result?.calls ?? []);
      const line = `${protocol}: ${result?.calls.length} calls, ok ${s.ok}, refused ${s.refused}, broken ${s.broken}`;
      events.push(line);
      assert.ok((result?.calls.length ?? 0) > 1_000, `${line}: the load ran`);
      assert.equal(
        s.ok,
        result?.calls.length,
        `${line}\n${s.reasons.map(([r, n]) => `  ${n} × ${r}`).join("\n")}\nnginx:\n${nginx
          .errorLog()
          .split("\n")
          .filter((l) => !l.includes("[notice]"))
          .slice(-20)
          .join("\n")}`,
      );
    }
    for (const s of instances) {
      assert.ok(calls(s) > 0, `the restarted instance on ${new URL(s.url).port} served again`);
    }
    console.log(events.map((e) => `# ${e}`).join("\n"));
  });
});
