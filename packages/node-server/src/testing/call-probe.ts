import { brotliCompressSync, gzipSync } from "node:zlib";
import {
  create,
  type DescMessage,
  type MessageInitShape,
  toBinary,
  toJsonString,
} from "@bufbuild/protobuf";
import { type EchoSchema, EchoService } from "./gen/enginetest/v1/echo_pb.js";
import type { Probe } from "./wire-client.js";

/**
 * Well-formed calls to the echo service, described by what they exercise
 * and turned into the exact bytes and headers each protocol puts on the
 * wire: the request side of the differential suite's generated corpus.
 */

/** What one request message asks the echo service for. */
export type EchoInit = MessageInitShape<typeof EchoSchema>;

/** The wire protocols the engine serves; `grpc-web-text` is gRPC-Web's base64 mode. */
export type WireProtocol = "connect" | "grpc" | "grpc-web" | "grpc-web-text";

/** The echo service's methods, by RPC shape. */
export type Shape = "unary" | "serverStream" | "clientStream" | "bidiStream";

/** Request compression the servers accept (both are given gzip and brotli). */
export type Compression = "gzip" | "br";

/** Which timeout header a call carries: none, one far away, one already over, or one that does not parse. */
export type TimeoutKind = "none" | "long" | "expired" | "malformed";

/** One call, by what it exercises. */
export interface CallSpec {
  readonly http: "1.1" | "2";
  readonly protocol: WireProtocol;
  readonly codec: "proto" | "json";
  readonly shape: Shape;
  /** Connect unary only: send it as a Connect GET. */
  readonly get: boolean;
  /** The request messages (unary and server streaming send the first only). */
  readonly messages: readonly EchoInit[];
  /** Request metadata, in order. */
  readonly metadata: readonly (readonly [string, string])[];
  readonly timeout: TimeoutKind;
  /** Compress the request messages with this. */
  readonly compress: Compression | undefined;
  /** Tell the server the answer may be compressed with these. */
  readonly accept: readonly Compression[];
}

/** The request path of a method, from the generated descriptor. */
export function pathOf(shape: Shape): string {
  return `/${EchoService.typeName}/${EchoService.method[shape].name}`;
}

/** The request message schema of a method. */
export function inputOf(shape: Shape): DescMessage {
  return EchoService.method[shape].input;
}

/** Whether a method's requests are a stream (client and bidi streaming). */
export function streamsRequests(shape: Shape): boolean {
  return shape === "clientStream" || shape === "bidiStream";
}

const timeoutValues = {
  grpc: { long: "30S", expired: "0m", malformed: "1x" },
  connect: { long: "30000", expired: "0", malformed: "-5" },
} as const;

/** The probe for `spec`. */
export function callProbe(spec: CallSpec): Probe {
  const grpcLike = spec.protocol !== "connect";
  const sent = streamsRequests(spec.shape) ? spec.messages : spec.messages.slice(0, 1);
  const payloads = sent.map((m) => encode(spec.shape, spec.codec, m));
  const headers: Record<string, string> = {};
  const unaryConnect = spec.protocol === "connect" && spec.shape === "unary";
  if (spec.timeout !== "none") {
    const name = grpcLike ? "grpc-timeout" : "connect-timeout-ms";
    headers[name] = timeoutValues[grpcLike ? "grpc" : "connect"][spec.timeout];
  }
  const encodingHeader = grpcLike
    ? "grpc-encoding"
    : unaryConnect
      ? "content-encoding"
      : "connect-content-encoding";
  const acceptHeader = grpcLike
    ? "grpc-accept-encoding"
    : unaryConnect
      ? "accept-encoding"
      : "connect-accept-encoding";
  if (spec.accept.length > 0) headers[acceptHeader] = spec.accept.join(", ");
  for (const [k, v] of spec.metadata) headers[k] = v;

  if (unaryConnect && spec.get) return connectGet(spec, payloads[0] ?? new Uint8Array(0), headers);
  if (spec.compress) headers[encodingHeader] = spec.compress;
  let body: Uint8Array;
  if (unaryConnect) {
    const payload = payloads[0] ?? new Uint8Array(0);
    body = spec.compress ? compress(spec.compress, payload) : payload;
    headers["content-type"] = `application/${spec.codec}`;
    headers["connect-protocol-version"] = "1";
  } else {
    const frames = payloads.map((p) =>
      spec.compress ? envelope(1, compress(spec.compress, p)) : envelope(0, p),
    );
    body = Buffer.concat(frames);
    if (spec.protocol === "connect") {
      headers["content-type"] = `application/connect+${spec.codec}`;
      headers["connect-protocol-version"] = "1";
    } else if (spec.protocol === "grpc") {
      headers["content-type"] = `application/grpc+${spec.codec}`;
      headers.te = "trailers";
    } else {
      const text = spec.protocol === "grpc-web-text";
      headers["content-type"] = `application/grpc-web${text ? "-text" : ""}+${spec.codec}`;
      headers["x-grpc-web"] = "1";
      if (text) body = Buffer.from(Buffer.from(body).toString("base64"), "latin1");
    }
  }
  return { http: spec.http, method: "POST", path: pathOf(spec.shape), headers, body };
}

function connectGet(spec: CallSpec, payload: Uint8Array, headers: Record<string, string>): Probe {
  const base64 = spec.codec === "proto" || spec.compress !== undefined;
  const message = spec.compress ? compress(spec.compress, payload) : payload;
  let query = "?connect=v1";
  if (base64) query += "&base64=1";
  if (spec.compress) query += `&compression=${spec.compress}`;
  query += `&encoding=${spec.codec}&message=`;
  query += base64
    ? Buffer.from(message).toString("base64url")
    : encodeURIComponent(Buffer.from(message).toString("utf8"));
  return {
    http: spec.http,
    method: "GET",
    path: pathOf(spec.shape) + query,
    headers,
    body: new Uint8Array(0),
  };
}

/** A request message of `shape`'s input type, in `codec`. */
export function encode(shape: Shape, codec: "proto" | "json", echo: EchoInit): Uint8Array {
  const schema = inputOf(shape);
  const message = create(schema, { echo });
  return codec === "proto"
    ? toBinary(schema, message)
    : Buffer.from(toJsonString(schema, message), "utf8");
}

/** One length-prefixed message: flag byte, big-endian uint32 length, payload. */
export function envelope(flags: number, payload: Uint8Array, claimedLength?: number): Buffer {
  const head = Buffer.alloc(5);
  head[0] = flags;
  head.writeUInt32BE(claimedLength ?? payload.byteLength, 1);
  return Buffer.concat([head, payload]);
}

/** `bytes` compressed as a server given gzip and brotli decompresses them. */
export function compress(compression: Compression, bytes: Uint8Array): Buffer {
  return compression === "gzip" ? gzipSync(bytes) : brotliCompressSync(bytes);
}
