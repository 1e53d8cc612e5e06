// Graceful shutdown of a real server process: SIGTERM lets accepted calls
// finish (streams included), refuses new connections, and exits 0.
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { createClient } from "@connectrpc/connect";
import { createNodeHttpClient } from "@connectrpc/connect-node";
import { createMetadataTransport } from "@hello-metadata/metadata";
import { HelloService } from "../gen/hello/v1/hello_pb.js";
import { startServerProcess } from "../scripts/kit/server-process.js";
import { connectionRefused } from "../scripts/kit/wire-probes.js";

const client = (url: string, protocol: "grpc" | "connect", httpVersion: "1.1" | "2") =>
  createClient(
    HelloService,
    createMetadataTransport({
      protocol,
      baseUrl: url,
      httpClient: createNodeHttpClient(httpVersion === "2" ? { httpVersion } : { httpVersion }),
    }),
  );

describe("SIGTERM", () => {
  it("in-flight unary calls and streams complete, then the process exits 0", async () => {
    const server = await startServerProcess();
    try {
      const calls = [
        client(server.url, "grpc", "2").sayHello({ name: "g", delayMs: 800 }),
        client(server.url, "connect", "1.1").sayHello({ name: "h1", delayMs: 800 }),
        client(server.url, "connect", "2").sayHello({ name: "h2", delayMs: 800 }),
      ];
      const stream = (async () => {
        const got: string[] = [];
        for await (const m of client(server.url, "grpc", "2").sayHelloStream({
          name: "s",
          count: 4,
          intervalMs: 200,
        })) {
          got.push(m.message);
        }
        return got;
      })();
      await new Promise((r) => setTimeout(r, 300));
      server.child.kill("SIGTERM");
      const results = await Promise.all(calls);
      assert.deepEqual(
        results.map((r) => r.message),
        ["Hello, g", "Hello, h1", "Hello, h2"],
      );
      assert.equal((await stream).length, 4);
      assert.equal(await server.exited, 0);
      assert.ok(await connectionRefused(server.url), "new connections are refused");
    } finally {
      server.kill();
    }
  });

  it("new connections are refused while draining", async () => {
    const server = await startServerProcess();
    try {
      const call = client(server.url, "grpc", "2").sayHello({ name: "slow", delayMs: 1000 });
      await new Promise((r) => setTimeout(r, 200));
      server.child.kill("SIGTERM");
      await new Promise((r) => setTimeout(r, 200));
      assert.ok(await connectionRefused(server.url), "refused while the slow call drains");
      assert.equal((await call).message, "Hello, slow");
      assert.equal(await server.exited, 0);
    } finally {
      server.kill();
    }
  });

  it("a second signal exits at once", async () => {
    const server = await startServerProcess();
    try {
      const call = client(server.url, "grpc", "2")
        .sayHello({ name: "stuck", delayMs: 30_000 })
        .catch(() => "failed");
      await new Promise((r) => setTimeout(r, 200));
      const started = Date.now();
      server.child.kill("SIGTERM");
      await new Promise((r) => setTimeout(r, 200));
      server.child.kill("SIGTERM");
      assert.equal(await server.exited, 143);
      assert.ok(Date.now() - started < 5_000);
      assert.equal(await call, "failed");
    } finally {
      server.kill();
    }
  });
});
