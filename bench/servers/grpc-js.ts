// Benchmark server C: @grpc/grpc-js, the gRPC server most Node services
// run. SayHello with the same metadata behaviour as the real server: the
// response header `response-time` (ISO time, sent with `sendMetadata`) and
// the trailer `processing-ms` (in the status metadata). The service
// definition is written by hand, as `makeGenericClientConstructor` takes
// it, with protobuf-es `toBinary` / `fromBinary` as the serializers: no
// proto-loader, no generated grpc-js code. Channelz is off. gRPC only (h2c).
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

const helloService: grpc.ServiceDefinition = { SayHello: sayHelloMethod };

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

const server = new grpc.Server({ "grpc.enable_channelz": 0 });
server.addService(helloService, { SayHello: sayHello });
const args = listenArgs();
const host = args.host.includes(":") ? `[${args.host}]` : args.host;
const port = await new Promise<number>((resolve, reject) =>
  server.bindAsync(`${host}:${args.port}`, grpc.ServerCredentials.createInsecure(), (err, p) =>
    err ? reject(err) : resolve(p),
  ),
);
announce("grpc-js", `http://${host}:${port}`);
exitOnSignal(() => server.forceShutdown());
