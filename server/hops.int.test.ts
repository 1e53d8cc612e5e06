// Metadata crossing processes: three servers chained A → B → C, each a real
// process on its own port, called over gRPC by the library's client.
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { Code, ConnectError, createClient } from "@connectrpc/connect";
import { createNodeHttpClient } from "@connectrpc/connect-node";
import {
  appendToOutgoingContext,
  callOptions,
  createMetadataTransport,
} from "@hello-metadata/metadata";
import { HelloService } from "../gen/hello/v1/hello_pb.js";
import { type ServerProcess, startServerProcess } from "../scripts/kit/server-process.js";

let a: ServerProcess;
let b: ServerProcess;
let c: ServerProcess;

// The three servers of the chain share a hop key, so each trusts the trail the one before it signed.
const shared = ["--hop-secret", "chain-test-key"];
before(async () => {
  c = await startServerProcess({ args: shared });
  b = await startServerProcess({ args: ["--downstream", c.url, ...shared] });
  a = await startServerProcess({ args: ["--downstream", b.url, ...shared] });
});
after(() => {
  for (const p of [a, b, c]) p?.kill();
});

const clientFor = (url: string) =>
  createClient(
    HelloService,
    createMetadataTransport({
      protocol: "grpc",
      baseUrl: url,
      httpClient: createNodeHttpClient({ httpVersion: "2" }),
    }),
  );

const secrets = ["authorization", "cookie", "x-internal-secret"];

function outgoing() {
  return appendToOutgoingContext(
    undefined,
    "x-request-id",
    "chain-1",
    "traceparent",
    "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01",
    "authorization",
    "Bearer hop-1-only",
    "cookie",
    "session=hop-1-only",
    "x-internal-secret",
    "hop-1-only",
  );
}

const keysOf = (entries: { key: string }[]) => entries.map((e) => e.key);

describe("three processes chained", () => {
  it("allow-listed keys reach the last hop; others stop at the first", async () => {
    const res = await clientFor(a.url).sayHello(
      { name: "chain", hops: 2 },
      { ...callOptions(outgoing()), timeoutMs: 5_000 },
    );
    assert.equal(res.hops.length, 3);
    const [h0, h1, h2] = res.hops;
    assert.ok(h0 && h1 && h2);
    for (const k of secrets) assert.ok(keysOf(h0.received).includes(k), `hop 0 received ${k}`);
    assert.deepEqual(
      secrets.filter((k) => h0.dropped.includes(k)),
      secrets,
      "hop 0 reports the secrets as dropped",
    );
    for (const hop of [h1, h2]) {
      for (const k of secrets)
        assert.ok(!keysOf(hop.received).includes(k), `hop ${hop.index} never sees ${k}`);
      const got = Object.fromEntries(hop.received.map((e) => [e.key, e.values]));
      assert.deepEqual(got["x-request-id"], ["chain-1"]);
      assert.deepEqual(got.traceparent, [
        "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01",
      ]);
    }
    const via = h2.received.find((e) => e.key === "x-hello-via")?.values;
    // Each hop appends its own entry; HTTP folds repeated fields into one value.
    assert.deepEqual(via, [`${new URL(a.url).host}, ${new URL(b.url).host}`]);
    assert.equal(h2.via, new URL(c.url).host);
  });

  it("a trail a client made up is not hop history: the trail starts at the first server", async () => {
    const forged = appendToOutgoingContext(
      undefined,
      "x-hello-via",
      "evil.example:1",
      "x-hello-via-mac",
      "made-up",
    );
    const res = await clientFor(a.url).sayHello(
      { name: "forged", hops: 2 },
      { ...callOptions(forged), timeoutMs: 5_000 },
    );
    const [h0, h1, h2] = res.hops;
    assert.ok(h0 && h1 && h2);
    const trailAt = (hop: typeof h1) => hop.received.find((e) => e.key === "x-hello-via")?.values;
    assert.deepEqual(trailAt(h1), [new URL(a.url).host]);
    assert.deepEqual(trailAt(h2), [`${new URL(a.url).host}, ${new URL(b.url).host}`]);
    assert.ok(!h0.dropped.includes("x-hello-via"), "never history, so not 'dropped' either");
  });

  it("the deadline shrinks at every hop", async () => {
    const res = await clientFor(a.url).sayHello(
      { name: "deadline", hops: 2 },
      { timeoutMs: 4_000 },
    );
    const deadlines = res.hops.map((h) => Number(h.deadlineMs));
    assert.equal(deadlines.length, 3);
    assert.ok(
      deadlines[0] !== undefined && deadlines[0] <= 4_000 && deadlines[0] > 3_000,
      `${deadlines}`,
    );
    for (let i = 1; i < deadlines.length; i++) {
      assert.ok((deadlines[i] ?? 0) < (deadlines[i - 1] ?? 0), `hop ${i}: ${deadlines}`);
    }
  });

  it("no deadline from the caller: each hop gives its call the default, so none waits forever", async () => {
    const res = await clientFor(a.url).sayHello({ name: "none", hops: 2 });
    const [h0, h1, h2] = res.hops.map((h) => h.deadlineMs);
    assert.equal(h0, undefined, "the caller set none");
    assert.ok(h1 !== undefined && h1 <= 10_000n && h1 > 9_000n, `hop 1: ${h1}`);
    assert.ok(h2 !== undefined && h2 < h1, `hop 2: ${h2}, less than hop 1's`);
  });

  it("an error at the last hop reaches the caller with its code, and secrets stay put", async () => {
    const err = await clientFor(a.url)
      .sayHello({ name: "fail", hops: 2, failCode: Code.PermissionDenied }, callOptions(outgoing()))
      .then(() => undefined, ConnectError.from);
    assert.equal(err?.code, Code.PermissionDenied);
    const logged = await waitFor(() => {
      const found = c.logs.filter((l) => l.code === "permission_denied");
      return found.length > 0 && found;
    }, 5_000);
    for (const l of logged) {
      for (const k of secrets) assert.ok(!(k in (l.metadata as object)), `${k} at the last hop`);
    }
  });

  it("cancelling the first call cancels the last", async () => {
    const abort = new AbortController();
    const call = clientFor(a.url).sayHello(
      { name: "slow", hops: 2, delayMs: 20_000 },
      {
        ...callOptions(appendToOutgoingContext(undefined, "x-request-id", "cancel-me")),
        signal: abort.signal,
      },
    );
    const settled = call.then(() => undefined, ConnectError.from);
    await new Promise((r) => setTimeout(r, 500)); // the call reaches the last hop
    abort.abort();
    assert.equal((await settled)?.code, Code.Canceled);
    const last = await waitFor(() => c.logs.find((l) => l.requestId === "cancel-me"), 5_000);
    assert.equal(last.code, "canceled", "the last hop saw the cancellation");
    assert.ok(Number(last.durationMs) < 10_000, "and stopped waiting");
  });
});

/** Polls `fn` every 25 ms until it returns something truthy, or fails after `ms`. */
async function waitFor<T>(fn: () => T | undefined | false, ms: number): Promise<T> {
  const end = Date.now() + ms;
  for (;;) {
    const v = fn();
    if (v) return v;
    if (Date.now() > end) throw new Error(`timed out after ${ms} ms`);
    await new Promise((r) => setTimeout(r, 25));
  }
}
