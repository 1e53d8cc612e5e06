// Call logs: one structured line per call, metadata values redacted.
import assert from "node:assert/strict";
import { PassThrough } from "node:stream";
import { after, before, it } from "node:test";
import { HelloService } from "../gen/hello/v1/hello_pb.js";
import { rpcPath } from "../scripts/kit/rpc-path.js";
import type { RunningServer } from "./app.js";
import { curl, startTestServer } from "./testing.js";

const sayHello = rpcPath(HelloService.method.sayHello);
const lines: Record<string, unknown>[] = [];
let server: RunningServer;

before(async () => {
  const logs = new PassThrough();
  logs.on("data", (chunk: Buffer) => {
    for (const line of chunk.toString().split("\n").filter(Boolean)) lines.push(JSON.parse(line));
  });
  server = await startTestServer(logs);
});
after(() => server.close());

it("logs the call with its request id and redacts every other metadata value", async () => {
  const res = await curl([
    "-H",
    "content-type: application/json",
    "-H",
    "authorization: Bearer top-secret-token",
    "-H",
    "cookie: session=also-secret",
    "-H",
    "x-request-id: req-42",
    "-d",
    '{"name":""}',
    `${server.url}${sayHello}`,
  ]);
  assert.equal(res.status, 400);
  await new Promise((r) => setTimeout(r, 100));
  const line = lines.find((l) => l.requestId === "req-42");
  assert.ok(line, `a log line for req-42 in ${JSON.stringify(lines)}`);
  assert.equal(line.procedure, sayHello);
  assert.equal(line.protocol, "connect");
  assert.equal(line.code, "invalid_argument");
  assert.equal(typeof line.durationMs, "number");
  assert.deepEqual(line.metadata, {
    authorization: "[REDACTED]",
    cookie: "[REDACTED]",
    "user-agent": "[REDACTED]",
    "x-request-id": ["req-42"],
  });
  const all = JSON.stringify(lines);
  assert.doesNotMatch(all, /top-secret-token|also-secret/);
});

it("a hostile request logs a bounded line: keys counted past 32, names and safe values cut", async () => {
  const headers: string[] = [];
  for (let i = 0; i < 200; i++) headers.push("-H", `x-k${i}-${"n".repeat(100)}: v`);
  const res = await curl([
    ...headers,
    "-H",
    `traceparent: ${"0".repeat(5_000)}`,
    "-H",
    "x-bad-bin: !!!",
    "-H",
    "x-request-id: req-hostile",
    "-H",
    "content-type: application/json",
    "-d",
    '{"name":"x"}',
    `${server.url}/hello.v1.HelloService/SayHello`,
  ]);
  assert.equal(res.status, 429, "refused: over the 8 KiB metadata limit");
  await new Promise((r) => setTimeout(r, 100));
  const line = lines.find((l) => l.requestId === "req-hostile");
  assert.ok(line);
  const metadata = line.metadata as Record<string, unknown>;
  const named = Object.keys(metadata).filter((k) => !k.startsWith("["));
  assert.equal(named.length, 32);
  assert.ok(
    named.every((k) => k.length <= 65),
    "key names are cut",
  );
  // 200 x-k… keys, traceparent, x-bad-bin, user-agent and x-request-id: 204 keys, 32 named.
  assert.equal(metadata["[more keys]"], 204 - 32, "the rest are counted");
  assert.ok(JSON.stringify(line).length < 6_000, `${JSON.stringify(line).length} bytes`);
});
