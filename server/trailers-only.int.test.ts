// The errors the engine answers itself (before any handler: an unknown
// method, a compression it cannot read) are gRPC "trailers-only" responses:
// one HEADERS frame carrying the status, with END_STREAM. Sent as a header
// block and then an empty DATA frame, grpc-js read them as INTERNAL ("Call
// ended without gRPC status") and grpcio as UNKNOWN ("Stream removed").
import assert from "node:assert/strict";
import * as http2 from "node:http2";
import { after, before, describe, it } from "node:test";
import * as grpc from "@grpc/grpc-js";
import type { RunningServer } from "./app.js";
import { debianPython, run } from "./interop/clients.js";
import { startTestServer } from "./testing.js";

let server: RunningServer;
before(async () => {
  server = await startTestServer();
});
after(() => server.close());

const unknownMethod = "/hello.v1.HelloService/NoSuchMethod";

/** The header block of a gRPC call to `path` and whether it ended the stream. */
function firstHeaders(
  path: string,
  extra: http2.OutgoingHttpHeaders,
): Promise<{ headers: http2.IncomingHttpHeaders; endStream: boolean }> {
  const session = http2.connect(server.url);
  return new Promise((resolve, reject) => {
    const req = session.request({
      ":method": "POST",
      ":path": path,
      "content-type": "application/grpc",
      te: "trailers",
      ...extra,
    });
    req.on("response", (headers, flags) => {
      resolve({ headers, endStream: (flags & http2.constants.NGHTTP2_FLAG_END_STREAM) !== 0 });
      req.close();
      session.close();
    });
    req.on("error", reject);
    req.end(Buffer.from([0, 0, 0, 0, 0]));
  });
}

describe("engine-answered gRPC errors are trailers-only", () => {
  const cases = [
    {
      name: "an unknown method (the compatibility path)",
      path: unknownMethod,
      extra: {},
      code: grpc.status.UNIMPLEMENTED,
      message: `unknown method ${unknownMethod}`,
    },
    {
      name: "a compression the server cannot read (the raw stream path)",
      path: "/hello.v1.HelloService/SayHello",
      extra: { "grpc-encoding": "snappy" },
      code: grpc.status.UNIMPLEMENTED,
      message: 'unknown compression "snappy": supported encodings are gzip,br',
    },
  ];
  for (const c of cases) {
    it(`${c.name}: one HEADERS frame with END_STREAM and the status`, async () => {
      const { headers, endStream } = await firstHeaders(c.path, c.extra);
      assert.equal(endStream, true, "the header block ends the stream");
      assert.equal(headers["grpc-status"], String(c.code));
      assert.equal(headers["grpc-message"], c.message);
    });
  }

  it("grpc-js reads an unknown method as UNIMPLEMENTED with its message", async () => {
    const client = new grpc.Client(new URL(server.url).host, grpc.credentials.createInsecure());
    const status = await new Promise<grpc.StatusObject>((resolve) => {
      const pass = (b: Buffer) => b;
      const call = client.makeUnaryRequest(unknownMethod, pass, pass, Buffer.alloc(0), () => {});
      call.on("status", resolve);
    });
    client.close();
    assert.equal(status.code, grpc.status.UNIMPLEMENTED, status.details);
    assert.equal(status.details, `unknown method ${unknownMethod}`);
  });

  it("grpcio reads an unknown method as UNIMPLEMENTED with its message", async () => {
    const script = [
      "import grpc, json, sys",
      `ch = grpc.insecure_channel(${JSON.stringify(new URL(server.url).host)})`,
      `call = ch.unary_unary(${JSON.stringify(unknownMethod)}, request_serializer=lambda b: b, response_deserializer=lambda b: b)`,
      "try:",
      "    call(b'', timeout=10)",
      "    print(json.dumps({'code': 'OK'}))",
      "except grpc.RpcError as e:",
      "    print(json.dumps({'code': e.code().name, 'details': e.details()}))",
    ].join("\n");
    const { stdout, stderr } = await run(debianPython, ["-c", script]);
    assert.deepEqual(JSON.parse(stdout || stderr), {
      code: "UNIMPLEMENTED",
      details: `unknown method ${unknownMethod}`,
    });
  });
});
