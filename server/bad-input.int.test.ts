// The bad-input suite: each row sends one bad thing over the real network
// (raw sockets where clients refuse), checks the error is the protocol's own
// and names the problem, then checks the server is alive and a good call
// right after succeeds — on HTTP/1.1 and on HTTP/2.
import assert from "node:assert/strict";
import * as http2 from "node:http2";
import type { AddressInfo } from "node:net";
import { connect } from "node:net";
import { after, before, describe, it } from "node:test";
import { create, toBinary } from "@bufbuild/protobuf";
import { Code, ConnectError, createClient } from "@connectrpc/connect";
import {
  connectNodeAdapter,
  createNodeHttpClient,
  Http2SessionManager,
} from "@connectrpc/connect-node";
import {
  createMetadataTransport,
  pairs,
  serverMetadataInterceptor,
  setHeader,
} from "@hello-metadata/metadata";
import { HelloService, SayHelloRequestSchema } from "../gen/hello/v1/hello_pb.js";
import { rpcPath, servicePath } from "../scripts/kit/rpc-path.js";
import { grpcFrame, h2Request, rawHttp1 } from "../scripts/kit/wire-probes.js";
import type { RunningServer } from "./app.js";
import type { Limits } from "./limits.js";
import { curl, startTestServer } from "./testing.js";

/** Short timeouts and small caps, so the slow-client and flood rows run in seconds. */
const testLimits: Partial<Limits> = {
  headersTimeoutMs: 600,
  requestTimeoutMs: 1_200,
  firstBytesTimeoutMs: 600,
  maxConnectionsPerClient: 64,
  maxConcurrentStreams: 32,
};

let server: RunningServer;
const path = rpcPath(HelloService.method.sayHello);
let rpc: string;
before(async () => {
  server = await startTestServer(undefined, { limits: testLimits });
  rpc = `${server.url}${path}`;
});
after(() => server.close());

const json = ["-H", "content-type: application/json"];
const grpcHeaders = {
  ":path": path,
  "content-type": "application/grpc",
  te: "trailers",
};
const hello = (name: string) =>
  Buffer.from(toBinary(SayHelloRequestSchema, create(SayHelloRequestSchema, { name })));

/** An HTTP/1.1 request as raw text, with `extra` header lines. */
function h1Request(extra: string, body = '{"name":"raw"}'): string {
  return `POST ${path} HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n${extra}Content-Length: ${body.length}\r\nConnection: close\r\n\r\n${body}`;
}

async function goodCallsWork(): Promise<void> {
  const h1 = await curl([...json, "-d", '{"name":"after"}', rpc]);
  assert.equal(h1.status, 200, "HTTP/1.1 call after the bad one");
  const h2 = await h2Request(server.url, grpcHeaders, grpcFrame(hello("after")));
  assert.equal(h2.grpcStatus, 0, "gRPC call after the bad one");
}

function connectError(body: Buffer | string): { code: string; message: string } {
  return JSON.parse(body.toString());
}

interface Row {
  readonly name: string;
  /** Sends the bad input and asserts what came back. */
  readonly check: () => Promise<void>;
}

const rows: Row[] = [
  // --- metadata values and keys ---------------------------------------------
  ...["\0", "\r", "\n "].map((bad) => ({
    name: `HTTP/1.1 raw: ${JSON.stringify(bad)} in a value → 400 saying what is wrong`,
    check: async () => {
      const r = await rawHttp1(server.url, [h1Request(`X-Bad: a${bad}b\r\n`)]);
      assert.equal(r.status, 400, r.text);
      assert.match(r.text, /not allowed in a header value|malformed/);
    },
  })),
  {
    name: "HTTP/1.1 raw: non-ASCII bytes in a value → invalid_argument naming the key",
    check: async () => {
      const r = await rawHttp1(server.url, [h1Request("X-Bad: caf\xe9\r\n")]);
      assert.equal(r.status, 400, r.text);
      assert.match(
        r.text,
        /"code":"invalid_argument".*\\"x-bad\\" contains value with non-printable ASCII/,
      );
    },
  },
  {
    name: "HTTP/1.1 raw: an illegal header name → 400 naming the header name",
    check: async () => {
      const r = await rawHttp1(server.url, [h1Request("X{Bad}: v\r\n")]);
      assert.equal(r.status, 400, r.text);
      assert.match(r.text, /header name is empty or contains a character/);
    },
  },
  {
    name: "HTTP/1.1 raw: a token that is not a metadata key → invalid_argument naming it",
    check: async () => {
      const r = await rawHttp1(server.url, [h1Request("X!Key: v\r\n")]);
      assert.equal(r.status, 400, r.text);
      assert.match(r.text, /"code":"invalid_argument".*\\"x!key\\" contains illegal characters/);
    },
  },
  {
    name: "HTTP/1.1 raw: an empty header name → 400",
    check: async () => {
      const r = await rawHttp1(server.url, [h1Request(": v\r\n")]);
      assert.equal(r.status, 400, r.text);
      assert.match(r.text, /header name is empty or contains a character/);
    },
  },
  {
    name: "HTTP/1.1 raw: an uppercase key is lowercased and accepted",
    check: async () => {
      const r = await rawHttp1(server.url, [h1Request("X-UPPER-Case: Value\r\n")]);
      assert.equal(r.status, 200, r.text);
      assert.match(r.text, /\{"key":"x-upper-case","values":\["Value"\]\}/);
    },
  },
  {
    name: "HTTP/2: NUL in a value → the stream is reset with PROTOCOL_ERROR",
    check: async () => {
      const r = await h2Request(
        server.url,
        { ...grpcHeaders, "x-bad": "a\0b" },
        grpcFrame(hello("x")),
      );
      assert.equal(r.rstCode, http2.constants.NGHTTP2_PROTOCOL_ERROR, JSON.stringify(r));
    },
  },
  ...["\r", "\n"].map((bad) => ({
    // Node's HTTP/2 layer (nghttp2) drops such a field before any
    // application code runs; the guarantee is that it never reaches a handler.
    name: `HTTP/2: ${JSON.stringify(bad)} in a value → the field never reaches the handler`,
    check: async () => {
      const r = await h2Request(
        server.url,
        { ...grpcHeaders, "x-bad": `a${bad}b`, "x-good": "kept" },
        grpcFrame(hello("x")),
      );
      assert.equal(r.grpcStatus, 0, JSON.stringify(r));
      const body = r.body.toString("latin1");
      assert.ok(body.includes("x-good") && body.includes("kept"), "the other metadata arrived");
      assert.ok(!body.includes("x-bad"), "the field with a control character did not");
    },
  })),
  {
    name: "HTTP/2: non-ASCII bytes in a value → grpc-status INVALID_ARGUMENT naming the key",
    check: async () => {
      const r = await h2Request(
        server.url,
        { ...grpcHeaders, "x-bad": "caf\xe9" },
        grpcFrame(hello("x")),
      );
      assert.equal(r.grpcStatus, Code.InvalidArgument);
      assert.match(r.grpcMessage ?? "", /"x-bad" contains value with non-printable ASCII/);
    },
  },
  {
    name: "invalid base64 in a -bin value (Connect) → invalid_argument naming the key",
    check: async () => {
      const r = await curl([...json, "-H", "x-trace-bin: not*base64", "-d", '{"name":"b"}', rpc]);
      assert.equal(r.status, 400);
      assert.match(connectError(r.body).message, /invalid base64 in binary metadata "x-trace-bin"/);
    },
  },
  {
    name: "invalid base64 in a -bin value (gRPC) → INVALID_ARGUMENT naming the key",
    check: async () => {
      const r = await h2Request(
        server.url,
        { ...grpcHeaders, "x-trace-bin": "a" },
        grpcFrame(hello("x")),
      );
      assert.equal(r.grpcStatus, Code.InvalidArgument);
      assert.match(r.grpcMessage ?? "", /invalid base64 in binary metadata "x-trace-bin"/);
    },
  },
  // --- metadata size --------------------------------------------------------
  ...(["--http1.1", "--http2-prior-knowledge"] as const).flatMap((flag) => [
    {
      name: `metadata over 8 KiB, one huge value (${flag}) → resource_exhausted with size and limit`,
      check: async () => {
        const r = await curl([
          flag,
          ...json,
          "-H",
          `x-huge: ${"a".repeat(9000)}`,
          "-d",
          '{"name":"m"}',
          rpc,
        ]);
        assert.equal(r.status, 429);
        assert.match(
          connectError(r.body).message,
          /request metadata is \d+ bytes, over the limit of 8192 bytes/,
        );
      },
    },
    {
      name: `metadata over 8 KiB, many small values (${flag}) → resource_exhausted`,
      check: async () => {
        const many = Array.from({ length: 300 }, (_, i) => ["-H", `x-m-${i}: 0123456789`]).flat();
        const r = await curl([flag, ...json, ...many, "-d", '{"name":"m"}', rpc]);
        assert.equal(r.status, 429);
        assert.equal(connectError(r.body).code, "resource_exhausted");
      },
    },
  ]),
  ...(["--http1.1", "--http2-prior-knowledge"] as const).map((flag) => ({
    name: `headers past Node's own 64 KiB limit (${flag}) → refused before any RPC code runs`,
    check: async () => {
      const outcome = await curl([
        flag,
        ...json,
        "-H",
        `x-enormous: ${"a".repeat(70_000)}`,
        "-d",
        "{}",
        rpc,
      ]).then(
        (r) => r.status,
        () => "reset",
      );
      // HTTP/1.1: 431 with a reason; HTTP/2: the stream or connection is reset.
      assert.ok(outcome === 431 || (flag !== "--http1.1" && outcome === "reset"), `got ${outcome}`);
    },
  })),
  {
    name: "gRPC metadata over 8 KiB → RESOURCE_EXHAUSTED",
    check: async () => {
      const r = await h2Request(
        server.url,
        { ...grpcHeaders, "x-huge": "a".repeat(9000) },
        grpcFrame(hello("x")),
      );
      assert.equal(r.grpcStatus, Code.ResourceExhausted);
      assert.match(r.grpcMessage ?? "", /over the limit of 8192 bytes/);
    },
  },
  // --- bodies ---------------------------------------------------------------
  {
    name: "malformed JSON → invalid_argument",
    check: async () => {
      const r = await curl([...json, "-d", '{"name":', rpc]);
      assert.equal(r.status, 400);
      assert.match(
        connectError(r.body).message,
        /cannot decode message hello\.v1\.SayHelloRequest from JSON/,
      );
    },
  },
  {
    name: "truncated protobuf → internal naming the parse failure",
    check: async () => {
      const r = await curl(
        ["-H", "content-type: application/proto", "--data-binary", "@-", rpc],
        Buffer.from([0x0a, 0x05, 0x61]),
      );
      assert.equal(r.status, 500);
      assert.match(connectError(r.body).message, /premature EOF/);
    },
  },
  {
    name: "a gRPC frame whose length lies → INVALID_ARGUMENT (incomplete envelope)",
    check: async () => {
      const r = await h2Request(
        server.url,
        grpcHeaders,
        grpcFrame(hello("x"), { claimedLength: 100 }),
      );
      assert.equal(r.grpcStatus, Code.InvalidArgument);
      assert.match(r.grpcMessage ?? "", /incomplete envelope/);
    },
  },
  {
    name: "a compressed flag with no compression agreed → INTERNAL saying so",
    check: async () => {
      const r = await h2Request(
        server.url,
        grpcHeaders,
        grpcFrame(hello("x"), { compressed: true }),
      );
      assert.equal(r.grpcStatus, Code.Internal);
      assert.match(r.grpcMessage ?? "", /compressed envelope, but do not know how to decompress/);
    },
  },
  {
    name: "a body over 1 MiB (Connect) → resource_exhausted",
    check: async () => {
      const big = Buffer.from(JSON.stringify({ name: "n".repeat(1024 * 1024 + 10) }));
      const r = await curl([...json, "--data-binary", "@-", rpc], big);
      assert.equal(r.status, 429);
      assert.match(connectError(r.body).message, /larger than configured readMaxBytes/);
    },
  },
  {
    name: "a body over 1 MiB (gRPC) → RESOURCE_EXHAUSTED",
    check: async () => {
      const r = await h2Request(
        server.url,
        grpcHeaders,
        grpcFrame(hello("n".repeat(1024 * 1024 + 10))),
      );
      assert.equal(r.grpcStatus, Code.ResourceExhausted);
    },
  },
  // --- routing and content types ---------------------------------------------
  {
    name: "unknown method (Connect) → 404 unimplemented naming it",
    check: async () => {
      const r = await curl([...json, "-d", "{}", `${server.url}${servicePath(HelloService)}Nope`]);
      assert.equal(r.status, 404);
      assert.deepEqual(connectError(r.body), {
        code: "unimplemented",
        message: `unknown method ${servicePath(HelloService)}Nope`,
      });
    },
  },
  {
    name: "unknown service (gRPC) → UNIMPLEMENTED naming it",
    check: async () => {
      const r = await h2Request(
        server.url,
        { ...grpcHeaders, ":path": "/no.Such/Service" },
        grpcFrame(hello("x")),
      );
      assert.equal(r.status, 200);
      assert.equal(r.grpcStatus, Code.Unimplemented);
      assert.equal(r.grpcMessage, "unknown method /no.Such/Service");
    },
  },
  {
    name: "wrong content type → 415 listing the accepted ones",
    check: async () => {
      const r = await curl(["-H", "content-type: text/xml", "-d", "<x/>", rpc]);
      assert.equal(r.status, 415);
      assert.match(
        r.body.toString(),
        /unsupported content-type "text\/xml": use application\/json/,
      );
    },
  },
  {
    name: "Connect GET with a message that is not JSON → invalid_argument",
    check: async () => {
      const r = await curl([`${rpc}?connect=v1&encoding=json&message=%7Bnope`]);
      assert.equal(r.status, 400);
      assert.match(
        connectError(r.body).message,
        /cannot decode message hello\.v1\.SayHelloRequest from JSON/,
      );
    },
  },
  {
    name: "Connect GET with a message that is not base64 → invalid_argument",
    check: async () => {
      const r = await curl([`${rpc}?connect=v1&encoding=proto&base64=1&message=%25%25%25`]);
      assert.equal(r.status, 400);
      assert.match(connectError(r.body).message, /not valid base64/);
    },
  },
  // --- slow and greedy clients ------------------------------------------------
  {
    name: "HTTP/1.1 headers trickled byte by byte → 408 and the connection is closed",
    check: async () => {
      const before = server.openConnections();
      const text = h1Request("X-Slow: yes\r\n");
      const bytes = [...text.slice(0, 60)];
      const started = Date.now();
      const r = await rawHttp1(server.url, bytes, { gapMs: 100, waitMs: 3_000 });
      assert.ok(r.closed, "the server closed the connection");
      assert.ok(r.status === 408 || r.status === 0, r.text);
      assert.ok(Date.now() - started < 8_000);
      await settle(() => server.openConnections() <= before);
    },
  },
  {
    name: "HTTP/1.1 body never finished → the connection is closed (request timeout)",
    check: async () => {
      const before = server.openConnections();
      const head = `POST ${path} HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 100\r\n\r\n{"name":`;
      const r = await rawHttp1(server.url, [head], { waitMs: 4_000 });
      assert.ok(r.closed, "the server closed the connection");
      await settle(() => server.openConnections() <= before);
    },
  },
  {
    name: "a connection that never says anything is closed",
    check: async () => {
      const r = await rawHttp1(server.url, [], { waitMs: 3_000 });
      assert.ok(r.closed);
      assert.equal(r.text, "");
    },
  },
  {
    name: "HTTP/2 unary body never finished → deadline_exceeded once requestTimeoutMs passes",
    check: async () => {
      const started = Date.now();
      const r = await h2Request(server.url, grpcHeaders, Buffer.from([0, 0, 0, 0, 9]), {
        endBody: false,
        timeoutMs: 4_000,
      });
      assert.equal(r.grpcStatus, Code.DeadlineExceeded, JSON.stringify(r));
      assert.match(r.grpcMessage ?? "", /did not arrive within 1200 ms/);
      assert.ok(Date.now() - started >= 1_100, "not before the limit");
    },
  },
  {
    name: "more streams than SETTINGS_MAX_CONCURRENT_STREAMS on one connection → never more than 32 run at once",
    check: async () => {
      // Node's client holds back streams past the server's limit (32 here)
      // itself; the raw-frame fuzzer sends them anyway. Here: 64 unary calls
      // whose bodies never finish; at most 32 are answered when their body
      // deadline passes (1.2 s), the rest wait their turn or are reset.
      const session = http2.connect(server.url, { peerMaxConcurrentStreams: 1000 });
      await new Promise((r) => session.once("remoteSettings", r));
      const started = Date.now();
      const answeredAt: number[] = [];
      const results = await Promise.all(
        Array.from({ length: 64 }, () =>
          h2Request(server.url, grpcHeaders, Buffer.from([0, 0, 0, 0, 9]), {
            session,
            endBody: false,
            timeoutMs: 2_000,
          }).then((r) => {
            if (r.grpcStatus !== undefined) answeredAt.push(Date.now() - started);
            return r;
          }),
        ),
      );
      session.close();
      const inFirstRound = answeredAt.filter((ms) => ms < 1_800).length;
      assert.ok(inFirstRound <= 32, `${inFirstRound} answered in the first round`);
      for (const r of results) {
        assert.ok(
          r.grpcStatus === Code.DeadlineExceeded || r.rstCode !== undefined,
          JSON.stringify(r),
        );
      }
    },
  },
  {
    name: "a connection flood from one client → the excess is closed at once",
    check: async () => {
      const { port } = new URL(server.url);
      const sockets = await Promise.all(
        Array.from({ length: 150 }, () => {
          const s = connect(Number(port), "127.0.0.1");
          s.on("error", () => {});
          return new Promise<{ s: typeof s; closedFast: boolean }>((resolve) => {
            const t = setTimeout(() => resolve({ s, closedFast: false }), 300);
            s.once("close", () => {
              clearTimeout(t);
              resolve({ s, closedFast: true });
            });
          });
        }),
      );
      const closedFast = sockets.filter((x) => x.closedFast).length;
      for (const { s } of sockets) s.destroy();
      assert.ok(closedFast >= 150 - 64, `closed ${closedFast} of 150 at once`);
      await settle(() => server.openConnections() === 0);
    },
  },
  // --- CORS --------------------------------------------------------------------
  {
    name: "a disallowed CORS origin gets no grant",
    check: async () => {
      const r = await curl([
        "-H",
        "origin: https://evil.example",
        ...json,
        "-d",
        '{"name":"c"}',
        rpc,
      ]);
      assert.equal(r.headers.get("access-control-allow-origin"), null);
    },
  },
  {
    name: "a preflight asking for an undeclared header gets no grant, naming it",
    check: async () => {
      const r = await curl([
        "-X",
        "OPTIONS",
        "-H",
        "origin: http://localhost:5173",
        "-H",
        "access-control-request-method: POST",
        "-H",
        "access-control-request-headers: content-type,x-secret-admin",
        rpc,
      ]);
      assert.equal(r.status, 403);
      assert.equal(r.headers.get("access-control-allow-origin"), null);
      assert.match(r.body.toString(), /not declared: x-secret-admin/);
    },
  },
];

/** Polls until `ok()` holds, for up to 3 s. */
async function settle(ok: () => boolean): Promise<void> {
  const end = Date.now() + 3_000;
  while (!ok()) {
    if (Date.now() > end) assert.fail("the server kept connections that should be gone");
    await new Promise((r) => setTimeout(r, 50));
  }
}

describe("bad input", () => {
  for (const row of rows) {
    it(row.name, async () => {
      await row.check();
      await goodCallsWork();
    });
  }
});

describe("bad metadata from code, not from clients", () => {
  it("a handler that writes a reserved header fails with Internal; the server stays up", async () => {
    const h2 = http2.createServer(
      connectNodeAdapter({
        interceptors: [serverMetadataInterceptor()],
        routes: (r) =>
          r.service(HelloService, {
            sayHello(_req, ctx) {
              setHeader(ctx, pairs("grpc-status", "0"));
              return { message: "unreachable" };
            },
            async *sayHelloStream() {},
          }),
      }),
    );
    await new Promise<void>((r) => h2.listen(0, "127.0.0.1", r));
    const url = `http://127.0.0.1:${(h2.address() as AddressInfo).port}`;
    const sessions = new Http2SessionManager(url);
    try {
      const client = createClient(
        HelloService,
        createMetadataTransport({
          protocol: "grpc",
          baseUrl: url,
          httpClient: createNodeHttpClient({ httpVersion: "2", sessionProvider: () => sessions }),
        }),
      );
      const err = await client.sayHello({ name: "x" }).then(() => undefined, ConnectError.from);
      assert.equal(err?.code, Code.Internal);
      assert.match(err?.message ?? "", /setHeader: metadata key "grpc-status" is reserved/);
      const again = await client.sayHello({ name: "x" }).then(() => undefined, ConnectError.from);
      assert.equal(again?.code, Code.Internal, "the server still answers");
    } finally {
      sessions.abort();
      await new Promise((r) => h2.close(r));
    }
  });

  it("a downstream error's protocol headers and metadata do not leak to the caller", async () => {
    const downstream = await startTestServer();
    const edge = await startTestServer(undefined, { downstream: downstream.url });
    try {
      const edgeHost = new URL(edge.url).host;
      const r = await curl([
        ...json,
        "-d",
        '{"name":"x","hops":1,"failCode":7}',
        `${edge.url}${path}`,
      ]);
      assert.equal(r.status, 403);
      assert.equal(connectError(r.body).code, "permission_denied");
      assert.equal(r.headers.get("x-served-by"), edgeHost, "only the edge's own header");
      assert.equal(r.headers.get("response-time")?.includes(","), false, "one response-time");
      assert.equal(
        r.headers.get("trailer-processing-ms")?.includes(","),
        false,
        "one processing-ms",
      );
      for (const leaked of [
        "grpc-status",
        "grpc-message",
        "trailer-grpc-status",
        "trailer-x-served-by",
      ]) {
        assert.equal(r.headers.get(leaked), null, `${leaked} leaked`);
      }
      const g = await h2Request(
        edge.url,
        grpcHeaders,
        grpcFrame(
          Buffer.from(
            toBinary(
              SayHelloRequestSchema,
              create(SayHelloRequestSchema, { name: "x", hops: 1, failCode: 7 }),
            ),
          ),
        ),
      );
      assert.equal(g.grpcStatus, Code.PermissionDenied);
      assert.equal(g.headers["x-served-by"], edgeHost);
      assert.equal(
        g.trailers["x-served-by"],
        undefined,
        "the downstream's headers are not relayed as trailers",
      );
      assert.equal(g.trailers["response-time"], undefined);
    } finally {
      await edge.close();
      await downstream.close();
    }
  });
});
