// Shutdown and idle keep-alive connections, as a reverse proxy holds them: a
// request the proxy sends on an idle connection just after shutdown began
// is served (HTTP/1.1: answered with `connection: close`, then the server
// closes; HTTP/2: served, and the GOAWAY that follows includes its stream),
// not reset or refused, which nginx would not retry. A connection that
// stays idle is closed once `drainIdleMs` has passed.
import assert from "node:assert/strict";
import * as http from "node:http";
import * as http2 from "node:http2";
import { connect, type Socket } from "node:net";
import { describe, it } from "node:test";
import { requestBody, requestHeaders, sayHelloPath } from "../scripts/kit/h2-calls.js";
import { startTestServer } from "./testing.js";

const drainIdleMs = 600;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** An HTTP/1.1 Connect SayHello on `socket`'s connection (kept alive). */
function h1Call(
  agent: http.Agent,
  port: number,
): Promise<{ status: number; connection: string | undefined }> {
  return new Promise((resolve, reject) => {
    const req = http.request(
      {
        host: "127.0.0.1",
        port,
        path: sayHelloPath,
        method: "POST",
        agent,
        headers: requestHeaders("connect"),
      },
      (res) => {
        res.resume();
        res.on("end", () =>
          resolve({ status: res.statusCode ?? 0, connection: res.headers.connection }),
        );
      },
    );
    req.on("error", reject);
    req.end(requestBody("connect", { name: "idle" }));
  });
}

/** A gRPC SayHello on `session`; its grpc-status and stream id. */
function h2Call(session: http2.ClientHttp2Session): Promise<{ grpc: string; id: number }> {
  return new Promise((resolve, reject) => {
    const stream = session.request({
      ":method": "POST",
      ":path": sayHelloPath,
      ...requestHeaders("grpc"),
    });
    let grpc = "";
    stream.on("trailers", (t) => {
      grpc = String(t["grpc-status"]);
    });
    stream.on("error", reject);
    stream.resume();
    stream.on("close", () => resolve({ grpc, id: stream.id ?? 0 }));
    stream.end(requestBody("grpc", { name: "idle" }));
  });
}

describe("shutdown with idle keep-alive connections", () => {
  it("HTTP/1.1: a request on an idle connection just after close() is answered, then the connection closes", async () => {
    const server = await startTestServer(undefined, { limits: { drainIdleMs } });
    const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
    try {
      assert.equal((await h1Call(agent, server.port)).status, 200);
      const socket = Object.values(agent.freeSockets)[0]?.[0] as Socket | undefined;
      assert.ok(socket, "the connection is kept alive");
      const closed = new Promise<void>((r) => socket.once("close", () => r()));
      const closing = server.close();
      await sleep(drainIdleMs / 3);
      const late = await h1Call(agent, server.port);
      assert.equal(late.status, 200, "served, not reset");
      assert.equal(late.connection, "close", "and told the connection closes");
      await closed;
      await closing;
    } finally {
      agent.destroy();
      await server.close();
    }
  });

  it("HTTP/2: a stream on an idle session just after close() is served, and the GOAWAY includes it", async () => {
    const server = await startTestServer(undefined, { limits: { drainIdleMs } });
    const session = http2.connect(server.url);
    session.on("error", () => {});
    try {
      assert.equal((await h2Call(session)).grpc, "0");
      const goaway = new Promise<number>((r) =>
        session.once("goaway", (_c, last: number) => r(last)),
      );
      const closing = server.close();
      await sleep(drainIdleMs / 3);
      const late = await h2Call(session);
      assert.equal(late.grpc, "0", "served, not refused");
      assert.ok((await goaway) >= late.id, "the GOAWAY's last stream id includes it");
      await closing;
    } finally {
      session.destroy();
      await server.close();
    }
  });

  it("connections that stay idle are closed once drainIdleMs has passed", async () => {
    const server = await startTestServer(undefined, { limits: { drainIdleMs } });
    const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
    const session = http2.connect(server.url);
    session.on("error", () => {});
    try {
      await h1Call(agent, server.port);
      await h2Call(session);
      const started = performance.now();
      await server.close();
      const took = performance.now() - started;
      assert.ok(took >= drainIdleMs - 50, `closed after ${took.toFixed(0)} ms, not at once`);
      assert.ok(took < drainIdleMs + 1_500, `closed after ${took.toFixed(0)} ms`);
    } finally {
      agent.destroy();
      session.destroy();
    }
  });

  it("a connection that has sent nothing is closed once drainIdleMs has passed, not at the end of the grace", async () => {
    const server = await startTestServer(undefined, { limits: { drainIdleMs } });
    const silent = connect(server.port, "127.0.0.1");
    silent.on("error", () => {});
    await new Promise((r) => silent.once("connect", r));
    const closedBy = new Promise<number>((r) => silent.once("close", () => r(performance.now())));
    const started = performance.now();
    await server.close();
    const took = (await closedBy) - started;
    assert.ok(
      took < drainIdleMs + 1_500,
      `the silent connection was closed after ${took.toFixed(0)} ms`,
    );
  });
});
