import { Code, ConnectError, type HandlerContext, type ServiceImpl } from "@connectrpc/connect";
import type { HelloService, MetadataEntry } from "../gen/hello/v1/hello_pb.js";
import {
  encodeStandardBase64,
  fromIncomingContext,
  type MD,
  pairs,
  setHeader,
  setTrailer,
} from "../metadata/index.js";

/**
 * The HelloService implementation. Every call, successful or not, sets the
 * `response-time` header (RFC 3339 UTC with milliseconds, the moment the
 * server handled the call) and the `processing-ms` trailer (the handler's
 * duration in decimal milliseconds), through the metadata library.
 */
export function createHelloService(): ServiceImpl<typeof HelloService> {
  return {
    async sayHello(req, ctx) {
      return withCallMetadata(ctx, () => {
        if (req.name === "") {
          throw new ConnectError("name must not be empty", Code.InvalidArgument);
        }
        return { message: `Hello, ${req.name}`, received: receivedEntries(ctx) };
      });
    },
  };
}

async function withCallMetadata<T>(ctx: HandlerContext, fn: () => T | Promise<T>): Promise<T> {
  const started = performance.now();
  setHeader(ctx, pairs("response-time", new Date().toISOString()));
  try {
    return await fn();
  } finally {
    const ms = performance.now() - started;
    setTrailer(ctx, pairs("processing-ms", ms.toFixed(3)));
  }
}

/** The incoming metadata as response entries; binary values as base64. */
function receivedEntries(ctx: HandlerContext): MetadataEntry[] {
  const md: MD | undefined = fromIncomingContext(ctx.values);
  return (md?.entries() ?? []).map(([key, values]) => ({
    $typeName: "hello.v1.MetadataEntry",
    key,
    values: values.map((v) => (typeof v === "string" ? v : encodeStandardBase64(v))),
  }));
}
