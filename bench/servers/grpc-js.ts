// Benchmark server C: @grpc/grpc-js, the gRPC server most Node services
// run. SayHello with the same metadata behaviour as the real server: the
// response header `response-time` (ISO time, sent with `sendMetadata`) and
// the trailer `processing-ms` (in the status metadata). The service
// definition is written by hand, as `makeGenericClientConstructor` takes
// it, with protobuf-es `toBinary` / `fromBinary` as the serializers: no
// proto-loader, no generated grpc-js code. Channelz is off. gRPC only (h2c).
// SayHelloStream as the real server streams it: `count` greetings (0 means
// 3), `interval_ms` apart (unset means 200, an explicit 0 no wait), the
// header before the first message, `processing-ms` in the trailers.
//
//   node --import tsx bench/servers/grpc-js.ts [--port 0] [--host 127.0.0.1]
import { create, fromBinary, toBinary } from "@bufbuild/protobuf";
import * as grpc from "@grpc/grpc-js";
import {
  HelloService,
  type SayHelloRequest,
  SayHelloRequestSchema,
  type SayHelloResponse,
  SayHelloResponseSchema,
  type SayHelloStreamRequest,
  SayHelloStreamRequestSchema,
  type SayHelloStreamResponse,
  SayHelloStreamResponseSchema,
} from "../../gen/hello/v1/hello_pb.js";
import { rpcPath } from "../../scripts/kit/rpc-path.js";
import { announce, exitOnSignal, listenArgs } from "./cli.js";

/** A Uint8Array as a Buffer over the same memory (no copy). */
const asBuffer = (u: Uint8Array) => Buffer.from(u.buffer, u.byteOffset, u.byteLength);

const sayHelloMethod: grpc.MethodDefinition<SayHelloRequest, SayHelloResponse> = {
  path: rpcPath(HelloService.method.sayHello),
  requestStream: false,
  responseStream: false,
  requestSerialize: (m) => asBuffer(toBinary(SayHelloRequestSchema, m)),
  requestDeserialize: (b) => fromBinary(SayHelloRequestSchema, b),
  responseSerialize: (m) => asBuffer(toBinary(SayHelloResponseSchema, m)),
  responseDeserialize: (b) => fromBinary(SayHelloResponseSchema, b),
  originalName: "sayHello",
};

const sayHelloStreamMethod: grpc.MethodDefinition<SayHelloStreamRequest, SayHelloStreamResponse> = {
  path: rpcPath(HelloService.method.sayHelloStream),
  requestStream: false,
  responseStream: true,
  requestSerialize: (m) => asBuffer(toBinary(SayHelloStreamRequestSchema, m)),
  requestDeserialize: (b) => fromBinary(SayHelloStreamRequestSchema, b),
  responseSerialize: (m) => asBuffer(toBinary(SayHelloStreamResponseSchema, m)),
  responseDeserialize: (b) => fromBinary(SayHelloStreamResponseSchema, b),
  originalName: "sayHelloStream",
};

const helloService: grpc.ServiceDefinition = {
  SayHello: sayHelloMethod,
  SayHelloStream: sayHelloStreamMethod,
};

const sayHello: grpc.handleUnaryCall<SayHelloRequest, SayHelloResponse> = (call, callback) => {
  const started = performance.now();
  const header = new grpc.Metadata();
  header.set("response-time", new Date().toISOString());
  call.sendMetadata(header);
  const trailer = () => {
    const md = new grpc.Metadata();
    md.set("processing-ms", (performance.now() - started).toFixed(3));
    return md;
  };
  if (call.request.name === "") {
    callback({
      code: grpc.status.INVALID_ARGUMENT,
      details: "name must not be empty",
      metadata: trailer(),
    });
    return;
  }
  const response = create(SayHelloResponseSchema, { message: `Hello, ${call.request.name}` });
  callback(null, response, trailer());
};

const sayHelloStream: grpc.handleServerStreamingCall<
  SayHelloStreamRequest,
  SayHelloStreamResponse
> = async (call) => {
  const started = performance.now();
  const header = new grpc.Metadata();
  header.set("response-time", new Date().toISOString());
  call.sendMetadata(header);
  const trailer = new grpc.Metadata();
  const { name } = call.request;
  if (name === "") {
    trailer.set("processing-ms", (performance.now() - started).toFixed(3));
    call.emit("error", {
      code: grpc.status.INVALID_ARGUMENT,
      details: "name must not be empty",
      metadata: trailer,
    });
    return;
  }
  const count = call.request.count === 0 ? 3 : call.request.count;
  const interval = call.request.intervalMs ?? 200;
  for (let i = 1; i <= count; i++) {
    if (i > 1 && interval > 0) await new Promise((r) => setTimeout(r, interval));
    if (call.cancelled) return;
    call.write(
      create(SayHelloStreamResponseSchema, { message: `Hello, ${name} (${i}/${count})`, index: i }),
    );
  }
  trailer.set("processing-ms", (performance.now() - started).toFixed(3));
  call.end(trailer);
};

const server = new grpc.Server({ "grpc.enable_channelz": 0 });
server.addService(helloService, { SayHello: sayHello, SayHelloStream: sayHelloStream });
const args = listenArgs();
const host = args.host.includes(":") ? `[${args.host}]` : args.host;
const port = await new Promise<number>((resolve, reject) =>
  server.bindAsync(`${host}:${args.port}`, grpc.ServerCredentials.createInsecure(), (err, p) =>
    err ? reject(err) : resolve(p),
  ),
);
announce("grpc-js", `http://${host}:${port}`);
exitOnSignal(() => server.forceShutdown());
