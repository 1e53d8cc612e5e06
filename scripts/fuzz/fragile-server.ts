// A deliberately fragile server, for showing that the survival oracle can
// fail: HTTP/1.1 and h2c on one port (the engine's one-port listener in
// front of plain node:http and node:http2 servers, no engine code behind
// them), answering gRPC SayHello so a bystander can succeed, and 404 to
// everything else. Except: a request with the method given to --die-on
// makes it exit (with --exit-code), --wedge-on blocks its event loop for
// good, --bloat-on keeps 64 MiB it never frees, --leak-on opens 64 file
// descriptors it never closes, and --complain-on prints an error trace on
// stderr. With none of them it survives anything.
//
//   node --import tsx scripts/fuzz/fragile-server.ts --port 0 --host 127.0.0.1 [--die-on PUT] …
import { openSync } from "node:fs";
import * as http from "node:http";
import * as http2 from "node:http2";
import type { AddressInfo } from "node:net";
import { parseArgs } from "node:util";
import { create, fromBinary, toBinary } from "@bufbuild/protobuf";
import { createOnePortServer } from "@hello-metadata/node-server";
import {
  HelloService,
  SayHelloRequestSchema,
  SayHelloResponseSchema,
} from "../../gen/hello/v1/hello_pb.js";

const { values } = parseArgs({
  options: {
    port: { type: "string", default: "0" },
    host: { type: "string", default: "127.0.0.1" },
    "die-on": { type: "string" },
    // A test passes its own, to tell this death from any other.
    "exit-code": { type: "string", default: "3" },
    "wedge-on": { type: "string" },
    "bloat-on": { type: "string" },
    "leak-on": { type: "string" },
    "complain-on": { type: "string" },
  },
  strict: true,
});

const kept: Buffer[] = [];

/** Does what the flags say for a request with `method`; returns normally unless it dies or wedges. */
function weakness(method: string | undefined): void {
  if (method === undefined) return;
  if (method === values["die-on"]) process.exit(Number(values["exit-code"]));
  if (method === values["wedge-on"]) Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0);
  if (method === values["bloat-on"]) kept.push(Buffer.alloc(64 * 1024 * 1024, 1));
  if (method === values["leak-on"]) for (let i = 0; i < 64; i++) openSync("/dev/null", "r");
  if (method === values["complain-on"])
    console.error(new Error(`fragile: complaining about ${method}`));
}

const sayHello = `/${HelloService.typeName}/${HelloService.method.sayHello.name}`;

/** Answers a gRPC SayHello on a raw stream: one enveloped message, then grpc-status 0. */
function answerSayHello(stream: http2.ServerHttp2Stream): void {
  const chunks: Buffer[] = [];
  let size = 0;
  stream.on("data", (c: Buffer) => {
    size += c.length;
    if (size > 1024 * 1024) stream.close(http2.constants.NGHTTP2_REFUSED_STREAM);
    else chunks.push(c);
  });
  stream.on("end", () => {
    try {
      const body = Buffer.concat(chunks);
      const name = fromBinary(SayHelloRequestSchema, body.subarray(5)).name;
      const message = Buffer.from(
        toBinary(
          SayHelloResponseSchema,
          create(SayHelloResponseSchema, { message: `Hello, ${name}` }),
        ),
      );
      const head = Buffer.alloc(5);
      head.writeUInt32BE(message.length, 1);
      stream.respond(
        { ":status": 200, "content-type": "application/grpc" },
        { waitForTrailers: true },
      );
      stream.on("wantTrailers", () => stream.sendTrailers({ "grpc-status": "0" }));
      stream.end(Buffer.concat([head, message]));
    } catch {
      stream.close(http2.constants.NGHTTP2_PROTOCOL_ERROR);
    }
  });
}

const h1 = http.createServer((req, res) => {
  weakness(req.method);
  req.resume();
  res.writeHead(404, { "content-type": "text/plain" }).end("not found\n");
});
h1.on("clientError", (_e, socket) => socket.destroy());
// Connections are handed to it; its connection tracking starts on "listening".
h1.emit("listening");

const h2 = http2.createServer();
h2.on("session", (s) => s.on("error", () => {}));
h2.on("stream", (stream, headers) => {
  stream.on("error", () => {});
  weakness(headers[":method"]);
  try {
    if (headers[":method"] === "POST" && headers[":path"] === sayHello) answerSayHello(stream);
    else {
      stream.resume();
      stream.respond({ ":status": 404 }, { endStream: true });
    }
  } catch {
    // The stream was reset before it could be answered.
  }
});

const tcp = createOnePortServer({ http1: h1, http2: h2 });
tcp.listen(Number(values.port), values.host, () => {
  const { port } = tcp.address() as AddressInfo;
  console.log(`fragile server listening on http://${values.host}:${port}`);
});
