import { create } from "@bufbuild/protobuf";
import { Code, ConnectError, type HandlerContext, type ServiceImpl } from "@connectrpc/connect";
import {
  callOptions,
  encodeStandardBase64,
  fromIncomingContext,
  MD,
  pairs,
  sendHeader,
  setHeader,
  setTrailer,
} from "@hello-metadata/metadata";
import { clientAddressKey } from "@hello-metadata/node-server";
import {
  type HelloService,
  type HopReport,
  type MetadataEntry,
  type MetadataKeys,
  MetadataKeysSchema,
  type SayHelloAllResponse,
  type SayHelloResponse,
} from "../gen/hello/v1/hello_pb.js";
import { sleep, untilAborted } from "./call-waits.js";
import type { Downstream } from "./downstream.js";
import type { HopBudget } from "./hop-budget.js";
import {
  deadlineOf,
  forwardContext,
  forwardedTimeout,
  type HopOptions,
  trustedTrail,
} from "./hops.js";
import { limits } from "./limits.js";
import { appMetadataKeys } from "./metadata-keys.js";

/**
 * What the service needs from the server around it; `self` also names the
 * server in `x-served-by`.
 */
export interface HelloServiceOptions extends HopOptions {
  /** The next HelloService, called for hops. */
  readonly downstream: Downstream;
  /** What hops may hold of the downstream (see hop-budget.ts). */
  readonly hopBudget: HopBudget;
  /**
   * How response metadata is written: through the library (`setHeader`,
   * `sendHeader`, `setTrailer`, the default), or straight into Connect-ES's
   * `Headers` ("plain", for measuring what the library costs).
   */
  readonly metadataWrites?: "library" | "plain";
}

/** The three handler-side writes, so the service can run with or without the library. */
interface MetadataWriter {
  setHeader(ctx: HandlerContext, md: MD): void;
  sendHeader(ctx: HandlerContext, md: MD): void;
  setTrailer(ctx: HandlerContext, md: MD): void;
}

const libraryWriter: MetadataWriter = { setHeader, sendHeader, setTrailer };

const plainWriter: MetadataWriter = {
  setHeader: (ctx, md) => copyInto(ctx.responseHeader, md),
  sendHeader: (ctx, md) => copyInto(ctx.responseHeader, md),
  setTrailer: (ctx, md) => copyInto(ctx.responseTrailer, md),
};

function copyInto(target: Headers, md: MD): void {
  for (const [k, vs] of md.entries())
    for (const v of vs) if (typeof v === "string") target.append(k, v);
}

const { maxHops, maxDelayMs, maxStreamCount, maxStreamIntervalMs, maxStreamDelayMs, maxAllNames } =
  limits;

/** The keys this server sets on every response, derived from the one declaration. */
const keysSet: MetadataKeys = create(MetadataKeysSchema, {
  header: [...appMetadataKeys.responseHeaders, ...appMetadataKeys.unexposedHeaders],
  trailer: [...appMetadataKeys.responseTrailers],
});

/**
 * The HelloService implementation. Every call, successful or not, sets the
 * `response-time` header (RFC 3339 UTC with milliseconds, the moment the
 * server handled the call), `x-served-by`, and the `processing-ms` trailer
 * (the handler's duration in decimal milliseconds), through the metadata
 * library. (`x-request-id` is set for every request by the server, see
 * request-id.ts.)
 */
export function createHelloService(options: HelloServiceOptions): ServiceImpl<typeof HelloService> {
  const { setHeader, sendHeader, setTrailer } =
    options.metadataWrites === "plain" ? plainWriter : libraryWriter;
  return {
    async sayHello(req, ctx) {
      const started = performance.now();
      setHeader(ctx, responseHeaders(options));
      try {
        requireName(req.name);
        check(req.hops <= maxHops, `hops must be at most ${maxHops}, got ${req.hops}`);
        check(
          req.delayMs <= maxDelayMs,
          `delay_ms must be at most ${maxDelayMs}, got ${req.delayMs}`,
        );
        const failCode = statusCode(req.failCode);
        const incoming = fromIncomingContext(ctx.values) ?? new MD();
        const here: HopReport = {
          $typeName: "hello.v1.HopReport",
          index: 0,
          received: entries(incoming),
          dropped: [],
          deadlineMs: deadlineOf(ctx),
          via: options.self(),
        };
        if (req.hops > 0) {
          // A call that continues a chain of ours is charged to the process
          // only; a call from a client is charged to that client too.
          const trail = trustedTrail(incoming, options.via);
          const release = options.hopBudget.acquire(
            trail ? undefined : ctx.values.get(clientAddressKey),
          );
          try {
            const { values, dropped } = forwardContext(ctx.values, incoming, trail, options);
            here.dropped = dropped;
            const timeoutMs = forwardedTimeout(ctx, limits.hopDefaultTimeoutMs);
            const res = await options.downstream.client.sayHello(
              { ...req, hops: req.hops - 1 },
              { ...callOptions(values), signal: ctx.signal, timeoutMs },
            );
            return response(res.message, here, res.hops);
          } finally {
            release();
          }
        }
        if (req.delayMs > 0) await sleep(req.delayMs, ctx.signal);
        if (failCode !== undefined) throw failure(failCode);
        return response(`Hello, ${req.name}`, here, []);
      } finally {
        setTrailer(ctx, processingTime(started));
      }
    },

    async *sayHelloStream(req, ctx) {
      const started = performance.now();
      try {
        // Headers go out now, before any check or message, as
        // grpc.SendHeader sends them: a caller sees them at once, and an
        // error below still carries them.
        sendHeader(ctx, responseHeaders(options));
        requireName(req.name);
        const count = req.count === 0 ? 3 : req.count;
        // Unset waits 200 ms between greetings; an explicit 0 does not wait.
        const interval = req.intervalMs ?? 200;
        check(count <= maxStreamCount, `count must be at most ${maxStreamCount}, got ${count}`);
        check(
          interval <= maxStreamIntervalMs,
          `interval_ms must be at most ${maxStreamIntervalMs}, got ${interval}`,
        );
        check(
          req.delayMs <= maxStreamDelayMs,
          `delay_ms must be at most ${maxStreamDelayMs}, got ${req.delayMs}`,
        );
        const failCode = statusCode(req.failCode);
        const incoming = fromIncomingContext(ctx.values) ?? new MD();
        await sleep(req.delayMs, ctx.signal);
        for (let i = 1; i <= count; i++) {
          if (i > 1) await sleep(interval, ctx.signal);
          yield {
            message: `Hello, ${req.name} (${i}/${count})`,
            index: i,
            ...(i === 1 ? { received: entries(incoming), keysSet } : {}),
          };
        }
        if (failCode !== undefined) throw failure(failCode);
      } finally {
        setTrailer(ctx, processingTime(started));
      }
    },

    async sayHelloAll(requests, ctx) {
      const started = performance.now();
      try {
        sendHeader(ctx, responseHeaders(options));
        const incoming = fromIncomingContext(ctx.values) ?? new MD();
        const names: string[] = [];
        let failCode: Code | undefined;
        for await (const req of untilAborted(requests, ctx.signal)) {
          requireName(req.name);
          check(names.length < maxAllNames, `at most ${maxAllNames} names per call`);
          names.push(req.name);
          failCode ??= statusCode(req.failCode);
        }
        check(names.length > 0, "no names: send at least one request message");
        if (failCode !== undefined) throw failure(failCode);
        const res: SayHelloAllResponse = {
          $typeName: "hello.v1.SayHelloAllResponse",
          message: `Hello, ${names.join(", ")}`,
          count: names.length,
          received: entries(incoming),
          keysSet,
        };
        return res;
      } finally {
        setTrailer(ctx, processingTime(started));
      }
    },

    async *sayHelloChat(requests, ctx) {
      const started = performance.now();
      try {
        sendHeader(ctx, responseHeaders(options));
        const incoming = fromIncomingContext(ctx.values) ?? new MD();
        let index = 0;
        for await (const req of untilAborted(requests, ctx.signal)) {
          requireName(req.name);
          const failCode = statusCode(req.failCode);
          index++;
          yield {
            message: `Hello, ${req.name}`,
            index,
            ...(index === 1 ? { received: entries(incoming), keysSet } : {}),
          };
          if (failCode !== undefined) throw failure(failCode);
        }
      } finally {
        setTrailer(ctx, processingTime(started));
      }
    },
  };
}

function responseHeaders(options: HelloServiceOptions): MD {
  return pairs("response-time", new Date().toISOString(), "x-served-by", options.self());
}

function processingTime(started: number): MD {
  return pairs("processing-ms", (performance.now() - started).toFixed(3));
}

function response(message: string, here: HopReport, further: HopReport[]): SayHelloResponse {
  return {
    $typeName: "hello.v1.SayHelloResponse",
    message,
    received: here.received,
    hops: [here, ...further.map((h) => ({ ...h, index: h.index + 1 }))],
    keysSet,
  };
}

/** The incoming metadata as response entries; binary values as base64. */
function entries(md: MD): MetadataEntry[] {
  return md.entries().map(([key, values]) => ({
    $typeName: "hello.v1.MetadataEntry",
    key,
    values: values.map((v) => (typeof v === "string" ? v : encodeStandardBase64(v))),
  }));
}

function requireName(name: string): void {
  check(name !== "", "name must not be empty");
}

function check(ok: boolean, message: string): void {
  if (!ok) throw new ConnectError(message, Code.InvalidArgument);
}

function statusCode(n: number): Code | undefined {
  if (n === 0) return undefined;
  check(n >= 1 && n <= 16, `fail_code must be a gRPC status code from 1 to 16, got ${n}`);
  return n as Code;
}

function failure(code: Code): ConnectError {
  return new ConnectError(`failing as asked with ${Code[code]}`, code, undefined, [
    { desc: MetadataKeysSchema, value: keysSet },
  ]);
}
