// gRPC-Web text mode, as the official grpc-web JavaScript client speaks it
// by default: base64 both ways, over HTTP/1.1 and HTTP/2.
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { create, fromBinary, toBinary } from "@bufbuild/protobuf";
import {
  HelloService,
  SayHelloRequestSchema,
  SayHelloResponseSchema,
  SayHelloStreamRequestSchema,
  SayHelloStreamResponseSchema,
} from "../gen/hello/v1/hello_pb.js";
import { rpcPath } from "../scripts/kit/rpc-path.js";
import { grpcFrame } from "../scripts/kit/wire-probes.js";
import type { RunningServer } from "./app.js";
import { curl, startTestServer } from "./testing.js";

const sayHelloPath = rpcPath(HelloService.method.sayHello);
const sayHelloStreamPath = rpcPath(HelloService.method.sayHelloStream);

let server: RunningServer;
before(async () => {
  server = await startTestServer();
});
after(() => server.close());

const textHeaders = [
  "-H",
  "content-type: application/grpc-web-text",
  "-H",
  "x-grpc-web: 1",
  "-H",
  "x-demo: text-mode",
];

interface Frames {
  readonly messages: Uint8Array[];
  readonly trailer: Record<string, string>;
}

/**
 * Decodes a text answer into its message frames and its trailer frame. The
 * answer may be several base64 segments, each padded at its end, as the
 * grpc-web client reads them: decoded here segment by segment, independently
 * of the server's own decoder.
 */
function frames(body: Buffer): Frames {
  const text = body.toString("latin1");
  assert.match(
    text,
    /^([A-Za-z0-9+/]{4})*([A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?(([A-Za-z0-9+/]{4})*([A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?)*$/,
    `the answer is base64: ${text.slice(0, 80)}`,
  );
  const bytes = Buffer.concat((text.match(/[^=]+=*/g) ?? []).map((s) => Buffer.from(s, "base64")));
  const messages: Uint8Array[] = [];
  const trailer: Record<string, string> = {};
  for (let at = 0; at < bytes.length; ) {
    const flag = bytes[at] ?? 0;
    const len = new DataView(bytes.buffer, bytes.byteOffset + at + 1, 4).getUint32(0);
    const payload = bytes.subarray(at + 5, at + 5 + len);
    if (flag & 0x80) {
      for (const line of Buffer.from(payload).toString().split("\r\n").filter(Boolean)) {
        const i = line.indexOf(":");
        trailer[line.slice(0, i).trim().toLowerCase()] = line.slice(i + 1).trim();
      }
    } else messages.push(payload);
    at += 5 + len;
  }
  return { messages, trailer };
}

const sayHello = (name: string) =>
  Buffer.from(
    grpcFrame(
      Buffer.from(toBinary(SayHelloRequestSchema, create(SayHelloRequestSchema, { name }))),
    ),
  ).toString("base64");

for (const flag of ["--http1.1", "--http2-prior-knowledge"]) {
  describe(`gRPC-Web text over ${flag === "--http1.1" ? "HTTP/1.1" : "h2c"}`, () => {
    it("unary: base64 answer with the message, headers, and the trailer frame", async () => {
      const res = await curl([
        flag,
        ...textHeaders,
        "--data-binary",
        sayHello("text"),
        `${server.url}${sayHelloPath}`,
      ]);
      assert.equal(res.status, 200);
      assert.equal(res.headers.get("content-type"), "application/grpc-web-text+proto");
      assert.match(res.headers.get("response-time") ?? "", /Z$/);
      const { messages, trailer } = frames(res.body);
      assert.equal(messages.length, 1);
      const msg = fromBinary(SayHelloResponseSchema, messages[0] ?? new Uint8Array());
      assert.equal(msg.message, "Hello, text");
      assert.deepEqual(
        msg.received.find((e) => e.key === "x-demo"),
        { $typeName: "hello.v1.MetadataEntry", key: "x-demo", values: ["text-mode"] },
      );
      assert.equal(trailer["grpc-status"], "0");
      assert.match(trailer["processing-ms"] ?? "", /^\d/);
    });

    it("server streaming: every message, then the trailer frame", async () => {
      const req = toBinary(
        SayHelloStreamRequestSchema,
        create(SayHelloStreamRequestSchema, { name: "s", count: 3, intervalMs: 10 }),
      );
      const res = await curl([
        flag,
        ...textHeaders,
        "--data-binary",
        Buffer.from(grpcFrame(Buffer.from(req))).toString("base64"),
        `${server.url}${sayHelloStreamPath}`,
      ]);
      const { messages, trailer } = frames(res.body);
      assert.deepEqual(
        messages.map((m) => fromBinary(SayHelloStreamResponseSchema, m).index),
        [1, 2, 3],
      );
      assert.equal(trailer["grpc-status"], "0");
    });

    it("a body in two independently padded segments decodes", async () => {
      const whole = Buffer.from(
        grpcFrame(
          Buffer.from(
            toBinary(SayHelloRequestSchema, create(SayHelloRequestSchema, { name: "ab" })),
          ),
        ),
      );
      const body = whole.subarray(0, 4).toString("base64") + whole.subarray(4).toString("base64");
      const res = await curl([
        flag,
        ...textHeaders,
        "--data-binary",
        body,
        `${server.url}${sayHelloPath}`,
      ]);
      const { messages, trailer } = frames(res.body);
      assert.equal(trailer["grpc-status"], "0");
      assert.equal(
        fromBinary(SayHelloResponseSchema, messages[0] ?? new Uint8Array()).message,
        "Hello, ab",
      );
    });

    it("a body that is not base64 → INVALID_ARGUMENT in the trailer frame", async () => {
      const res = await curl([
        flag,
        ...textHeaders,
        "--data-binary",
        "not*base64!",
        `${server.url}${sayHelloPath}`,
      ]);
      assert.equal(res.status, 200);
      const { messages, trailer } = frames(res.body);
      assert.equal(messages.length, 0);
      assert.equal(trailer["grpc-status"], "3");
      assert.match(decodeURIComponent(trailer["grpc-message"] ?? ""), /not valid base64/);
    });

    it("an error keeps its metadata apart: headers as headers, the trailer in the frame", async () => {
      const req = toBinary(
        SayHelloRequestSchema,
        create(SayHelloRequestSchema, { name: "x", failCode: 5 }),
      );
      const res = await curl([
        flag,
        ...textHeaders,
        "--data-binary",
        Buffer.from(grpcFrame(Buffer.from(req))).toString("base64"),
        `${server.url}${sayHelloPath}`,
      ]);
      assert.match(res.headers.get("response-time") ?? "", /Z$/);
      const { trailer } = frames(res.body);
      assert.equal(trailer["grpc-status"], "5");
      assert.match(trailer["processing-ms"] ?? "", /^\d/);
      assert.equal(trailer["response-time"], undefined);
    });
  });
}
