// `--workers 2` end to end, on the built server as `npm start` runs it: two
// worker processes share the port and each names itself (x-served-by-pid) on
// every RPC answer, health included; a worker killed with SIGKILL is logged
// and replaced; SIGTERM to the primary lets every worker finish its calls,
// refuses new connections, and the primary exits 0 with no worker left.
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import * as http from "node:http";
import { describe, it } from "node:test";
import { type ServerProcess, startServerProcess } from "../scripts/kit/server-process.js";
import { connectionRefused } from "../scripts/kit/wire-probes.js";
import { appMetadataKeys } from "./metadata-keys.js";

const workers = 2;

/** What one call on a fresh HTTP/1.1 connection answered. */
interface Answer {
  readonly status: number;
  readonly pid: number;
  readonly body: string;
}

/** A Connect JSON call on its own connection (so the primary hands it to the next worker). */
function call(url: string, path: string, body: object): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const payload = JSON.stringify(body);
    const req = http.request(
      `${url}${path}`,
      {
        method: "POST",
        agent: false,
        headers: { "content-type": "application/json", connection: "close" },
        timeout: 10_000,
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on("data", (c: Buffer) => chunks.push(c));
        res.on("end", () =>
          resolve({
            status: res.statusCode ?? 0,
            pid: Number(res.headers[appMetadataKeys.servedByPid]),
            body: Buffer.concat(chunks).toString(),
          }),
        );
      },
    );
    req.on("error", reject);
    req.on("timeout", () => req.destroy(new Error(`${path} timed out`)));
    req.end(payload);
  });
}

const health = (url: string) => call(url, "/grpc.health.v1.Health/Check", {});

/** The pids that answer `n` health checks, each on a new connection. */
async function answering(url: string, n = 8): Promise<Set<number>> {
  const pids = new Set<number>();
  for (let i = 0; i < n; i++) {
    const a = await health(url);
    assert.equal(a.status, 200, a.body);
    assert.deepEqual(JSON.parse(a.body), { status: "SERVING" });
    pids.add(a.pid);
  }
  return pids;
}

function parentOf(pid: number): number {
  // /proc/<pid>/stat: "pid (comm) state ppid …"; comm may hold spaces, so split after the ")".
  const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
  return Number(stat.slice(stat.lastIndexOf(")") + 2).split(" ")[1]);
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

async function until<T>(what: string, probe: () => Promise<T | undefined>, ms = 10_000) {
  const deadline = Date.now() + ms;
  for (;;) {
    const got = await probe();
    if (got !== undefined) return got;
    if (Date.now() > deadline) throw new Error(`${what} within ${ms} ms`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

const start = () =>
  startServerProcess({
    entry: "dist/server/main.js",
    args: ["--workers", String(workers)],
    name: `dist/server/main.js --workers ${workers}`,
  });

async function withCluster(test: (server: ServerProcess) => Promise<void>): Promise<void> {
  const server = await start();
  try {
    await test(server);
  } finally {
    server.kill();
  }
}

describe(`npm start -- --workers ${workers}`, () => {
  it("the workers share the port, and every answer names the worker that gave it", () =>
    withCluster(async (server) => {
      assert.match(server.output(), new RegExp(`${workers} workers`));
      const pids = await answering(server.url);
      assert.equal(pids.size, workers, `health answered from ${[...pids].join(", ")}`);
      for (const pid of pids) {
        assert.notEqual(pid, server.pid);
        assert.equal(parentOf(pid), server.pid, `${pid} is a worker of the primary`);
      }
      const hello = await call(server.url, "/hello.v1.HelloService/SayHello", { name: "c" });
      assert.equal(hello.status, 200, hello.body);
      assert.ok(pids.has(hello.pid), "SayHello names one of the workers too");
    }));

  it("a worker killed with SIGKILL is logged and replaced; the other serves meanwhile", () =>
    withCluster(async (server) => {
      const before = await answering(server.url);
      const [victim = 0, survivor = 0] = [...before];
      process.kill(victim, "SIGKILL");
      await until("the primary logs the death", async () =>
        server.stderr().includes(`worker ${victim} exited (SIGKILL); starting another`)
          ? true
          : undefined,
      );
      const after = await until("two live workers answer again", async () => {
        const pids = await answering(server.url, 6);
        return pids.size === workers ? pids : undefined;
      });
      assert.ok(!after.has(victim), "the dead worker answers nothing");
      assert.ok(after.has(survivor), "the other worker kept serving");
      const [replacement = 0] = [...after].filter((p) => p !== survivor);
      assert.equal(parentOf(replacement), server.pid);
    }));

  it("SIGTERM to the primary: every worker finishes its calls, new connections are refused, exit 0", () =>
    withCluster(async (server) => {
      const pids = await answering(server.url);
      // Six slow calls on six connections: the primary deals them out to both workers.
      const slow = Array.from({ length: 6 }, (_, i) =>
        call(server.url, "/hello.v1.HelloService/SayHello", { name: `d${i}`, delayMs: 1_200 }),
      );
      await new Promise((r) => setTimeout(r, 300));
      server.child.kill("SIGTERM");
      await until("new connections are refused while the workers drain", async () =>
        (await connectionRefused(server.url)) ? true : undefined,
      );
      const answers = await Promise.all(slow);
      for (const a of answers) assert.equal(a.status, 200, a.body);
      assert.deepEqual(new Set(answers.map((a) => a.pid)), pids, "both workers had calls");
      assert.equal(await server.exited, 0);
      assert.match(server.stderr(), /SIGTERM: every worker finishes its in-flight calls/);
      for (const pid of pids) assert.ok(!alive(pid), `worker ${pid} has exited`);
    }));
});
