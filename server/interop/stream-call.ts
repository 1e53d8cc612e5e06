// What a streaming call of the interop matrix is, and what a client saw of
// it, the same for every client (server/interop/stream-clients.ts drives
// them). Each client runs one script, in its own API:
//
//   1. start the call with the metadata and the deadline, and send the
//      first request message (SayHelloStream: its only one, then close the
//      request side);
//   2. wait for the response headers — for SayHelloAll and SayHelloChat
//      while the request side is still open, which only a server that sends
//      its headers at sendHeader can satisfy;
//   3. SayHelloChat: read the answer; then send each further request
//      (SayHelloChat: reading each answer);
//   4. then `end`: close the request side and read to the end, hold it open
//      until the call ends (its deadline), or cancel the call
//      (SayHelloStream: after the first greeting).
import { create, fromBinary, fromJson, type JsonValue, toBinary } from "@bufbuild/protobuf";
import {
  type MetadataEntry,
  SayHelloAllRequestSchema,
  SayHelloAllResponseSchema,
  SayHelloChatRequestSchema,
  SayHelloChatResponseSchema,
  SayHelloStreamRequestSchema,
  SayHelloStreamResponseSchema,
} from "../../gen/hello/v1/hello_pb.js";

/** HelloService's streaming methods, one per RPC shape. */
export type StreamMethod = "SayHelloStream" | "SayHelloAll" | "SayHelloChat";

/** One streaming call, as every client makes it (see the script above). */
export interface StreamCall {
  readonly method: StreamMethod;
  /** One request message per name; SayHelloStream sends the first only. */
  readonly names: readonly string[];
  /** Asks the server to fail with this gRPC code: on the last request message. */
  readonly failCode?: number;
  /** SayHelloStream: how many greetings, how far apart, and the wait before the first. */
  readonly count?: number;
  readonly intervalMs?: number;
  readonly delayMs?: number;
  /** Text metadata, one `key: value` each. */
  readonly text: Readonly<Record<string, string>>;
  /** Binary metadata (`-bin` keys), sent as the bytes. */
  readonly binary: Readonly<Record<string, Uint8Array>>;
  /** The call's deadline in ms; default 10 s. */
  readonly timeoutMs?: number;
  /** What the client does after its requests (step 4 of the script). */
  readonly end: "close" | "hold" | "cancel";
}

/** One response message, whichever method sent it. */
export interface StreamReply {
  readonly message: string;
  /** SayHelloStream and SayHelloChat: the 1-based position. */
  readonly index: number;
  /** SayHelloAll: how many requests it greets. */
  readonly count: number;
  /** SayHelloAll, and the first message of the other two: what the server received. */
  readonly received: readonly Pick<MetadataEntry, "key" | "values">[];
}

/** When the client saw each part of the answer, in ms since it started the call. */
export interface StreamEvent {
  readonly kind: "headers" | "message" | "end";
  readonly atMs: number;
}

/** What a client saw of one streaming call. */
export interface StreamSeen {
  /** The status code; 0 (OK) on success. */
  readonly code: number;
  /** The status message as the client hands it to its user; "" on success. */
  readonly statusMessage: string;
  /** Response headers, keys lowercased; binary values as standard base64. */
  readonly headers: ReadonlyMap<string, readonly string[]>;
  /** Response trailers, as the protocol delivers them. */
  readonly trailers: ReadonlyMap<string, readonly string[]>;
  readonly replies: readonly StreamReply[];
  /** Headers, each message and the end, in the order the client saw them. */
  readonly events: readonly StreamEvent[];
  /**
   * The headers arrived while the client's request side was still open
   * (SayHelloAll, SayHelloChat; always false for SayHelloStream).
   */
  readonly headersBeforeClose: boolean;
}

/** Calls a streaming method on the server at `baseUrl` and reports what the client saw. */
export type StreamClient = (baseUrl: string, call: StreamCall) => Promise<StreamSeen>;

/** The request messages of `call`, encoded as protobuf. */
export function encodeRequests(call: StreamCall): Uint8Array[] {
  if (call.method === "SayHelloStream") {
    return [
      toBinary(
        SayHelloStreamRequestSchema,
        create(SayHelloStreamRequestSchema, {
          name: call.names[0] ?? "",
          count: call.count ?? 0,
          ...(call.intervalMs === undefined ? {} : { intervalMs: call.intervalMs }),
          failCode: call.failCode ?? 0,
          delayMs: call.delayMs ?? 0,
        }),
      ),
    ];
  }
  const schema =
    call.method === "SayHelloAll" ? SayHelloAllRequestSchema : SayHelloChatRequestSchema;
  return call.names.map((name, i) =>
    toBinary(
      schema,
      create(schema, {
        name,
        failCode: i === call.names.length - 1 ? (call.failCode ?? 0) : 0,
      }),
    ),
  );
}

/** The request messages of `call` as proto JSON, for clients that take JSON (buf curl). */
export function requestJson(call: StreamCall): string[] {
  if (call.method === "SayHelloStream") {
    const { count, intervalMs, failCode, delayMs } = call;
    return [JSON.stringify({ name: call.names[0] ?? "", count, intervalMs, failCode, delayMs })];
  }
  return call.names.map((name, i) =>
    JSON.stringify(
      i === call.names.length - 1 && call.failCode ? { name, failCode: call.failCode } : { name },
    ),
  );
}

/** Decodes one response message of `method` with protobuf-es, so a wrong encoding anywhere shows. */
export function decodeReply(method: StreamMethod, bytes: Uint8Array): StreamReply {
  switch (method) {
    case "SayHelloStream": {
      const r = fromBinary(SayHelloStreamResponseSchema, bytes);
      return { message: r.message, index: r.index, count: 0, received: r.received };
    }
    case "SayHelloAll": {
      const r = fromBinary(SayHelloAllResponseSchema, bytes);
      return { message: r.message, index: 0, count: r.count, received: r.received };
    }
    case "SayHelloChat": {
      const r = fromBinary(SayHelloChatResponseSchema, bytes);
      return { message: r.message, index: r.index, count: 0, received: r.received };
    }
  }
}

/** Reads one response message of `method` that a client printed as proto JSON. */
export function replyFromJson(method: StreamMethod, json: JsonValue): StreamReply {
  const schema =
    method === "SayHelloStream"
      ? SayHelloStreamResponseSchema
      : method === "SayHelloAll"
        ? SayHelloAllResponseSchema
        : SayHelloChatResponseSchema;
  return decodeReply(method, toBinary(schema, fromJson(schema, json)));
}

/** Timestamps the parts of a call from the moment it was created. */
export function createRecorder(): {
  readonly events: StreamEvent[];
  at(kind: StreamEvent["kind"]): void;
} {
  const started = performance.now();
  const events: StreamEvent[] = [];
  return {
    events,
    at(kind) {
      events.push({ kind, atMs: performance.now() - started });
    },
  };
}

/**
 * Values that callbacks push and a script pulls in order: `next` resolves
 * with the next value, or with undefined once `end` was called and every
 * pushed value was taken.
 */
export interface Inbox<T> {
  push(value: T): void;
  end(): void;
  next(): Promise<T | undefined>;
}

/** An empty {@link Inbox}. */
export function createInbox<T>(): Inbox<T> {
  const items: T[] = [];
  const waiters: ((value: T | undefined) => void)[] = [];
  let ended = false;
  return {
    push(value) {
      const waiter = waiters.shift();
      if (waiter) waiter(value);
      else items.push(value);
    },
    end() {
      ended = true;
      for (const waiter of waiters.splice(0)) waiter(undefined);
    },
    next() {
      if (items.length > 0) return Promise.resolve(items.shift());
      if (ended) return Promise.resolve(undefined);
      return new Promise((resolve) => waiters.push(resolve));
    },
  };
}
