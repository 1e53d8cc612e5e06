// SIGTERM in the middle of load, on a real server process: every call the
// server accepted completes with a full, correct answer; every other call is
// refused cleanly before it was accepted; new connections are refused while
// the server drains; the process exits 0. The server's own log (one line per
// call it handled) is the cross-check: it must hold exactly the calls the
// clients saw succeed.
import assert from "node:assert/strict";
import { mkdtemp, rm } from "node:fs/promises";
import * as http from "node:http";
import * as http2 from "node:http2";
import { connect } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import {
  type CallRecord,
  type LoadResult,
  requestBody,
  runLoad,
  sayHelloPath,
  summarize,
} from "../scripts/kit/h2-calls.js";
import { loggedCalls } from "../scripts/kit/server-log.js";
import { type ServerProcess, startServerProcess } from "../scripts/kit/server-process.js";

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** "refused" when a TCP connection to `url` is refused, else "connected". */
function tryConnect(url: string): Promise<"refused" | "connected"> {
  const { hostname, port } = new URL(url);
  return new Promise((resolve) => {
    const s = connect(Number(port), hostname);
    s.once("connect", () => {
      s.destroy();
      resolve("connected");
    });
    s.once("error", () => resolve("refused"));
  });
}

/**
 * Polls until a new connection is refused; says whether the server process
 * was still running (draining) at that moment.
 */
async function firstRefusal(server: ServerProcess): Promise<{ stillRunning: boolean }> {
  for (;;) {
    const running = server.running();
    if ((await tryConnect(server.url)) === "refused") return { stillRunning: running };
    await sleep(5);
  }
}

/** The server's per-call log lines, counted by code. */
async function loggedCodes(server: ServerProcess): Promise<Map<string, number>> {
  assert.ok(server.logFile, "the server logs to a file");
  return (await loggedCalls(server.logFile)).byCode;
}

/** A server process at LOG_LEVEL=info, its log in `dir`/`logName`. */
function startLogged(dir: string, logName: string): Promise<ServerProcess> {
  return startServerProcess({ env: { LOG_LEVEL: "info" }, logFile: join(dir, logName) });
}

describe("SIGTERM under load", () => {
  let dir = "";
  before(async () => {
    dir = await mkdtemp(join(tmpdir(), "hello-shutdown-load-"));
  });
  after(() => rm(dir, { recursive: true, force: true }));

  it("HTTP/2, gRPC and Connect: accepted calls complete, the rest are refused cleanly, new connections are refused, exit 0", async () => {
    const server = await startLogged(dir, "h2.log");
    try {
      const stop = new AbortController();
      let ok = 0;
      let warmed: () => void = () => {};
      const loaded = new Promise<void>((r) => {
        warmed = r;
      });
      const onCall = (c: CallRecord) => {
        if (c.verdict === "ok" && ++ok === 1_000) warmed();
      };
      const base = { url: server.url, signal: stop.signal, onCall };
      const loads = {
        grpc: runLoad({ ...base, protocol: "grpc", connections: 2, streams: 32 }),
        connect: runLoad({ ...base, protocol: "connect", connections: 2, streams: 32 }),
        // Slow calls keep the server draining for a while after SIGTERM.
        slow: runLoad({
          ...base,
          protocol: "grpc",
          connections: 1,
          streams: 16,
          request: { name: "slow", delayMs: 3_000 },
        }),
      };
      await loaded;
      const sigterm = performance.now();
      server.child.kill("SIGTERM");
      const refusal = await firstRefusal(server);
      const code = await server.exited;
      const exitedAt = performance.now();
      stop.abort();
      const results: Record<keyof typeof loads, LoadResult> = {
        grpc: await loads.grpc,
        connect: await loads.connect,
        slow: await loads.slow,
      };
      const all = Object.values(results).flatMap((r) => r.calls);
      const s = summarize(all);

      assert.equal(code, 0, "exit code");
      assert.equal(
        s.broken,
        0,
        `no call broke after it was accepted: ${JSON.stringify(s.reasons)}`,
      );
      assert.ok(
        refusal.stillRunning,
        "a new connection was refused while the server still drained",
      );

      // SIGTERM came mid-load: calls in flight then completed afterwards
      // (the slow ones surely; fast ones still unread in the server's socket
      // buffer at SIGTERM are refused, which is the point)…
      const inFlightAtSigterm = (c: CallRecord) => c.startedAt < sigterm && c.endedAt > sigterm;
      assert.ok(
        results.slow.calls.some((c) => c.verdict === "ok" && inFlightAtSigterm(c)),
        "slow calls in flight at SIGTERM completed",
      );
      // …and the load went on, and was turned away.
      const turnedAway =
        all.filter((c) => c.verdict === "refused").length +
        Object.values(results).reduce(
          (n, r) => n + r.refusedConnectionTimes.filter((t) => t > sigterm).length,
          0,
        );
      assert.ok(turnedAway > 0, "calls and connections after SIGTERM were refused");
      for (const r of Object.values(results)) {
        for (const code of r.refusedConnections.keys()) assert.equal(code, "ECONNREFUSED");
      }
      for (const r of [results.grpc, results.connect]) {
        assert.ok(
          r.refusedConnectionTimes.some((t) => t > sigterm && t < exitedAt),
          "reconnecting clients were refused while the server drained",
        );
      }

      // Each connection's GOAWAY (NO_ERROR) splits its calls exactly: at or
      // below the last stream id all completed, above it all were refused.
      for (const [name, r] of Object.entries(results)) {
        assert.ok(r.goaways.length > 0, `${name}: got a GOAWAY`);
        for (const g of r.goaways) {
          assert.equal(g.code, http2.constants.NGHTTP2_NO_ERROR);
          for (const c of r.calls.filter((c) => c.connection === g.connection)) {
            if (c.streamId === undefined) continue;
            if (c.streamId <= g.lastStreamId) assert.equal(c.verdict, "ok", `${name} ${c.reason}`);
            else assert.equal(c.verdict, "refused", `${name} stream ${c.streamId}`);
          }
        }
      }

      // The server handled exactly the calls the clients saw succeed.
      assert.deepEqual([...(await loggedCodes(server))], [["ok", s.ok]]);
    } finally {
      server.kill();
    }
  });

  it("HTTP/1.1 keep-alive, Connect: every call the server handled was answered in full, exit 0", async () => {
    const server = await startLogged(dir, "h1.log");
    const agent = new http.Agent({ keepAlive: true, maxSockets: 32 });
    try {
      type H1Call = { outcome: string; startedAt: number; endedAt: number; slow: boolean };
      const calls: H1Call[] = [];
      let stopped = false;
      let warmed: () => void = () => {};
      const loaded = new Promise<void>((r) => {
        warmed = r;
      });
      const call = (slow: boolean) =>
        new Promise<void>((resolve) => {
          const name = slow ? "slow" : "h1";
          const startedAt = performance.now();
          const done = (outcome: string) => {
            calls.push({ outcome, startedAt, endedAt: performance.now(), slow });
            if (calls.filter((c) => c.outcome === "ok").length === 1_000) warmed();
            resolve();
          };
          const req = http.request(
            `${server.url}${sayHelloPath}`,
            { method: "POST", agent, headers: { "content-type": "application/json" } },
            (res) => {
              const chunks: Buffer[] = [];
              res.on("data", (c: Buffer) => chunks.push(c));
              res.on("error", () => done("broken: response cut"));
              res.on("end", () => {
                if (!res.complete) return done("broken: response cut");
                let message: unknown;
                try {
                  message = JSON.parse(Buffer.concat(chunks).toString()).message;
                } catch {
                  return done("broken: not JSON");
                }
                done(
                  res.statusCode === 200 && message === `Hello, ${name}`
                    ? "ok"
                    : `broken: HTTP ${res.statusCode}`,
                );
              });
            },
          );
          req.on("error", (e: NodeJS.ErrnoException) => {
            // Before any response byte: refused, or closed by the server as an
            // idle keep-alive connection as the request went out (HTTP/1.1
            // has no way to say "going away"); the log check below proves the
            // server never handled these.
            if (e.code === "ECONNREFUSED") done("refused: connection refused");
            else if (e.code === "ECONNRESET") done("unanswered: reset before any response");
            else done(`broken: ${e.code ?? e.message}`);
          });
          req.end(requestBody("connect", slow ? { name, delayMs: 1_500 } : { name }));
        });
      const worker = async (slow: boolean) => {
        while (!stopped) await call(slow);
      };
      const workers = [
        ...Array.from({ length: 28 }, () => worker(false)),
        ...Array.from({ length: 4 }, () => worker(true)),
      ];
      await loaded;
      const sigterm = performance.now();
      server.child.kill("SIGTERM");
      const refusal = await firstRefusal(server);
      const code = await server.exited;
      await sleep(50);
      stopped = true;
      await Promise.all(workers);

      const count = (p: (c: H1Call) => boolean) => calls.filter(p).length;
      const broken = calls.filter((c) => c.outcome.startsWith("broken"));
      assert.equal(code, 0, "exit code");
      assert.deepEqual(
        broken.map((c) => c.outcome),
        [],
        "no call broke after it was answered",
      );
      assert.ok(
        refusal.stillRunning,
        "a new connection was refused while the server still drained",
      );
      assert.ok(
        count((c) => c.slow && c.outcome === "ok" && c.startedAt < sigterm && c.endedAt > sigterm) >
          0,
        "slow calls in flight at SIGTERM completed",
      );
      assert.ok(count((c) => c.outcome.startsWith("refused")) > 0, "later calls were refused");
      // The server handled exactly the calls that got an answer.
      assert.deepEqual(
        [...(await loggedCodes(server))],
        [["ok", count((c) => c.outcome === "ok")]],
      );
    } finally {
      agent.destroy();
      server.kill();
    }
  });

  it("a connection accepted before SIGTERM that speaks only after it is told to go away too", async () => {
    const server = await startLogged(dir, "late.log");
    try {
      const { port, hostname } = new URL(server.url);
      const socket = connect(Number(port), hostname);
      await new Promise((r) => socket.once("connect", r));
      server.child.kill("SIGTERM");
      // The server drains: new connections are refused. This one was
      // accepted before, and only now sends its first bytes.
      assert.ok((await firstRefusal(server)).stillRunning);
      const session = http2.connect(server.url, { createConnection: () => socket });
      session.on("error", () => {});
      let goaway = false;
      session.on("goaway", () => {
        goaway = true;
      });
      // Served or refused, either is fine for this first call…
      await runOne(session).catch(() => "refused");
      // …but by the time the server answers a PING it must have sent
      // GOAWAY (frames arrive in order), or it would go on taking calls
      // until the grace period ends and then cut them. (A ping cancelled
      // because the server closed the session is an answer too.)
      if (!session.closed && !session.destroyed) {
        await new Promise<void>((resolve) => session.ping(() => resolve()));
      }
      assert.ok(goaway, "the late connection got a GOAWAY");
    } finally {
      server.kill();
    }
  });
});

/** One gRPC SayHello on `session`; resolves with its grpc-status. */
function runOne(session: http2.ClientHttp2Session): Promise<string> {
  return new Promise((resolve, reject) => {
    const stream = session.request({
      ":method": "POST",
      ":path": sayHelloPath,
      "content-type": "application/grpc",
      te: "trailers",
    });
    let status: string | undefined;
    stream.on("trailers", (t) => {
      status = String(t["grpc-status"]);
    });
    stream.on("data", () => {});
    stream.on("error", reject);
    stream.on("close", () =>
      status === undefined ? reject(new Error("no status")) : resolve(status),
    );
    stream.end(requestBody("grpc", { name: "late" }));
  });
}
