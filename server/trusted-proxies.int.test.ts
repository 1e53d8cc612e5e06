// Behind a proxy, the client is the client — but only behind a proxy the
// server trusts. The server trusts 127.0.0.2; requests from there name
// their client with X-Forwarded-For or Forwarded, requests from anywhere
// else cannot.
import assert from "node:assert/strict";
import { connect } from "node:net";
import { PassThrough } from "node:stream";
import { after, before, describe, it } from "node:test";
import { rawHttp1 } from "../scripts/kit/wire-probes.js";
import type { RunningServer } from "./app.js";
import { startTestServer } from "./testing.js";

const lines: Record<string, unknown>[] = [];
let server: RunningServer;
before(async () => {
  const logs = new PassThrough();
  logs.on("data", (chunk: Buffer) => {
    for (const line of chunk.toString().split("\n").filter(Boolean)) lines.push(JSON.parse(line));
  });
  server = await startTestServer(logs, {
    host: "0.0.0.0",
    trustedProxies: ["127.0.0.2"],
    limits: { maxConnectionsPerClient: 4 },
  });
});
after(() => server.close());

/** A SayHello over HTTP/1.1 from `from`, with extra header lines; the log line it left. */
async function callFrom(from: string, headers: string[], id: string) {
  const body = '{"name":"p"}';
  const port = server.port;
  const r = await rawHttp1(
    `http://127.0.0.1:${port}`,
    [
      `POST /hello.v1.HelloService/SayHello HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nX-Request-Id: ${id}\r\n${headers.map((h) => `${h}\r\n`).join("")}Content-Length: ${body.length}\r\nConnection: close\r\n\r\n${body}`,
    ],
    { localAddress: from },
  );
  assert.equal(r.status, 200, r.text);
  await new Promise((done) => setTimeout(done, 50));
  return lines.find((l) => l.requestId === id);
}

describe("trusted proxies", () => {
  it("from a trusted proxy, X-Forwarded-For names the client in the logs", async () => {
    const line = await callFrom("127.0.0.2", ["X-Forwarded-For: 198.51.100.7"], "via-proxy");
    assert.equal(line?.client, "198.51.100.7");
  });
  it("from a trusted proxy, Forwarded does too (and wins)", async () => {
    const line = await callFrom(
      "127.0.0.2",
      ['Forwarded: for="[2001:db8::7]:4711"', "X-Forwarded-For: 1.1.1.1"],
      "forwarded",
    );
    assert.equal(line?.client, "2001:db8::7");
  });
  it("from anyone else, the headers are ignored: the peer is the client", async () => {
    const line = await callFrom("127.0.0.3", ["X-Forwarded-For: 198.51.100.7"], "spoofed");
    assert.equal(line?.client, "127.0.0.3");
  });
  it("a trusted proxy's connections are not capped per client; anyone else's are", async () => {
    const hold = (from: string, n: number) =>
      Promise.all(
        Array.from(
          { length: n },
          () =>
            new Promise<{ closedFast: boolean; destroy: () => void }>((resolve) => {
              const s = connect({ port: server.port, host: "127.0.0.1", localAddress: from });
              s.on("error", () => {});
              const t = setTimeout(
                () => resolve({ closedFast: false, destroy: () => s.destroy() }),
                300,
              );
              s.once("close", () => {
                clearTimeout(t);
                resolve({ closedFast: true, destroy: () => {} });
              });
            }),
        ),
      );
    const proxy = await hold("127.0.0.2", 10);
    const other = await hold("127.0.0.4", 10);
    for (const s of [...proxy, ...other]) s.destroy();
    assert.equal(proxy.filter((s) => s.closedFast).length, 0, "the proxy keeps all 10");
    assert.equal(other.filter((s) => s.closedFast).length, 10 - 4, "past 4, closed at once");
  });
});
