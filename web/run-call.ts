import { ConnectError, type ContextValues } from "@connectrpc/connect";
import { callOptions, header, MD, trailer } from "@hello-metadata/metadata";
import {
  HelloService,
  type MetadataKeys,
  MetadataKeysSchema,
  type SayHelloResponse,
  type SayHelloStreamResponse,
} from "../gen/hello/v1/hello_pb.js";
import type { CallSettings } from "./call-settings.js";
import { createHelloTransport } from "./client.js";
import { createWireTap, type WireRecord } from "./wire-tap.js";

/** What one call produced, success or not. */
export interface CallOutcome {
  /** Response header and trailer metadata, as the library captured them (`header()`, `trailer()`). */
  readonly header: MD;
  readonly trailer: MD;
  /** SayHello's response, on success. */
  readonly response?: SayHelloResponse;
  /**
   * The keys the server says it set: the response's `keys_set`, a stream's
   * first message's, or an error's `hello.v1.MetadataKeys` detail.
   */
  readonly keysSet?: MetadataKeys;
  readonly error?: ConnectError;
  /** What the page's fetch saw of the call. */
  readonly record: WireRecord;
  /** From the start to the end of the call (response, last message, or error). */
  readonly durationMs: number;
}

/** Called as a stream progresses, with ms since the call started. */
export interface StreamHooks {
  /** The response headers arrived; `header` already holds them. */
  headers(header: MD, atMs: number): void;
  message(message: SayHelloStreamResponse, atMs: number): void;
}

/**
 * Makes one call as `settings` say (SayHello, or SayHelloStream with
 * `hooks` told of its headers and each message), with the outgoing metadata
 * of `ctx`, through a fresh transport whose fetch is tapped. The call goes
 * through the transport directly (no generated client wrapper: the response
 * objects carry nothing the library does not already capture), with the
 * library's `callOptions(ctx, header(h), trailer(t))` context. Never
 * rejects: an error is part of the outcome.
 */
export async function runCall(
  settings: CallSettings,
  ctx: ContextValues,
  signal: AbortSignal,
  hooks: StreamHooks,
): Promise<CallOutcome> {
  const tap = createWireTap();
  const transport = createHelloTransport(settings.protocol, tap.fetch);
  const h = new MD();
  const t = new MD();
  const { contextValues } = callOptions(ctx, header(h), trailer(t));
  const started = performance.now();
  const since = () => performance.now() - started;
  const { name, failCode, timeoutMs } = settings;
  const done = (more: Partial<CallOutcome>): CallOutcome => ({
    header: h,
    trailer: t,
    record: tap.record,
    durationMs: since(),
    ...more,
  });
  let keysSet: MetadataKeys | undefined;
  try {
    if (settings.rpc === "unary") {
      const res = await transport.unary(
        HelloService.method.sayHello,
        signal,
        timeoutMs,
        undefined,
        { name, failCode, hops: settings.hops, delayMs: settings.delayMs },
        contextValues,
      );
      return done({ response: res.message, keysSet: res.message.keysSet });
    }
    const res = await transport.stream(
      HelloService.method.sayHelloStream,
      signal,
      timeoutMs,
      undefined,
      only({
        name,
        failCode,
        count: settings.count,
        intervalMs: settings.intervalMs,
        delayMs: settings.delayMs,
      }),
      contextValues,
    );
    hooks.headers(h, since());
    for await (const m of res.message) {
      keysSet ??= m.keysSet;
      hooks.message(m, since());
    }
    return done({ keysSet });
  } catch (e) {
    const error = ConnectError.from(e);
    return done({ error, keysSet: error.findDetails(MetadataKeysSchema)[0] ?? keysSet });
  }
}

/**
 * The one request message of a server-streaming call, as the AsyncIterable
 * the transport takes. (Connect-ES's `createAsyncIterable` does the same,
 * but importing `@connectrpc/connect/protocol` costs the page 0.25 kB gzip.)
 */
async function* only<T>(message: T): AsyncIterable<T> {
  yield message;
}
