// Request bodies for every RPC and protocol: a message of the route's input
// type (or of another route's, on purpose), encoded as the content type
// asks — Connect unary JSON or binary, Connect streaming, gRPC and gRPC-Web
// envelopes, gRPC-Web text's base64 — and then, in a fraction of cases,
// broken: truncated, bit-flipped, the wrong codec, invalid JSON, lying
// envelope lengths and flags, compressed with or without saying so, gzip
// bombs, bodies over the size limit.
import { gzipSync } from "node:zlib";
import { type DescMessage, fromJson, type JsonObject, toBinary } from "@bufbuild/protobuf";
import { wireFormatOf } from "@hello-metadata/metadata/internal";
import fc from "fast-check";
import { anyByte, backToNormal, byteString } from "./grammar-kit.js";
import type { RpcRoute } from "./routes.js";

/** One request message of each input type the server has, in proto JSON. */
export interface MessageSet {
  readonly sayHello: JsonObject;
  readonly sayHelloStream: JsonObject;
  readonly health: JsonObject;
  readonly reflection: JsonObject;
}

const typical = (values: number[], rare: number[]) =>
  fc.oneof(
    backToNormal,
    { arbitrary: fc.constant(0), weight: 8 },
    { arbitrary: fc.constantFrom(...values), weight: 3 },
    { arbitrary: fc.constantFrom(...rare), weight: 1 },
  );

const name = fc.oneof(
  backToNormal,
  { arbitrary: fc.constantFrom("fuzz", "world"), weight: 6 },
  { arbitrary: fc.constant(""), weight: 1 },
  { arbitrary: fc.string({ unit: "grapheme", maxLength: 20 }), weight: 2 },
  { arbitrary: byteString("abc", { maxLength: 20 }), weight: 1 },
);

/** Field values within the server's limits (server/limits.ts) mostly, and just past them sometimes. */
export const messageSet: fc.Arbitrary<MessageSet> = fc.record({
  sayHello: fc.record({
    name,
    hops: typical([1, 2], [8, 9]),
    failCode: typical([1, 3, 4, 13, 16], [17, 0xffffffff]),
    delayMs: typical([1, 5, 30], [60_000, 60_001]),
  }),
  sayHelloStream: fc.record({
    name,
    count: typical([1, 2, 3], [100, 101]),
    intervalMs: typical([1, 5], [10_000, 10_001]),
    failCode: typical([1, 4, 16], [17]),
  }),
  health: fc.record({
    service: fc.oneof(
      backToNormal,
      fc.constantFrom("", "hello.v1.HelloService", "nope"),
      byteString("abc.", { maxLength: 12 }),
    ),
  }),
  reflection: fc.oneof(
    backToNormal,
    fc.record({ listServices: fc.constant("") }),
    fc.record({ fileContainingSymbol: fc.constantFrom("hello.v1.HelloService", "nope", "") }),
    fc.record({ fileByFilename: fc.constantFrom("hello/v1/hello.proto", "nope.proto", "") }),
    fc.record({ allExtensionNumbersOfType: fc.constantFrom("hello.v1.SayHelloRequest", "x") }),
    fc.record({
      fileContainingExtension: fc.record({
        containingType: fc.constantFrom("hello.v1.SayHelloRequest", "x"),
        extensionNumber: fc.integer({ min: 0, max: 1000 }),
      }),
    }),
    fc.constant({}),
  ),
});

/** The message of `set` for a route's input type (empty for a type this file does not know). */
function messageFor(input: DescMessage, set: MessageSet): JsonObject {
  switch (input.typeName) {
    case "hello.v1.SayHelloRequest":
      return set.sayHello;
    case "hello.v1.SayHelloStreamRequest":
      return set.sayHelloStream;
    case "grpc.health.v1.HealthCheckRequest":
      return set.health;
    case "grpc.reflection.v1.ServerReflectionRequest":
    case "grpc.reflection.v1alpha.ServerReflectionRequest":
      return set.reflection;
    default:
      return {};
  }
}

/** How a body departs from a well-formed one. */
export type BodyFlaw =
  | { readonly kind: "none" }
  | { readonly kind: "empty" }
  | { readonly kind: "random"; readonly bytes: string }
  | { readonly kind: "truncate"; readonly keepPercent: number }
  | { readonly kind: "flip"; readonly atPercent: number; readonly byte: string }
  | { readonly kind: "wrong-codec" }
  | { readonly kind: "wrong-message"; readonly route: number }
  | { readonly kind: "bad-json"; readonly text: string }
  | { readonly kind: "oversized" };

/** How the envelopes of an enveloped body depart from well-formed ones. */
export interface EnvelopeFlaw {
  /** The flag byte of the first envelope: 0 is a plain message. */
  readonly flag: number;
  /** Added to the first envelope's declared length (0: the true length). */
  readonly lengthDelta: number;
  /** Messages after the first (a unary call takes exactly one). */
  readonly extraMessages: number;
  /** Connect streaming's end-of-stream envelope: sent, left out, sent twice, or not JSON. */
  readonly endStream: "normal" | "missing" | "twice" | "garbage";
  /** Bytes after the last envelope. */
  readonly trailing: string;
}

/** Compression of the message (or, for Connect unary, the body). */
export type Compression =
  | { readonly kind: "none" }
  /** gzip, with the header that says so (or a wrong or missing one). */
  | { readonly kind: "gzip"; readonly header: "right" | "missing" | "br" | "identity" }
  /** A compressed flag or encoding header over bytes that are not gzip. */
  | { readonly kind: "garbage"; readonly bytes: string }
  /** A few KiB of gzip that inflate to 16 MiB. */
  | { readonly kind: "bomb" };

/** Everything that decides a request body, independently generated so that each part shrinks. */
export interface BodySpec {
  readonly messages: MessageSet;
  readonly flaw: BodyFlaw;
  readonly envelope: EnvelopeFlaw;
  readonly compression: Compression;
  /** gRPC-Web text: characters spliced into the base64 (none: valid base64). */
  readonly base64Noise: string;
}

const badJson = fc.oneof(
  backToNormal,
  fc.constantFrom(
    "",
    "{",
    "}",
    "[]",
    "null",
    "1",
    '"x"',
    '{"name":5}',
    '{"name":"a","hops":"x"}',
    '{"name":"a","hops":-1}',
    '{"name":"a","hops":1.5}',
    '{"name":"a","failCode":99999999999999999999}',
    '{"name":"a","unknownField":1}',
    '{"name":"a",}',
    '{"name":"\\ud800"}',
    '{"name":"a","name":"b"}',
    '{"__proto__":{"x":1},"name":"a"}',
    '{"constructor":{"prototype":{"x":1}}}',
    "\ufeff{}",
  ),
  fc.integer({ min: 1, max: 20_000 }).map((depth) => `${"[".repeat(depth)}${"]".repeat(depth)}`),
  fc
    .integer({ min: 1, max: 20_000 })
    .map((depth) => `{"name":${'{"a":'.repeat(depth)}1${"}".repeat(depth)}}`),
  byteString('{}[]":,name0123456789 ', { maxLength: 40 }),
);

/** Body flaws: none in about half of the cases, each other kind in a few percent. */
export const bodyFlaw: fc.Arbitrary<BodyFlaw> = fc.oneof(
  backToNormal,
  { arbitrary: fc.constant({ kind: "none" as const }), weight: 40 },
  { arbitrary: fc.constant({ kind: "empty" as const }), weight: 2 },
  {
    arbitrary: fc.record({
      kind: fc.constant("random" as const),
      bytes: fc.string({ unit: anyByte, maxLength: 64 }),
    }),
    weight: 2,
  },
  {
    arbitrary: fc.record({
      kind: fc.constant("truncate" as const),
      keepPercent: fc.integer({ min: 0, max: 99 }),
    }),
    weight: 2,
  },
  {
    arbitrary: fc.record({
      kind: fc.constant("flip" as const),
      atPercent: fc.integer({ min: 0, max: 99 }),
      byte: anyByte,
    }),
    weight: 2,
  },
  { arbitrary: fc.constant({ kind: "wrong-codec" as const }), weight: 1 },
  {
    arbitrary: fc.record({ kind: fc.constant("wrong-message" as const), route: fc.nat(16) }),
    weight: 1,
  },
  { arbitrary: fc.record({ kind: fc.constant("bad-json" as const), text: badJson }), weight: 4 },
  // Each costs a megabyte on the wire: rare.
  { arbitrary: fc.constant({ kind: "oversized" as const }), weight: 1 },
);

const fine: EnvelopeFlaw = {
  flag: 0,
  lengthDelta: 0,
  extraMessages: 0,
  endStream: "normal",
  trailing: "",
};

/** Envelope flaws: none in most cases. */
export const envelopeFlaw: fc.Arbitrary<EnvelopeFlaw> = fc.oneof(
  backToNormal,
  { arbitrary: fc.constant(fine), weight: 6 },
  {
    arbitrary: fc.record({
      flag: fc.oneof(backToNormal, fc.constant(0), fc.constantFrom(1, 2, 0x80, 0x81, 0x7f, 0xff)),
      lengthDelta: fc.oneof(
        backToNormal,
        fc.constant(0),
        fc.integer({ min: -6, max: 6 }),
        fc.constantFrom(1 << 20, 0x7fffffff, 0xffffffff),
      ),
      extraMessages: fc.oneof(backToNormal, fc.constant(0), fc.integer({ min: 1, max: 3 })),
      endStream: fc.constantFrom("normal", "missing", "twice", "garbage"),
      trailing: fc.oneof(backToNormal, fc.constant(""), fc.string({ unit: anyByte, maxLength: 6 })),
    }),
    weight: 2,
  },
);

/** Compression: none in most cases. */
export const compression: fc.Arbitrary<Compression> = fc.oneof(
  backToNormal,
  { arbitrary: fc.constant({ kind: "none" as const }), weight: 10 },
  {
    arbitrary: fc.record({
      kind: fc.constant("gzip" as const),
      header: fc.constantFrom("right", "missing", "br", "identity"),
    }),
    weight: 2,
  },
  {
    arbitrary: fc.record({
      kind: fc.constant("garbage" as const),
      bytes: fc.string({ unit: anyByte, maxLength: 16 }),
    }),
    weight: 1,
  },
  { arbitrary: fc.constant({ kind: "bomb" as const }), weight: 1 },
);

/** A whole body spec. */
export const bodySpec: fc.Arbitrary<BodySpec> = fc.record({
  messages: messageSet,
  flaw: bodyFlaw,
  envelope: envelopeFlaw,
  compression,
  base64Noise: fc.oneof(
    backToNormal,
    { arbitrary: fc.constant(""), weight: 8 },
    {
      arbitrary: fc.string({
        unit: fc.constantFrom("=", "*", " ", "\n", "-", "_", "A"),
        maxLength: 4,
      }),
      weight: 1,
    },
  ),
});

/** A request body and the headers it needs (an encoding header, when compressed). */
export interface Body {
  readonly bytes: Buffer;
  readonly headers: readonly (readonly [string, string])[];
}

let bombCache: Buffer | undefined;
/** 16 MiB of zeros, gzipped (about 16 KiB); made once. */
function gzipBomb(): Buffer {
  bombCache ??= gzipSync(Buffer.alloc(16 * 1024 * 1024));
  return bombCache;
}

/** A message in one codec; an input that fromJson refuses is sent as its JSON text anyway. */
function encodeMessage(input: DescMessage, json: JsonObject, codec: "json" | "proto"): Buffer {
  if (codec === "json") return Buffer.from(JSON.stringify(json));
  try {
    return Buffer.from(toBinary(input, fromJson(input, json)));
  } catch {
    return Buffer.from(JSON.stringify(json));
  }
}

/** The message bytes before any framing, with the flaw applied. */
function messageBytes(
  route: RpcRoute | undefined,
  routes: readonly RpcRoute[],
  codec: "json" | "proto",
  spec: BodySpec,
): Buffer {
  const flaw = spec.flaw;
  const target =
    flaw.kind === "wrong-message" ? (routes[flaw.route % routes.length] ?? route) : route;
  const input = target?.input;
  const valid = input
    ? encodeMessage(
        input,
        messageFor(input, spec.messages),
        flaw.kind === "wrong-codec" ? flip(codec) : codec,
      )
    : Buffer.from(JSON.stringify(spec.messages.sayHello));
  switch (flaw.kind) {
    case "none":
    case "wrong-codec":
    case "wrong-message":
      return valid;
    case "empty":
      return Buffer.alloc(0);
    case "random":
      return Buffer.from(flaw.bytes, "latin1");
    case "truncate":
      return valid.subarray(0, Math.floor((valid.length * flaw.keepPercent) / 100));
    case "flip": {
      const out = Buffer.from(valid);
      if (out.length > 0)
        out[Math.floor((out.length * flaw.atPercent) / 100)] = flaw.byte.charCodeAt(0);
      return out;
    }
    case "bad-json":
      return Buffer.from(flaw.text, codec === "json" ? "utf8" : "latin1");
    case "oversized":
      return codec === "json"
        ? Buffer.from(JSON.stringify({ name: "x".repeat(1024 * 1024 + 16) }))
        : Buffer.concat([
            Buffer.from([0x0a, 0x90, 0x80, 0x40]),
            Buffer.alloc(1024 * 1024 + 16, 0x78),
          ]);
  }
}

function flip(codec: "json" | "proto"): "json" | "proto" {
  return codec === "json" ? "proto" : "json";
}

/** Compresses (or pretends to compress) a message; returns the bytes and whether they are flagged compressed. */
function compress(message: Buffer, c: Compression): { bytes: Buffer; compressed: boolean } {
  switch (c.kind) {
    case "none":
      return { bytes: message, compressed: false };
    case "gzip":
      return { bytes: gzipSync(message), compressed: true };
    case "garbage":
      return { bytes: Buffer.from(c.bytes, "latin1"), compressed: true };
    case "bomb":
      return { bytes: gzipBomb(), compressed: true };
  }
}

/** The encoding header a compression sends under `name`, if any. */
function encodingHeaders(name: string, c: Compression): [string, string][] {
  if (c.kind === "none") return [];
  if (c.kind === "gzip" && c.header !== "right") {
    return c.header === "missing" ? [] : [[name, c.header]];
  }
  return [[name, "gzip"]];
}

function envelope(flag: number, payload: Buffer, lengthDelta = 0): Buffer {
  const head = Buffer.alloc(5);
  head[0] = flag & 0xff;
  head.writeUInt32BE((payload.length + lengthDelta) >>> 0, 1);
  return Buffer.concat([head, payload]);
}

/**
 * The body for `contentType` on `route` (undefined: a path with no RPC):
 * the encoding the content type names, with `spec`'s flaws. A content type
 * no protocol uses gets the message as JSON, flaws and all.
 */
export function encodeBody(
  contentType: string,
  route: RpcRoute | undefined,
  routes: readonly RpcRoute[],
  spec: BodySpec,
): Body {
  const format = wireFormatOf(contentType);
  const codec = format?.codec ?? "json";
  const message = messageBytes(route, routes, codec, spec);
  if (!format) return { bytes: message, headers: [] };
  if (format.protocol === "connect" && !format.stream) {
    const { bytes, compressed } = compress(message, spec.compression);
    return {
      bytes,
      headers: compressed ? encodingHeaders("content-encoding", spec.compression) : [],
    };
  }
  const e = spec.envelope;
  const { bytes, compressed } = compress(message, spec.compression);
  const flag = e.flag | (compressed ? 1 : 0);
  const parts = [envelope(flag, bytes, e.lengthDelta)];
  for (let i = 0; i < e.extraMessages; i++) parts.push(envelope(compressed ? 1 : 0, bytes));
  let headerName = format.protocol === "connect" ? "connect-content-encoding" : "grpc-encoding";
  if (format.protocol === "connect") {
    const end = e.endStream === "garbage" ? Buffer.from("{not json") : Buffer.from("{}");
    if (e.endStream !== "missing") parts.push(envelope(2, end));
    if (e.endStream === "twice") parts.push(envelope(2, end));
  }
  parts.push(Buffer.from(e.trailing, "latin1"));
  let body = Buffer.concat(parts);
  if (format.text) {
    const text = body.toString("base64");
    const at = Math.floor(text.length / 2);
    body = Buffer.from(text.slice(0, at) + spec.base64Noise + text.slice(at), "latin1");
    headerName = "grpc-encoding";
  }
  return { bytes: body, headers: compressed ? encodingHeaders(headerName, spec.compression) : [] };
}

/**
 * The `message` query parameter (and friends) of a Connect GET for `route`:
 * JSON, or base64 proto with `base64=1`, with the same message flaws as a
 * body; the caller adds `connect=v1` and odd parameters.
 */
export function getQuery(
  route: RpcRoute | undefined,
  routes: readonly RpcRoute[],
  spec: BodySpec,
  proto: boolean,
): string {
  const message = messageBytes(route, routes, proto ? "proto" : "json", spec);
  return proto
    ? `encoding=proto&base64=1&message=${encodeURIComponent(message.toString("base64url"))}`
    : `encoding=json&message=${encodeURIComponent(message.toString("latin1"))}`;
}
