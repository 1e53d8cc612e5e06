// What a caller sees, per protocol: streaming order (headers, messages,
// trailers) and error paths with headers and trailers kept apart.
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { Code, ConnectError, createClient } from "@connectrpc/connect";
import { createNodeHttpClient, Http2SessionManager } from "@connectrpc/connect-node";
import {
  callOptions,
  createMetadataTransport,
  header,
  MD,
  trailer,
} from "@hello-metadata/metadata";
import { HelloService, MetadataKeysSchema } from "../gen/hello/v1/hello_pb.js";
import type { RunningServer } from "./app.js";
import { startTestServer } from "./testing.js";

let server: RunningServer;
let sessions: Http2SessionManager;
before(async () => {
  server = await startTestServer();
  sessions = new Http2SessionManager(server.url);
});
after(async () => {
  sessions.abort();
  await server.close();
});

const protocols = ["connect", "grpc", "grpc-web"] as const;
const client = (protocol: (typeof protocols)[number]) =>
  createClient(
    HelloService,
    createMetadataTransport({
      protocol,
      baseUrl: server.url,
      httpClient: createNodeHttpClient({ httpVersion: "2", sessionProvider: () => sessions }),
    }),
  );

for (const protocol of protocols) {
  describe(`over ${protocol}`, () => {
    it("a stream delivers headers first, then messages one by one, then trailers", async () => {
      const h = new MD();
      const t = new MD();
      const events: string[] = [];
      const stream = client(protocol).sayHelloStream(
        { name: "s", count: 3, intervalMs: 50 },
        callOptions(undefined, header(h), trailer(t)),
      );
      const arrivals: number[] = [];
      for await (const msg of stream) {
        if (msg.index === 1) {
          events.push(h.has("response-time") ? "headers" : "no headers yet");
          assert.deepEqual(msg.keysSet?.trailer, ["processing-ms"]);
        }
        events.push(
          t.length === 0 ? `message ${msg.index}` : `message ${msg.index} after trailers`,
        );
        arrivals.push(performance.now());
      }
      events.push(t.has("processing-ms") ? "trailers" : "no trailers");
      assert.deepEqual(events, ["headers", "message 1", "message 2", "message 3", "trailers"]);
      assert.ok(
        (arrivals[2] ?? 0) - (arrivals[0] ?? 0) >= 80,
        "messages arrive one by one, not batched",
      );
      assert.ok(!h.has("processing-ms") && !t.has("response-time"), "headers and trailers apart");
      assert.match(h.get("x-request-id")[0] ?? "", /^[0-9a-f-]{36}$/);
    });

    it("interval_ms: an explicit 0 sends the greetings back to back, unset waits 200 ms", async () => {
      const timed = async (req: { name: string; count: number; intervalMs?: number }) => {
        const started = performance.now();
        const got: number[] = [];
        for await (const msg of client(protocol).sayHelloStream(req)) got.push(msg.index);
        return { got, ms: performance.now() - started };
      };
      const none = await timed({ name: "s", count: 20, intervalMs: 0 });
      assert.deepEqual(
        none.got,
        Array.from({ length: 20 }, (_, i) => i + 1),
      );
      // 19 default waits would be 3.8 s.
      assert.ok(none.ms < 1_500, `20 greetings with interval_ms 0 took ${none.ms} ms`);
      const unset = await timed({ name: "s", count: 2 });
      assert.deepEqual(unset.got, [1, 2]);
      assert.ok(unset.ms >= 190, `2 greetings, interval_ms unset, took ${unset.ms} ms`);
    });

    it("a failing stream still ends with its trailers, apart from its headers", async () => {
      const h = new MD();
      const t = new MD();
      const got: number[] = [];
      const err = await (async () => {
        for await (const msg of client(protocol).sayHelloStream(
          { name: "s", count: 2, intervalMs: 10, failCode: Code.Aborted },
          callOptions(undefined, header(h), trailer(t)),
        )) {
          got.push(msg.index);
        }
      })().then(() => undefined, ConnectError.from);
      assert.equal(err?.code, Code.Aborted);
      assert.deepEqual(got, [1, 2]);
      assert.ok(h.has("response-time") && h.has("x-request-id") && !h.has("processing-ms"));
      assert.ok(t.has("processing-ms") && !t.has("response-time"));
    });

    for (const code of [Code.InvalidArgument, Code.NotFound, Code.Unavailable, Code.Internal]) {
      it(`unary ${Code[code]} keeps response-time, x-request-id and the trailer, apart`, async () => {
        const h = new MD();
        const t = new MD();
        const req = code === Code.InvalidArgument ? { name: "" } : { name: "x", failCode: code };
        const err = await client(protocol)
          .sayHello(req, callOptions(undefined, header(h), trailer(t)))
          .then(() => undefined, ConnectError.from);
        assert.equal(err?.code, code);
        assert.deepEqual(h.keys().sort(), ["response-time", "x-request-id", "x-served-by"]);
        assert.deepEqual(t.keys(), ["processing-ms"]);
        if (code !== Code.InvalidArgument) {
          const [keys] = err?.findDetails(MetadataKeysSchema) ?? [];
          assert.deepEqual(keys?.trailer, ["processing-ms"], "error details list the keys set");
        }
      });
    }
  });
}
