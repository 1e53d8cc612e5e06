// Metadata and body limits on HTTP/1.1 and h2: a clear error, the server
// stays up, the next call works.
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import type { RunningServer } from "./app.js";
import { limits } from "./limits.js";
import { curl, startTestServer } from "./testing.js";

let server: RunningServer;
let rpc: string;
before(async () => {
  server = await startTestServer();
  rpc = `${server.url}/hello.v1.HelloService/SayHello`;
});
after(() => server.close());

const json = ["-H", "content-type: application/json"];

async function goodCall(flags: string[]): Promise<void> {
  const res = await curl([...flags, ...json, "-d", '{"name":"next"}', rpc]);
  assert.equal(res.status, 200);
  assert.equal(JSON.parse(res.body.toString()).message, "Hello, next");
}

const manySmall = Array.from({ length: 300 }, (_, i) => [
  "-H",
  `x-m-${i}: ${"v".repeat(10)}`,
]).flat();

for (const [label, flags] of [
  ["HTTP/1.1", ["--http1.1"]],
  ["h2c", ["--http2-prior-knowledge"]],
] as const) {
  describe(`metadata over the limit, ${label}`, () => {
    for (const [what, headers] of [
      ["one huge value", ["-H", `x-huge: ${"a".repeat(limits.maxMetadataBytes)}`]],
      ["many small ones", manySmall],
    ] as const) {
      it(`${what}: resource_exhausted naming the size and the limit`, async () => {
        const res = await curl([...flags, ...json, ...headers, "-d", '{"name":"big"}', rpc]);
        assert.equal(res.status, 429);
        const body = JSON.parse(res.body.toString());
        assert.equal(body.code, "resource_exhausted");
        assert.match(body.message, /request metadata is \d+ bytes, over the limit of 8192 bytes/);
        assert.ok(res.headers.get("x-request-id"), "the error still carries x-request-id");
        await goodCall([...flags]);
      });
    }

    it("headers past Node's own limit are refused before any RPC code runs", async () => {
      const res = await curl([
        ...flags,
        ...json,
        "-H",
        `x-enormous: ${"a".repeat(limits.maxHeaderBytes + 1024)}`,
        "-d",
        "{}",
        rpc,
      ]).then(
        (r) => r.status,
        () => "connection refused or reset",
      );
      assert.ok(res === 431 || res === "connection refused or reset", `got ${res}`);
      await goodCall([...flags]);
    });
  });
}

describe("request body over the limit", () => {
  it("resource_exhausted, then the next call works", async () => {
    const name = "n".repeat(limits.maxRequestBytes + 10);
    const res = await curl(
      [...json, "--data-binary", "@-", rpc],
      Buffer.from(JSON.stringify({ name })),
    );
    assert.equal(res.status, 429);
    assert.match(
      JSON.parse(res.body.toString()).message,
      /message size .* is larger than configured readMaxBytes 1048576/,
    );
    await goodCall([]);
  });
});
