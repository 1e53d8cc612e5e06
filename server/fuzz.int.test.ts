// Property tests on the server's request handling: random header sets, sent
// over the real network on HTTP/1.1 (Connect) and HTTP/2 (gRPC). Every
// response is protocol-valid, the process never sees an unhandled
// rejection, and the server keeps answering.
import assert from "node:assert/strict";
import * as http from "node:http";
import * as http2 from "node:http2";
import { after, before, it } from "node:test";
import { create, toBinary } from "@bufbuild/protobuf";
import fc from "fast-check";
import { SayHelloRequestSchema } from "../gen/hello/v1/hello_pb.js";
import { grpcFrame, h2Request } from "../scripts/kit/wire-probes.js";
import type { RunningServer } from "./app.js";
import { startTestServer } from "./testing.js";

let server: RunningServer;
const unhandled: unknown[] = [];
const onUnhandled = (e: unknown) => unhandled.push(e);
before(async () => {
  process.on("unhandledRejection", onUnhandled);
  server = await startTestServer();
});
after(async () => {
  process.off("unhandledRejection", onUnhandled);
  await server.close();
});

const tokenChar = fc.constantFrom(
  ..."abcdefghijklmnopqrstuvwxyzABCDEFGHIJ0123456789-_.!#$%&'*+^`|~".split(""),
);
const headerName = fc.oneof(
  fc.string({ unit: tokenChar, minLength: 1, maxLength: 10 }).map((k) => `x-${k}`),
  fc.string({ unit: tokenChar, minLength: 1, maxLength: 6 }).map((k) => `x-${k}-bin`),
  fc.constantFrom(
    "authorization",
    "cookie",
    "x-request-id",
    "traceparent",
    "grpc-timeout",
    "connect-timeout-ms",
    "te",
  ),
);
const headerValue = fc.oneof(
  fc.string({
    unit: fc
      .integer({ min: 0x21, max: 0xff })
      .filter((c) => c !== 0x7f)
      .map((c) => String.fromCharCode(c)),
    minLength: 1,
    maxLength: 40,
  }),
  fc.base64String({ minLength: 4, maxLength: 24 }),
  fc.constantFrom(
    "1S",
    "100m",
    "abc",
    "-1",
    "99999999999",
    "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01",
  ),
);
const headerSet = fc.uniqueArray(fc.tuple(headerName, headerValue), {
  maxLength: 10,
  selector: ([k]) => k.toLowerCase(),
});

function h1Call(
  headers: [string, string][],
): Promise<{ status: number; body: string; headers: http.IncomingHttpHeaders }> {
  const { hostname, port } = new URL(server.url);
  return new Promise((resolve, reject) => {
    const req = http.request(
      {
        host: hostname,
        port,
        method: "POST",
        path: "/hello.v1.HelloService/SayHello",
        agent: false,
      },
      (res) => {
        let body = "";
        res.setEncoding("latin1");
        res.on("data", (d) => {
          body += d;
        });
        res.on("end", () => resolve({ status: res.statusCode ?? 0, body, headers: res.headers }));
      },
    );
    req.on("error", reject);
    for (const [k, v] of headers) req.setHeader(k, v);
    req.setHeader("content-type", "application/json");
    req.end('{"name":"fuzz"}');
  });
}

const connectCodes = new Set([
  "invalid_argument",
  "resource_exhausted",
  "deadline_exceeded",
  "internal",
]);

it("Connect over HTTP/1.1: every answer is a greeting or a Connect error with a known code", async () => {
  await fc.assert(
    fc.asyncProperty(headerSet, async (headers) => {
      const res = await h1Call(headers);
      assert.ok(res.headers["x-request-id"], "every answer carries x-request-id");
      if (res.status === 200) {
        assert.equal(JSON.parse(res.body).message, "Hello, fuzz");
        return;
      }
      const err = JSON.parse(res.body) as { code: string; message: string };
      assert.ok(connectCodes.has(err.code), `${res.status} ${res.body}`);
      assert.ok(err.message.length > 0);
    }),
    { numRuns: 150 },
  );
  assert.deepEqual(unhandled, []);
});

it("gRPC over HTTP/2: every answer carries a grpc-status, OK or a known error", async () => {
  const session = http2.connect(server.url);
  const body = grpcFrame(
    Buffer.from(toBinary(SayHelloRequestSchema, create(SayHelloRequestSchema, { name: "fuzz" }))),
  );
  try {
    await fc.assert(
      fc.asyncProperty(headerSet, async (headers) => {
        const res = await h2Request(
          server.url,
          {
            ...Object.fromEntries(headers),
            ":path": "/hello.v1.HelloService/SayHello",
            "content-type": "application/grpc",
            te: "trailers",
          },
          body,
          { session },
        );
        assert.equal(res.status, 200, JSON.stringify(res));
        assert.ok(res.grpcStatus !== undefined, "a grpc-status, in trailers or trailers-only");
        assert.ok(
          [0, 3, 4, 8, 13].includes(res.grpcStatus ?? -1),
          `grpc-status ${res.grpcStatus} ${res.grpcMessage}`,
        );
      }),
      { numRuns: 150 },
    );
  } finally {
    session.close();
  }
  assert.deepEqual(unhandled, []);
});
