// protobuf-ts in the interop matrix: @protobuf-ts/grpc-transport (its gRPC
// transport, on @grpc/grpc-js) calling SayHello through
// @protobuf-ts/runtime-rpc's call API. protobuf-ts normally runs on
// protoc-gen-ts output; here the two messages are described by hand with
// @protobuf-ts/runtime's MessageType, as few fields as the matrix reads
// (fields it does not know are kept as unknown fields), so no second code
// generator is needed.
import { ChannelCredentials, status } from "@grpc/grpc-js";
import { encodeStandardBase64 } from "@hello-metadata/metadata";
import { GrpcTransport } from "@protobuf-ts/grpc-transport";
import { MessageType, RepeatType, ScalarType } from "@protobuf-ts/runtime";
import { RpcError, type RpcMetadata, ServiceType } from "@protobuf-ts/runtime-rpc";
import type { Entry, InteropClient } from "./clients.js";

interface HelloRequest {
  name: string;
  hops: number;
  failCode: number;
  delayMs: number;
}

interface HelloResponse {
  message: string;
  received: Entry[];
}

const MetadataEntryType = new MessageType<Entry>("hello.v1.MetadataEntry", [
  { no: 1, name: "key", kind: "scalar", T: ScalarType.STRING },
  { no: 2, name: "values", kind: "scalar", T: ScalarType.STRING, repeat: RepeatType.UNPACKED },
]);

const SayHelloRequestType = new MessageType<HelloRequest>("hello.v1.SayHelloRequest", [
  { no: 1, name: "name", kind: "scalar", T: ScalarType.STRING },
  { no: 2, name: "hops", kind: "scalar", T: ScalarType.UINT32 },
  { no: 3, name: "fail_code", kind: "scalar", T: ScalarType.UINT32 },
  { no: 4, name: "delay_ms", kind: "scalar", T: ScalarType.UINT32 },
]);

const SayHelloResponseType = new MessageType<HelloResponse>("hello.v1.SayHelloResponse", [
  { no: 1, name: "message", kind: "scalar", T: ScalarType.STRING },
  {
    no: 2,
    name: "received",
    kind: "message",
    T: () => MetadataEntryType,
    repeat: RepeatType.UNPACKED,
  },
]);

const HelloServiceType = new ServiceType("hello.v1.HelloService", [
  { name: "SayHello", options: {}, I: SayHelloRequestType, O: SayHelloResponseType },
]);

/**
 * protobuf-ts metadata as the matrix compares it: values in order (`-bin`
 * values are the standard base64 protobuf-ts reads from grpc-js).
 */
function metadataMap(md: RpcMetadata): Map<string, string[]> {
  const out = new Map<string, string[]>();
  for (const [key, value] of Object.entries(md))
    out.set(key, Array.isArray(value) ? value : [value]);
  return out;
}

/**
 * `GrpcTransport.unary` with the call's metadata in `meta` (`-bin` values
 * as base64, which protobuf-ts decodes to bytes for grpc-js); headers from
 * `call.headers`, trailers from `call.trailers`, the status message from
 * `RpcError.message` (grpc-message as grpc-js decoded it).
 */
export const protobufTs: InteropClient = async (baseUrl, call) => {
  const transport = new GrpcTransport({
    host: new URL(baseUrl).host,
    channelCredentials: ChannelCredentials.createInsecure(),
  });
  const meta: RpcMetadata = { ...call.text };
  for (const [k, v] of Object.entries(call.binary)) meta[k] = encodeStandardBase64(v);
  const method = HelloServiceType.methods[0];
  if (!method) throw new Error("HelloServiceType has no SayHello");
  const unary = transport.unary(
    method,
    { name: call.name, hops: 0, failCode: call.failCode ?? 0, delayMs: call.delayMs ?? 0 },
    { meta, timeout: 10_000 },
  );
  try {
    const [headers, response, trailers] = await Promise.all([
      unary.headers,
      unary.response,
      unary.trailers,
    ]);
    const res = response as HelloResponse;
    return {
      code: 0,
      statusMessage: "",
      response: { message: res.message, received: res.received },
      headers: metadataMap(headers),
      trailers: metadataMap(trailers),
    };
  } catch (e) {
    if (!(e instanceof RpcError)) throw e;
    // A failed unary call's RpcError.meta holds the trailers; the headers
    // came before it, when the server sent any.
    const headers = await unary.headers.catch(() => ({}));
    const code = status[e.code as keyof typeof status];
    if (code === undefined) throw new Error(`protobuf-ts reported an unknown code ${e.code}`);
    return {
      code,
      statusMessage: e.message,
      headers: metadataMap(headers),
      trailers: metadataMap(e.meta),
    };
  } finally {
    transport.close();
  }
};
