// Hops under a flood: many long chains from one client never wedge the
// downstream — each call ends soon (a greeting, or ResourceExhausted at once
// when the hop budget is spent), and a bystander's hop call from another
// address is served meanwhile.
import assert from "node:assert/strict";
import { after, before, it } from "node:test";
import { Code, ConnectError, createClient } from "@connectrpc/connect";
import { createGrpcTransport } from "@connectrpc/connect-node";
import { HelloService } from "../gen/hello/v1/hello_pb.js";
import type { RunningServer } from "./app.js";
import { limits } from "./limits.js";
import { startTestServer } from "./testing.js";

let server: RunningServer;
before(async () => {
  server = await startTestServer();
});
after(() => server.close());

const clientFrom = (localAddress: string) =>
  createClient(
    HelloService,
    createGrpcTransport({
      baseUrl: server.url,
      nodeOptions: { localAddress } as Parameters<typeof createGrpcTransport>[0]["nodeOptions"],
    }),
  );

it("80 concurrent hops: 8 chains from one client end within seconds; a bystander is served", async () => {
  const started = Date.now();
  const attacker = clientFrom("127.0.0.1");
  const flood = Array.from({ length: 80 }, () =>
    attacker.sayHello({ name: "flood", hops: 8 }, { timeoutMs: 20_000 }).then(
      () => "ok",
      (e) => Code[ConnectError.from(e).code],
    ),
  );
  await new Promise((r) => setTimeout(r, 50));
  const bystander = await clientFrom("127.0.0.2").sayHello({ name: "bystander", hops: 1 });
  assert.equal(bystander.message, "Hello, bystander");
  const outcomes = await Promise.all(flood);
  const elapsed = Date.now() - started;
  const counts: Record<string, number> = {};
  for (const o of outcomes) counts[o] = (counts[o] ?? 0) + 1;
  console.log(`hop flood: ${JSON.stringify(counts)} in ${elapsed} ms`);
  assert.ok(elapsed < 15_000, `every call ended in ${elapsed} ms (the wedge lasted 30 s)`);
  assert.deepEqual(
    Object.keys(counts).filter((k) => k !== "ok" && k !== "ResourceExhausted"),
    [],
    "only greetings and fast refusals",
  );
  assert.ok(
    (counts.ok ?? 0) >= limits.maxHopCallsInFlight / 8,
    "chains that fit the budget finish",
  );
});
