// Request compression, as the gRPC compression spec and the Connect protocol
// ask: a message in an encoding the server cannot read is refused with
// `unimplemented` and the protocol's accept header naming what it can read
// (gzip, br) — on gRPC, gRPC-Web and Connect, HTTP/1.1 and h2c — and every
// encoding it names does work, from hand-made frames and from grpc-js.
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { brotliCompressSync, gzipSync } from "node:zlib";
import { create, toBinary } from "@bufbuild/protobuf";
import * as grpc from "@grpc/grpc-js";
import { SayHelloRequestSchema, SayHelloStreamRequestSchema } from "../gen/hello/v1/hello_pb.js";
import { grpcFrame, h2Request } from "../scripts/kit/wire-probes.js";
import type { RunningServer } from "./app.js";
import { sayHelloWithGrpcJs } from "./interop/grpc-js-client.js";
import { curl, startTestServer } from "./testing.js";

let server: RunningServer;
before(async () => {
  server = await startTestServer();
});
after(() => server.close());

const supported = "gzip,br";
const refusal = `unknown compression "snappy": supported encodings are ${supported}`;
const hello = Buffer.from(
  toBinary(SayHelloRequestSchema, create(SayHelloRequestSchema, { name: "x" })),
);
const helloStream = Buffer.from(
  toBinary(SayHelloStreamRequestSchema, create(SayHelloStreamRequestSchema, { name: "x" })),
);
const sayHello = "/hello.v1.HelloService/SayHello";

describe("an encoding the server cannot read is refused, naming the ones it can", () => {
  it("gRPC over h2c: UNIMPLEMENTED with grpc-accept-encoding", async () => {
    const res = await h2Request(
      server.url,
      {
        ":path": sayHello,
        "content-type": "application/grpc",
        te: "trailers",
        "grpc-encoding": "snappy",
      },
      grpcFrame(hello, { compressed: true }),
    );
    assert.equal(res.status, 200);
    assert.equal(res.grpcStatus, grpc.status.UNIMPLEMENTED);
    assert.equal(res.headers["grpc-message"], refusal, "grpc-message as the spec writes it");
    assert.equal(res.headers["grpc-accept-encoding"], supported);
  });

  it("gRPC-Web over HTTP/1.1: UNIMPLEMENTED with grpc-accept-encoding", async () => {
    const res = await curl(
      [
        "--http1.1",
        "-H",
        "content-type: application/grpc-web+proto",
        "-H",
        "grpc-encoding: snappy",
        "--data-binary",
        "@-",
        server.url + sayHello,
      ],
      grpcFrame(hello, { compressed: true }),
    );
    assert.equal(res.status, 200);
    assert.equal(res.headers.get("grpc-status"), String(grpc.status.UNIMPLEMENTED));
    assert.equal(res.headers.get("grpc-message"), refusal);
    assert.equal(res.headers.get("grpc-accept-encoding"), supported);
  });

  it("Connect streaming over h2c: unimplemented with connect-accept-encoding", async () => {
    const res = await h2Request(
      server.url,
      {
        ":path": "/hello.v1.HelloService/SayHelloStream",
        "content-type": "application/connect+proto",
        "connect-content-encoding": "snappy",
      },
      grpcFrame(helloStream, { compressed: true }),
    );
    assert.equal(res.status, 501);
    assert.equal(res.headers["connect-accept-encoding"], supported);
    assert.deepEqual(JSON.parse(res.body.toString()), { code: "unimplemented", message: refusal });
  });

  it("Connect unary over HTTP/1.1: unimplemented with accept-encoding", async () => {
    const res = await curl([
      "--http1.1",
      "-H",
      "content-type: application/json",
      "-H",
      "content-encoding: snappy",
      "-d",
      '{"name":"x"}',
      server.url + sayHello,
    ]);
    assert.equal(res.status, 501);
    assert.equal(res.headers.get("accept-encoding"), supported);
    assert.deepEqual(JSON.parse(res.body.toString()), { code: "unimplemented", message: refusal });
  });
});

describe("the encodings it names work", () => {
  const compressors = { gzip: gzipSync, br: brotliCompressSync } as const;
  for (const name of supported.split(",") as (keyof typeof compressors)[]) {
    it(`gRPC with grpc-encoding: ${name}`, async () => {
      const res = await h2Request(
        server.url,
        {
          ":path": sayHello,
          "content-type": "application/grpc",
          te: "trailers",
          "grpc-encoding": name,
        },
        grpcFrame(compressors[name](hello), { compressed: true }),
      );
      assert.equal(res.grpcStatus, grpc.status.OK, res.grpcMessage);
      assert.ok(res.body.length > 5, "one message");
    });
  }

  it("grpc-js sending gzip (grpc.default_compression_algorithm) gets its greeting", async () => {
    const result = await sayHelloWithGrpcJs(
      new URL(server.url).host,
      { name: "zipped" },
      new grpc.Metadata(),
      { channel: { "grpc.default_compression_algorithm": grpc.compressionAlgorithms.gzip } },
    );
    assert.equal(result.code, grpc.status.OK, result.details);
    assert.equal(result.response?.message, "Hello, zipped");
  });
});
