// The short version of `npm run load`: a server process under h2load and
// under a client that reads every answer, 128 concurrent streams (4
// connections × 32), gRPC and Connect. It asserts zero failures only — no
// timings. gRPC failures are HTTP 200 to h2load, so every call is also
// checked by the server's log (one line per call, tagged by x-request-id),
// by the response body bytes, and on the wire (grpc-status of each call).
import assert from "node:assert/strict";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { type Protocol, runLoad, summarize, wireRequest } from "../scripts/kit/h2-calls.js";
import { h2loadUserAgent, requireH2load, runH2load } from "../scripts/kit/h2load.js";
import { loggedCalls } from "../scripts/kit/server-log.js";
import { type ServerProcess, startServerProcess } from "../scripts/kit/server-process.js";

const callsPerRun = 2_500; // × 2 clients × 2 protocols = 10,000 calls
const shape = { connections: 4, streams: 32 };

describe("load: 10,000 unary calls over 128 concurrent streams", () => {
  let dir = "";
  let logFile = "";
  let server: ServerProcess | undefined;
  let userAgent = "";

  before(async () => {
    await requireH2load();
    userAgent = await h2loadUserAgent();
    dir = await mkdtemp(join(tmpdir(), "hello-load-test-"));
    logFile = join(dir, "server.log");
    server = await startServerProcess({ env: { LOG_LEVEL: "info" }, logFile });
  });
  after(async () => {
    server?.kill();
    await rm(dir, { recursive: true, force: true });
  });

  /** Body bytes of one good answer to a call with these headers. */
  async function goodAnswerBytes(url: string, protocol: Protocol, tag: string): Promise<number> {
    const ref = await runLoad({
      url,
      protocol,
      connections: 1,
      streams: 1,
      calls: 1,
      headers: { "user-agent": userAgent, "x-request-id": "r".repeat(tag.length) },
    });
    assert.equal(ref.calls[0]?.verdict, "ok", ref.calls[0]?.reason);
    return ref.calls[0]?.bodyBytes ?? 0;
  }

  for (const protocol of ["grpc", "connect"] as const) {
    it(`${protocol}: h2load, ${callsPerRun} calls, every one succeeds`, async () => {
      assert.ok(server);
      const tag = `h2load-${protocol}-test`;
      const bytes = await goodAnswerBytes(server.url, protocol, tag);
      const h = await runH2load({
        url: server.url,
        ...wireRequest(protocol, undefined, { "x-request-id": tag }),
        calls: callsPerRun,
        ...shape,
        dir,
      });
      assert.deepEqual(
        { total: h.total, failed: h.failed, errored: h.errored, timeout: h.timeout },
        { total: callsPerRun, failed: 0, errored: 0, timeout: 0 },
      );
      assert.equal(h.status2xx, callsPerRun);
      assert.equal(h.dataBytes, callsPerRun * bytes, "every answer carried a whole message");
      const logged = await loggedCalls(logFile, tag, callsPerRun);
      assert.deepEqual([...logged.byProtocolAndCode], [[`${protocol} ok`, callsPerRun]]);
    });

    it(`${protocol}: checking client, ${callsPerRun} calls, every answer read and correct`, async () => {
      assert.ok(server);
      const r = await runLoad({ url: server.url, protocol, ...shape, calls: callsPerRun });
      const s = summarize(r.calls);
      assert.deepEqual(
        { ok: s.ok, refused: s.refused, broken: s.broken },
        { ok: callsPerRun, refused: 0, broken: 0 },
        JSON.stringify(s.reasons),
      );
      assert.equal(r.connectionsOpened, shape.connections);
    });
  }

  it("the checks catch what h2load misses: failing gRPC calls are all HTTP 200 to h2load", async () => {
    assert.ok(server);
    const tag = "h2load-grpc-fail";
    const bytes = await goodAnswerBytes(server.url, "grpc", tag);
    const request = { name: "load", failCode: 5 };
    const h = await runH2load({
      url: server.url,
      ...wireRequest("grpc", request, { "x-request-id": tag }),
      calls: 200,
      ...shape,
      dir,
    });
    // h2load counts them all as successes…
    assert.equal(h.failed, 0);
    assert.equal(h.status2xx, 200);
    // …but no answer carried a message, the log says not_found,
    assert.notEqual(h.dataBytes, 200 * bytes);
    assert.equal(h.dataBytes, 0);
    const logged = await loggedCalls(logFile, tag, 200);
    assert.deepEqual([...logged.byProtocolAndCode], [["grpc not_found", 200]]);
    // …and the checking client reads grpc-status 5 on each.
    const r = summarize(
      (await runLoad({ url: server.url, protocol: "grpc", ...shape, calls: 200, request })).calls,
    );
    assert.equal(r.broken, 200);
    assert.match(r.reasons[0]?.[0] ?? "", /^broken: grpc-status 5 /);
  });

  it("exits 0 on SIGTERM after the load", async () => {
    assert.ok(server);
    assert.equal(await server.stop(), 0);
  });
});
