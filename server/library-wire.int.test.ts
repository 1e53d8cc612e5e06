// Over the wire, for Connect, gRPC and gRPC-Web: a real connect-node server on
// an ephemeral port, real connect-node clients, the metadata library on both.
import assert from "node:assert/strict";
import * as http2 from "node:http2";
import type { AddressInfo } from "node:net";
import { after, before, describe, it } from "node:test";
import {
  Code,
  ConnectError,
  createClient,
  createContextKey,
  createContextValues,
  type HandlerContext,
} from "@connectrpc/connect";
import {
  connectNodeAdapter,
  createNodeHttpClient,
  Http2SessionManager,
} from "@connectrpc/connect-node";
import {
  appendToOutgoingContext,
  callOptions,
  createMetadataTransport,
  fromIncomingContext,
  header,
  MD,
  newOutgoingContext,
  pairs,
  sendHeader,
  serverMetadataInterceptor,
  setHeader,
  setTrailer,
  trailer,
} from "@hello-metadata/metadata";
import { HelloService } from "../gen/hello/v1/hello_pb.js";

const asRecord = (md: MD) => Object.fromEntries(md.entries());

const bytes = new Uint8Array([0, 1, 2, 253, 254, 255, 10, 13]);
const localKey = createContextKey("unset", { description: "a local value" });

/** Errors the handler saw from late writes, by request name. */
const lateErrors = new Map<string, ConnectError[]>();
const seenLocal: unknown[] = [];

function record(name: string, fn: () => void): void {
  try {
    fn();
  } catch (e) {
    const list = lateErrors.get(name) ?? [];
    list.push(ConnectError.from(e));
    lateErrors.set(name, list);
  }
}

/** Echoes what arrived as header and trailer metadata, then does what `name` asks. */
async function sayHello(req: { name: string }, ctx: HandlerContext) {
  const incoming = fromIncomingContext(ctx.values) ?? new MD();
  seenLocal.push(ctx.values.get(localKey));
  const echo = new MD();
  for (const [k, vs] of incoming.entries()) {
    if (k.startsWith("x-echo")) echo.set(k, ...(vs as never[]));
  }
  setHeader(ctx, pairs("h-text", "one"));
  setHeader(ctx, pairs("h-text", "two", "h-bin", bytes));
  setTrailer(ctx, pairs("t-text", "three", "t-bin", bytes.slice().reverse()));
  setTrailer(ctx, echo);
  if (req.name === "late") {
    sendHeader(ctx, pairs("h-sent", "yes"));
    record(req.name, () => setHeader(ctx, pairs("too", "late")));
    record(req.name, () => sendHeader(ctx, pairs("twice", "no")));
    setTimeout(() => record(req.name, () => setTrailer(ctx, pairs("after", "end"))), 10);
  }
  if (req.name === "reserved") {
    record(req.name, () => setHeader(ctx, pairs("grpc-status", "0")));
    record(req.name, () => setTrailer(ctx, pairs("Bad Key", "x")));
    record(req.name, () => setHeader(ctx, pairs("x-crlf", "a\r\nb")));
  }
  if (req.name === "fail") {
    throw new ConnectError("asked to fail", Code.FailedPrecondition);
  }
  return { message: `Hello, ${req.name}` };
}

let server: http2.Http2Server;
let baseUrl: string;

before(async () => {
  server = http2.createServer(
    connectNodeAdapter({
      routes: (r) => r.service(HelloService, { sayHello }),
      interceptors: [serverMetadataInterceptor()],
    }),
  );
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

after(() => new Promise<void>((r) => server.close(() => r())));

const session = () => new Http2SessionManager(baseUrl);
const protocols = ["connect", "grpc", "grpc-web"] as const;

for (const protocol of protocols) {
  describe(`over ${protocol}`, () => {
    let sessions: Http2SessionManager;
    const client = () =>
      createClient(
        HelloService,
        createMetadataTransport({
          protocol,
          baseUrl,
          httpClient: createNodeHttpClient({ httpVersion: "2", sessionProvider: () => sessions }),
        }),
      );
    before(() => {
      sessions = session();
    });
    after(() => sessions.abort());

    it("caller metadata arrives equal at the handler; handler metadata arrives equal at the caller", async () => {
      let ctx = newOutgoingContext(
        undefined,
        pairs("x-echo-text", "hello world", "x-echo-bin", bytes),
      );
      ctx = appendToOutgoingContext(ctx, "X-Echo-Appended", "later");
      const h = new MD();
      const t = new MD();
      const res = await client().sayHello({ name: "a" }, callOptions(ctx, header(h), trailer(t)));
      assert.equal(res.message, "Hello, a");
      assert.deepEqual(asRecord(h), { "h-text": ["one, two"], "h-bin": [bytes] });
      assert.deepEqual(asRecord(t), {
        "t-text": ["three"],
        "t-bin": [bytes.slice().reverse()],
        "x-echo-text": ["hello world"],
        "x-echo-bin": [bytes],
        "x-echo-appended": ["later"],
      });
    });

    it("a failing call keeps header and trailer apart", async () => {
      const h = new MD();
      const t = new MD();
      const err = await client()
        .sayHello({ name: "fail" }, callOptions(undefined, header(h), trailer(t)))
        .then(() => undefined, ConnectError.from);
      assert.equal(err?.code, Code.FailedPrecondition);
      assert.deepEqual(asRecord(h), { "h-text": ["one, two"], "h-bin": [bytes] });
      assert.deepEqual(asRecord(t), { "t-text": ["three"], "t-bin": [bytes.slice().reverse()] });
    });

    it("late writes fail with Internal, as in grpc-go", async () => {
      const h = new MD();
      const name = "late";
      lateErrors.delete(name);
      await client().sayHello({ name }, callOptions(undefined, header(h)));
      await new Promise((r) => setTimeout(r, 50));
      const errors = lateErrors.get(name) ?? [];
      assert.deepEqual(
        errors.map((e) => e.code),
        [Code.Internal, Code.Internal, Code.Internal],
      );
      assert.match(errors[0]?.message ?? "", /setHeader: headers were already sent/);
      assert.match(errors[1]?.message ?? "", /sendHeader: headers were already sent/);
      assert.match(errors[2]?.message ?? "", /setTrailer: the call has already ended/);
      assert.deepEqual(h.get("h-sent"), ["yes"]);
      assert.deepEqual(h.get("too"), []);
    });

    it("reserved keys and invalid metadata are refused on the handler side", async () => {
      const name = "reserved";
      lateErrors.delete(name);
      const h = new MD();
      await client().sayHello({ name }, callOptions(undefined, header(h)));
      const errors = lateErrors.get(name) ?? [];
      assert.equal(errors.length, 3);
      assert.match(errors[0]?.message ?? "", /"grpc-status" is reserved/);
      assert.match(errors[1]?.message ?? "", /"bad key" contains illegal characters/);
      assert.match(errors[2]?.message ?? "", /"x-crlf" contains value with non-printable/);
      assert.deepEqual(h.get("x-crlf"), []);
    });

    it("invalid outgoing metadata fails the call with Internal before sending", async () => {
      const ctx = appendToOutgoingContext(undefined, "x-ok", "line\nbreak");
      const err = await client()
        .sayHello({ name: "a" }, callOptions(ctx))
        .then(() => undefined, ConnectError.from);
      assert.equal(err?.code, Code.Internal);
      assert.match(err?.message ?? "", /"x-ok" contains value with non-printable/);
    });

    it("context values stay local unless made metadata", async () => {
      seenLocal.length = 0;
      const values = createContextValues().set(localKey, "secret-local");
      const t = new MD();
      await client().sayHello({ name: "a" }, callOptions(values, trailer(t)));
      assert.deepEqual(seenLocal, ["unset"]);
      assert.deepEqual(
        t.keys().filter((k) => k.startsWith("x-echo")),
        [],
      );
    });
  });
}
