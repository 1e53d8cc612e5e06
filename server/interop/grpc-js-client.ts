// Calls hello.v1.HelloService/SayHello with @grpc/grpc-js, the gRPC client
// most Node services use, and shows the headers and trailers it read.
//
//   node --import tsx server/interop/grpc-js-client.ts [ADDRESS] [NAME] [-H 'key: value' ...] [--fail-code N]
//
// ADDRESS defaults to localhost:8080 and NAME to Junxi. A key ending in
// -bin takes its value as base64 and sends the bytes. It prints one JSON
// object (code, details, headers, trailers, message, received) and exits
// 1 when the call failed.
import { pathToFileURL } from "node:url";
import { parseArgs } from "node:util";
import { create, fromBinary, type MessageInitShape, toBinary } from "@bufbuild/protobuf";
import * as grpc from "@grpc/grpc-js";
import {
  HelloService,
  SayHelloRequestSchema,
  type SayHelloResponse,
  SayHelloResponseSchema,
} from "../../gen/hello/v1/hello_pb.js";
import { rpcPath } from "../../scripts/kit/rpc-path.js";

/** How a grpc-js call ended, with everything the client read. */
export interface GrpcJsResult {
  /** The gRPC status code (0 is OK). */
  readonly code: grpc.status;
  readonly details: string;
  /** The response headers (grpc-js's `metadata` event); empty when none came. */
  readonly headers: grpc.Metadata;
  /** The trailers (the `status` event's metadata). */
  readonly trailers: grpc.Metadata;
  /** The response, when the call succeeded. */
  readonly response?: SayHelloResponse;
}

const method = rpcPath(HelloService.method.sayHello);

/** How {@link sayHelloWithGrpcJs} calls. */
export interface GrpcJsCallOptions {
  /** The call's deadline, from now; default 10 s. */
  readonly timeoutMs?: number;
  /** grpc-js channel options (`grpc.default_compression_algorithm`, say). */
  readonly channel?: grpc.ChannelOptions;
}

/**
 * Calls SayHello on `address` (host:port, plaintext HTTP/2) with grpc-js's
 * generic client: no generated grpc-js code, protobuf-es serializers.
 * Resolves with the status, headers and trailers on success and on error
 * alike; rejects only if grpc-js itself throws.
 */
export function sayHelloWithGrpcJs(
  address: string,
  request: MessageInitShape<typeof SayHelloRequestSchema>,
  metadata: grpc.Metadata,
  { timeoutMs = 10_000, channel }: GrpcJsCallOptions = {},
): Promise<GrpcJsResult> {
  const client = new grpc.Client(address, grpc.credentials.createInsecure(), channel);
  return new Promise<GrpcJsResult>((resolve) => {
    let headers = new grpc.Metadata();
    let response: SayHelloResponse | undefined;
    const call = client.makeUnaryRequest(
      method,
      (req: MessageInitShape<typeof SayHelloRequestSchema>) =>
        Buffer.from(toBinary(SayHelloRequestSchema, create(SayHelloRequestSchema, req))),
      (bytes: Buffer) => fromBinary(SayHelloResponseSchema, bytes),
      request,
      metadata,
      { deadline: Date.now() + timeoutMs },
      (_error, value) => {
        response = value;
      },
    );
    call.on("metadata", (md: grpc.Metadata) => {
      headers = md;
    });
    // `status` comes after the callback, with the trailers.
    call.on("status", (status: grpc.StatusObject) => {
      client.close();
      resolve({
        code: status.code,
        details: status.details,
        headers,
        trailers: status.metadata,
        ...(status.code === grpc.status.OK && response ? { response } : {}),
      });
    });
  });
}

/** grpc-js metadata as `{key: [values]}`, binary values as standard base64. */
export function metadataToJson(md: grpc.Metadata): Record<string, string[]> {
  const out: Record<string, string[]> = {};
  for (const [key, values] of Object.entries(md.toJSON())) {
    out[key] = values.map((v) => (typeof v === "string" ? v : v.toString("base64")));
  }
  return out;
}

/** JSON with one line per entry down to the second level, then compact. */
function toJson(value: unknown, depth = 0): string {
  const entries =
    depth < 2 && value !== null && typeof value === "object" ? Object.entries(value) : [];
  if (entries.length === 0) return JSON.stringify(value);
  const pad = "  ".repeat(depth + 1);
  const lines = entries.map(([k, v]) =>
    Array.isArray(value)
      ? pad + toJson(v, depth + 1)
      : `${pad}${JSON.stringify(k)}: ${toJson(v, depth + 1)}`,
  );
  const [open, close] = Array.isArray(value) ? ["[", "]"] : ["{", "}"];
  return `${open}\n${lines.join(",\n")}\n${"  ".repeat(depth)}${close}`;
}

async function main(argv: string[]): Promise<number> {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: {
      header: { type: "string", short: "H", multiple: true, default: [] },
      "fail-code": { type: "string", default: "0" },
    },
  });
  const [address = "localhost:8080", name = "Junxi"] = positionals;
  const md = new grpc.Metadata();
  for (const h of values.header) {
    const i = h.indexOf(":");
    if (i <= 0) throw new Error(`expected -H 'key: value', got ${JSON.stringify(h)}`);
    const key = h.slice(0, i).trim().toLowerCase();
    const value = h.slice(i + 1).trim();
    md.add(key, key.endsWith("-bin") ? Buffer.from(value, "base64") : value);
  }
  const result = await sayHelloWithGrpcJs(
    address,
    { name, failCode: Number(values["fail-code"]) },
    md,
  );
  const summary = {
    code: grpc.status[result.code],
    details: result.details,
    headers: metadataToJson(result.headers),
    trailers: metadataToJson(result.trailers),
    ...(result.response
      ? {
          message: result.response.message,
          received: result.response.received.map(({ key, values }) => ({ key, values })),
        }
      : {}),
  };
  console.log(toJson(summary));
  return result.code === grpc.status.OK ? 0 : 1;
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  main(process.argv.slice(2)).then(
    (code) => process.exit(code),
    (e: unknown) => {
      console.error(e instanceof Error ? e.message : e);
      process.exit(2);
    },
  );
}
