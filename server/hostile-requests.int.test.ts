// Requests that used to end the whole process, or flood its log, each sent
// to a server running in its own process (as `npm start` runs it): after
// every row the process is alive, a bystander's gRPC call succeeds, and the
// server printed no stack trace. The generative fuzzers
// (server/survival.int.test.ts) look for the rest of the class; these rows
// pin down the cases found by hand, one per code path.
import assert from "node:assert/strict";
import * as http2 from "node:http2";
import { after, before, describe, it } from "node:test";
import { create, toBinary } from "@bufbuild/protobuf";
import { SayHelloRequestSchema } from "../gen/hello/v1/hello_pb.js";
import { encodeHeaderBlock } from "../scripts/fuzz/hpack.js";
import {
  headersFrame,
  preface,
  rstStreamFrame,
  settingsFrame,
} from "../scripts/fuzz/http2-frames.js";
import { type ServerProcess, startServerProcess } from "../scripts/kit/server-process.js";
import { grpcFrame, h2Request, rawHttp1 } from "../scripts/kit/wire-probes.js";

let server: ServerProcess;
before(async () => {
  server = await startServerProcess();
});
after(() => server.kill());

const sayHello = "/hello.v1.HelloService/SayHello";
const sayHelloStream = "/hello.v1.HelloService/SayHelloStream";
const healthCheck = "/grpc.health.v1.Health/Check";
const getQuery = "?connect=v1&encoding=json&message=%7B%22name%22%3A%22get%22%7D";
const hello = (name: string) =>
  grpcFrame(Buffer.from(toBinary(SayHelloRequestSchema, create(SayHelloRequestSchema, { name }))));

/** A raw HTTP/1.x request: request line, header lines, body with its length. */
function h1(line: string, headers: string[], body = ""): string {
  const length = body ? [`Content-Length: ${Buffer.byteLength(body)}`] : [];
  return `${line}\r\n${[...headers, ...length, "Connection: close"].join("\r\n")}\r\n\r\n${body}`;
}

async function survives(): Promise<void> {
  assert.ok(server.running(), `the server exited: ${server.stderr()}`);
  const res = await h2Request(
    server.url,
    { ":path": sayHello, "content-type": "application/grpc", te: "trailers" },
    hello("bystander"),
  );
  assert.equal(res.grpcStatus, 0, `a bystander call: ${JSON.stringify(res)}`);
  assert.doesNotMatch(server.stderr(), /\n\s+at /, "no stack trace on stderr");
  const lastResort = server.logs.filter((l) =>
    /^(uncaught exception|unhandled rejection)$/.test(String(l.msg)),
  );
  assert.deepEqual(lastResort, [], "nothing reached the process's last-resort handlers");
}

const json = ["Content-Type: application/json"];

interface Row {
  readonly name: string;
  readonly check: () => Promise<void>;
}

const rows: Row[] = [
  {
    name: "HTTP/1.0 without Host, Connect GET (Connect-ES's path) → served as addressed to the server",
    check: async () => {
      const r = await rawHttp1(server.url, [h1(`GET ${sayHello}${getQuery} HTTP/1.0`, [])]);
      assert.equal(r.status, 200, r.text);
      assert.match(r.text, /Hello, get/);
    },
  },
  {
    name: "HTTP/1.0 without Host, health Check and a stream → served",
    check: async () => {
      const check = await rawHttp1(server.url, [h1(`POST ${healthCheck} HTTP/1.0`, json, "{}")]);
      assert.match(check.text, /SERVING/);
      const stream = await rawHttp1(server.url, [
        h1(`POST ${sayHelloStream} HTTP/1.0`, ["Content-Type: application/connect+json"], ""),
      ]);
      assert.equal(stream.status, 200, stream.text);
    },
  },
  ...[
    ["the fast path", `POST ${sayHello} HTTP/1.1`, json, '{"name":"x"}'],
    ["health (Connect-ES)", `POST ${healthCheck} HTTP/1.1`, json, "{}"],
    ["Connect GET", `GET ${sayHello}${getQuery} HTTP/1.1`, [], ""],
    ["static files", "GET / HTTP/1.1", [], ""],
    ["an unknown path", "GET /nowhere HTTP/1.1", [], ""],
  ].flatMap(([where, line, headers, body]) =>
    ["a b", "[zz", "x:y:z", "exa mple.com:80", "@evil", "a/b"].map((host) => ({
      name: `Host ${JSON.stringify(host)} on ${where} → 400 naming the authority`,
      check: async () => {
        const r = await rawHttp1(server.url, [
          h1(line as string, [`Host: ${host}`, ...(headers as string[])], body as string),
        ]);
        assert.equal(r.status, 400, r.text);
        assert.match(r.text, /authority/);
      },
    })),
  ),
  {
    name: "two Host headers → 400 (RFC 9112 §3.2)",
    check: async () => {
      const r = await rawHttp1(server.url, [
        h1(`POST ${sayHello} HTTP/1.1`, ["Host: a", "Host: b", ...json], '{"name":"x"}'),
      ]);
      assert.equal(r.status, 400, r.text);
      assert.match(r.text, /more than one Host/);
    },
  },
  {
    name: "an absolute-form target is routed by its path",
    check: async () => {
      const r = await rawHttp1(server.url, [
        h1(`POST http://example.com${sayHello} HTTP/1.1`, ["Host: x", ...json], '{"name":"abs"}'),
      ]);
      assert.equal(r.status, 200, r.text);
      assert.match(r.text, /Hello, abs/);
    },
  },
  ...[sayHello, sayHelloStream, healthCheck, "/", "/nowhere"].flatMap((path) =>
    ["a b", "[zz", "@evil"].map((authority) => ({
      name: `HTTP/2 :authority ${JSON.stringify(authority)} on ${path} → 400, or reset by Node`,
      check: async () => {
        const r = await h2Request(
          server.url,
          {
            ":method": path.startsWith("/grpc") || path.startsWith("/hello") ? "POST" : "GET",
            ":path": path,
            ":authority": authority,
            "content-type": "application/grpc",
            te: "trailers",
          },
          path.startsWith("/hello") ? hello("x") : "",
        );
        // nghttp2 refuses a pseudo-header value with a space itself (PROTOCOL_ERROR).
        const refusedBelow = r.rstCode === http2.constants.NGHTTP2_PROTOCOL_ERROR;
        assert.ok(r.status === 400 || refusedBelow, JSON.stringify(r));
      },
    })),
  ),
  {
    name: "HTTP/2 with a bad host header beside :authority → 400, or reset by Node",
    check: async () => {
      const session = http2.connect(server.url);
      session.on("error", () => {});
      const r = await h2Request(
        server.url,
        { ":path": sayHello, host: "a b", "content-type": "application/grpc", te: "trailers" },
        hello("x"),
        { session },
      );
      session.close();
      const refusedBelow = r.rstCode === http2.constants.NGHTTP2_PROTOCOL_ERROR;
      assert.ok(r.status === 400 || refusedBelow, JSON.stringify(r));
    },
  },
  {
    name: "an HTTP/2 :path that is not a path (//host form) → answered or reset, not fatal",
    check: async () => {
      for (const path of ["//a b/x", "//[zz/x", "*", "x"]) {
        const r = await h2Request(server.url, { ":method": "GET", ":path": path });
        const refusedBelow = r.rstCode === http2.constants.NGHTTP2_PROTOCOL_ERROR;
        assert.ok(
          r.status === 400 || r.status === 404 || refusedBelow,
          `${path}: ${JSON.stringify(r)}`,
        );
      }
    },
  },
  {
    name: "Connect GET with base64=1 and a message of impossible length → invalid_argument",
    check: async () => {
      const r = await rawHttp1(server.url, [
        h1(`GET ${sayHello}?connect=v1&encoding=proto&base64=1&message=AAAAA HTTP/1.1`, [
          "Host: x",
        ]),
      ]);
      assert.equal(r.status, 400, r.text);
      assert.match(r.text, /"code":"invalid_argument"/);
    },
  },
  {
    name: "timeouts of 2^31 ms and more (gRPC 99999999H, Connect 9999999999) → the call gets its time",
    check: async () => {
      const grpc = await h2Request(
        server.url,
        {
          ":path": sayHello,
          "content-type": "application/grpc",
          te: "trailers",
          "grpc-timeout": "99999999H",
        },
        hello("long"),
      );
      assert.equal(grpc.grpcStatus, 0, JSON.stringify(grpc));
      const connect = await rawHttp1(server.url, [
        h1(
          `POST ${sayHelloStream} HTTP/1.1`,
          ["Host: x", "Content-Type: application/json", "Connect-Timeout-Ms: 9999999999"],
          '{"name":"long"}',
        ),
      ]);
      assert.doesNotMatch(connect.text, /deadline_exceeded/);
      assert.doesNotMatch(server.stderr(), /TimeoutOverflowWarning/);
    },
  },
  {
    name: "HTTP/2 expect: 100-continue on a path that is no RPC, reset in the same write → not fatal",
    check: async () => {
      // Found by the survival fuzzer: Node's compatibility layer threw
      // ERR_HTTP2_INVALID_STREAM from inside the stream listener.
      const block = encodeHeaderBlock([
        { name: ":method", value: "POST" },
        { name: ":path", value: "/x" },
        { name: ":scheme", value: "http" },
        { name: ":authority", value: "x" },
        { name: "expect", value: "100-continue" },
      ]);
      const bytes = Buffer.concat([
        preface,
        settingsFrame([]),
        headersFrame(1, block),
        rstStreamFrame(1, http2.constants.NGHTTP2_CANCEL),
      ]);
      await rawHttp1(server.url, [bytes], { waitMs: 300 });
    },
  },
  {
    name: "1,000 client resets with PROTOCOL_ERROR → not one stack trace",
    check: async () => {
      // 10 connections × 100 resets: under the rapid-reset limit (200 per
      // second per connection), so this is a client's right, not an attack.
      for (let c = 0; c < 10; c++) {
        const session = http2.connect(server.url);
        session.on("error", () => {});
        for (let i = 0; i < 100; i++) {
          const req = session.request({
            ":method": "POST",
            ":path": sayHello,
            "content-type": "application/grpc",
            te: "trailers",
          });
          req.on("error", () => {});
          req.write(hello("reset"));
          req.close(http2.constants.NGHTTP2_PROTOCOL_ERROR);
        }
        await new Promise((r) => setTimeout(r, 200));
        session.destroy();
      }
      const traces = server.stderr().match(/\n\s+at /g)?.length ?? 0;
      assert.equal(traces, 0, "no stack trace lines");
    },
  },
];

describe("hostile requests: the process survives each, and says nothing alarming", () => {
  for (const row of rows) {
    it(row.name, async () => {
      await row.check();
      await survives();
    });
  }
});
