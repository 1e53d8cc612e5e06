// A grammar of HTTP/2 connections at the frame level, as fast-check
// arbitraries (http2-compile.ts turns a case into the exact frames a client
// writes). Each stream starts from a
// call on one of the server's routes (calls.ts) and is then varied where an
// HTTP/2 stack and the code above it can go wrong: pseudo-header sets
// (missing, repeated, unknown, response-only, out of order) and values (a
// bad :authority, every :path form, odd :method), host next to or instead
// of :authority, field names and values over all bytes, connection-specific
// fields, raw invalid HPACK, header blocks split over CONTINUATION, padding
// and priority, DATA with and without END_STREAM, trailers, resets right
// after HEADERS, window updates, settings (INITIAL_WINDOW_SIZE 0 and
// values out of range), PING, PRIORITY, GOAWAY, unknown frame types,
// frames that lie about their length, bounded floods, and a preface cut
// short.
import fc from "fast-check";
import { type CallSpec, callSpec } from "./calls.js";
import { type Delivery, delivery, type Ending, ending } from "./connection.js";
import { anyByte, backToNormal, byteString, oneAndSometimesMore, rarely } from "./grammar-kit.js";
import type { LiteralKind } from "./hpack.js";
import { frameType, preface, setting } from "./http2-frames.js";

/** A value chosen from the call, left out, repeated, or replaced. */
export type Choice<Named extends string> = Named | "missing" | "twice" | { readonly value: string };

/** The pseudo-header section of a request and the host field. */
export interface PseudoSpec {
  readonly method: Choice<"call">;
  readonly scheme: Choice<"http" | "https">;
  /** `call` is the call's path; the rest are :path forms servers must refuse or route. */
  readonly path: Choice<"call" | "empty" | "asterisk" | "no-slash" | "absolute">;
  readonly authority: Choice<"valid">;
  /** A host field: none, the same as :authority, or another value. */
  readonly host: "none" | "same" | { readonly value: string };
  /** Pseudo-headers a request must not have (`:status`, `:protocol`, unknown ones). */
  readonly extra: readonly (readonly [string, string])[];
  /** Pseudo-headers before the regular fields (valid), after them, or mixed in. */
  readonly order: "pseudo-first" | "regular-first" | "interleaved";
}

/** How a stream's header block is encoded. */
export type BlockSpec =
  | { readonly kind: "hpack"; readonly literal: LiteralKind }
  /** A dynamic table size update first (too large ones are errors). */
  | { readonly kind: "table-size"; readonly size: number }
  /** Bytes that are not valid HPACK instead of the block. */
  | { readonly kind: "raw"; readonly bytes: string }
  /** The valid block followed by bytes. */
  | { readonly kind: "suffix"; readonly bytes: string };

/** What a stream does after its request. */
export type AfterSpec =
  | { readonly kind: "none" }
  /** RST_STREAM right after HEADERS (before any DATA) or after the last DATA. */
  | { readonly kind: "rst"; readonly code: number; readonly beforeData: boolean }
  | { readonly kind: "window"; readonly increment: number };

/** One stream's script. */
export interface StreamScript {
  readonly call: CallSpec;
  readonly pseudo: PseudoSpec;
  readonly nameCase: "lower" | "upper";
  readonly extraFields: readonly (readonly [string, string])[];
  readonly block: BlockSpec;
  /** CONTINUATION frames the block is split over (0: one HEADERS frame). */
  readonly continuations: number;
  readonly headersPad: number | undefined;
  readonly priority:
    | { readonly dependency: "self" | 0 | 1; readonly weight: number; readonly exclusive: boolean }
    | undefined;
  /** DATA frames the body is split over; END_STREAM on the last, never, or on an extra empty frame. */
  readonly data: {
    readonly pieces: number;
    readonly end: "last" | "never" | "empty-frame";
    readonly padLength: number | undefined;
  };
  /** A trailing HEADERS (with END_STREAM) after the body, as gRPC clients never send. */
  readonly trailers: boolean;
  readonly after: AfterSpec;
  /** The stream id: the next odd one (valid), or even, zero, reused, lower than the last, the largest. */
  readonly id: "next" | "even" | "zero" | "reuse" | "lower" | "max";
}

/** A frame outside any stream's script. */
export type ExtraFrame =
  | { readonly kind: "ping"; readonly ack: boolean; readonly data: string }
  | {
      readonly kind: "settings";
      readonly entries: readonly (readonly [number, number])[];
      readonly ack: boolean;
    }
  | { readonly kind: "window"; readonly onStream: boolean; readonly increment: number }
  | {
      readonly kind: "priority";
      readonly stream: number;
      readonly dependency: number;
      readonly weight: number;
    }
  | { readonly kind: "goaway"; readonly last: number; readonly code: number }
  | { readonly kind: "rst"; readonly stream: number; readonly code: number }
  | { readonly kind: "continuation"; readonly stream: number; readonly bytes: string }
  | { readonly kind: "data"; readonly stream: number; readonly bytes: string }
  | { readonly kind: "push-promise"; readonly stream: number }
  | {
      readonly kind: "unknown";
      readonly type: number;
      readonly flags: number;
      readonly stream: number;
      readonly bytes: string;
    }
  /** A frame whose declared length is not its payload's. */
  | { readonly kind: "lying-length"; readonly type: number; readonly declared: number }
  /** The same small frame `count` times (bounded): PINGs, SETTINGS, empty DATA, HEADERS+RST pairs, CONTINUATIONs. */
  | {
      readonly kind: "flood";
      readonly frame: "ping" | "settings" | "empty-data" | "rapid-reset" | "continuation";
      readonly count: number;
    };

/** One HTTP/2 fuzz case: a connection. */
export interface Http2Case {
  readonly protocol: "h2";
  /** The whole preface, or only its first `cut` bytes. */
  readonly preface: "full" | { readonly cut: number };
  /** The client's first SETTINGS (none at all is a protocol error). */
  readonly settings: readonly (readonly [number, number])[] | "none";
  /** Acknowledge the server's SETTINGS (sent blind, before it arrives). */
  readonly settingsAck: boolean;
  readonly streams: readonly StreamScript[];
  /** Extra frames, each placed at a fraction (per mille) of the stream frames. */
  readonly extras: readonly { readonly at: number; readonly frame: ExtraFrame }[];
  readonly delivery: Delivery;
  readonly ending: Ending;
}

const oddAuthorities = [
  "",
  "[::1",
  "[::1]:x",
  "[::1]:8080",
  "user@localhost",
  "user:pw@localhost:1",
  "localhost:99999",
  "localhost:",
  ":80",
  "a b",
  "%zz",
  "localhost/x",
  "h\u00e9",
  "x".repeat(300),
  "[",
  "@",
];

const oddValue = (typical: string, listed: readonly string[]) =>
  fc.oneof(backToNormal, fc.constantFrom(...listed), byteString(typical, { maxLength: 10 }));

function pick<N extends string>(
  named: fc.Arbitrary<N>,
  odd: fc.Arbitrary<string>,
): fc.Arbitrary<Choice<N>> {
  return fc.oneof(
    backToNormal,
    { arbitrary: named, weight: 30 },
    { arbitrary: fc.constantFrom<Choice<N>>("missing", "twice"), weight: 1 },
    { arbitrary: odd.map((value) => ({ value })), weight: 1 },
  );
}

const pseudoSpec: fc.Arbitrary<PseudoSpec> = fc.record({
  method: pick(
    fc.constant("call" as const),
    oddValue("GETPOST", ["get", "", "CONNECT", "GET POST", "P\u00d6ST"]),
  ),
  scheme: pick(
    fc.constantFrom("http" as const, "https" as const),
    oddValue("htps", ["", "ftp", "HTTP", "h\u0000"]),
  ),
  path: fc.oneof(
    backToNormal,
    { arbitrary: fc.constant("call" as const), weight: 36 },
    {
      arbitrary: fc.constantFrom(
        "empty" as const,
        "asterisk" as const,
        "no-slash" as const,
        "absolute" as const,
        "missing" as const,
        "twice" as const,
      ),
      weight: 2,
    },
    {
      arbitrary: oddValue("/.%?#", ["/%", "/%zz", "//x", "/\u0000", "/a b", "/\u00e9"]).map(
        (value) => ({ value }),
      ),
      weight: 1,
    },
  ),
  authority: pick(fc.constant("valid" as const), oddValue("local:[]@", oddAuthorities)),
  host: fc.oneof(
    backToNormal,
    { arbitrary: fc.constant("none" as const), weight: 16 },
    { arbitrary: fc.constant("same" as const), weight: 2 },
    { arbitrary: oddValue("local:[]@", oddAuthorities).map((value) => ({ value })), weight: 2 },
  ),
  extra: fc.oneof(
    backToNormal,
    { arbitrary: fc.constant([]), weight: 24 },
    {
      arbitrary: fc.array(
        fc.tuple(
          fc.constantFrom(":status", ":protocol", ":foo", ":", ":Path", ":authority"),
          fc.constantFrom("200", "websocket", "x", ""),
        ),
        { minLength: 1, maxLength: 2 },
      ),
      weight: 1,
    },
  ),
  order: fc.oneof(
    backToNormal,
    { arbitrary: fc.constant("pseudo-first" as const), weight: 32 },
    { arbitrary: fc.constantFrom("regular-first" as const, "interleaved" as const), weight: 1 },
  ),
});

const extraField: fc.Arbitrary<[string, string]> = fc.oneof(
  backToNormal,
  {
    arbitrary: fc.tuple(
      byteString("abcxyz-", { minLength: 0, maxLength: 10 }),
      byteString("abc 123", { maxLength: 20 }),
    ),
    weight: 3,
  },
  {
    arbitrary: fc.tuple(
      fc.constantFrom(
        "connection",
        "keep-alive",
        "proxy-connection",
        "transfer-encoding",
        "upgrade",
        "te",
        "content-length",
        "content-type",
        "host",
      ),
      fc.constantFrom(
        "close",
        "chunked",
        "h2c",
        "gzip",
        "trailers",
        "0",
        "5",
        "-1",
        "application/grpc",
        "x",
      ),
    ),
    weight: 2,
  },
  {
    arbitrary: fc.tuple(
      fc.constant("x-value"),
      fc.constantFrom("a\r\nb", "a\nb", "a\u0000b", " a", "a ", "\u00ff"),
    ),
    weight: 1,
  },
  {
    arbitrary: fc.tuple(
      fc.constant("x-huge"),
      fc.constantFrom(70_000, 17_000).map((n) => "a".repeat(n)),
    ),
    weight: 1,
  },
);

const rstCode = fc.oneof(
  backToNormal,
  fc.constantFrom(0x0, 0x1, 0x2, 0x8, 0xb),
  fc.constant(0xffffffff),
  fc.nat(0xff),
);

const blockSpec: fc.Arbitrary<BlockSpec> = fc.oneof(
  backToNormal,
  {
    arbitrary: fc.record({
      kind: fc.constant("hpack" as const),
      literal: fc.constantFrom<LiteralKind>(
        "without-indexing",
        "without-indexing",
        "incremental",
        "never-indexed",
      ),
    }),
    weight: 30,
  },
  {
    arbitrary: fc.record({
      kind: fc.constant("table-size" as const),
      size: fc.constantFrom(0, 4096, 4097, 1 << 20, 0x7fffffff),
    }),
    weight: 1,
  },
  {
    arbitrary: fc.record({
      kind: fc.constant("raw" as const),
      bytes: fc.oneof(
        backToNormal,
        fc.constantFrom(
          "\x80",
          "\xff\xff\xff\xff\x0f",
          "\x00\x85abcde\x01a",
          "\x00\x7f\xff\xff\xff\x7f",
          "\x3f\xe1\xff\x03",
          "\x00\x05a",
          "\x40\x01:\x00",
          "\xbf\xff\xff",
        ),
        fc.string({ unit: anyByte, minLength: 1, maxLength: 24 }),
      ),
    }),
    weight: 1,
  },
  {
    arbitrary: fc.record({
      kind: fc.constant("suffix" as const),
      bytes: fc.string({ unit: anyByte, minLength: 1, maxLength: 6 }),
    }),
    weight: 1,
  },
);

const windowIncrement = fc.constantFrom(0, 1, 100, 65_535, 0x7fffffff, 0x80000000, 0xffffffff);

/** One stream. */
export const streamScript: fc.Arbitrary<StreamScript> = fc.record({
  call: callSpec,
  pseudo: pseudoSpec,
  nameCase: fc.oneof(
    backToNormal,
    { arbitrary: fc.constant("lower" as const), weight: 32 },
    { arbitrary: fc.constant("upper" as const), weight: 1 },
  ),
  extraFields: fc.oneof(
    backToNormal,
    { arbitrary: fc.constant([]), weight: 8 },
    { arbitrary: fc.array(extraField, { minLength: 1, maxLength: 3 }), weight: 1 },
  ),
  block: blockSpec,
  continuations: fc.oneof(
    backToNormal,
    { arbitrary: fc.constant(0), weight: 8 },
    { arbitrary: fc.integer({ min: 1, max: 3 }), weight: 1 },
  ),
  headersPad: rarely(fc.constantFrom(0, 1, 10, 255), 16),
  priority: rarely(
    fc.record({
      dependency: fc.constantFrom("self" as const, 0 as const, 1 as const),
      weight: fc.nat(255),
      exclusive: fc.boolean(),
    }),
    16,
  ),
  data: fc.record({
    pieces: fc.oneof(
      backToNormal,
      { arbitrary: fc.constant(1), weight: 6 },
      { arbitrary: fc.integer({ min: 2, max: 4 }), weight: 1 },
    ),
    end: fc.oneof(
      backToNormal,
      { arbitrary: fc.constant("last" as const), weight: 12 },
      { arbitrary: fc.constantFrom("never" as const, "empty-frame" as const), weight: 1 },
    ),
    padLength: rarely(fc.constantFrom(0, 3, 255), 12),
  }),
  trailers: fc.oneof(
    backToNormal,
    { arbitrary: fc.constant(false), weight: 16 },
    { arbitrary: fc.constant(true), weight: 1 },
  ),
  after: fc.oneof(
    backToNormal,
    { arbitrary: fc.constant({ kind: "none" as const }), weight: 16 },
    {
      arbitrary: fc.record({
        kind: fc.constant("rst" as const),
        code: rstCode,
        beforeData: fc.boolean(),
      }),
      weight: 2,
    },
    {
      arbitrary: fc.record({ kind: fc.constant("window" as const), increment: windowIncrement }),
      weight: 1,
    },
  ),
  id: fc.oneof(
    backToNormal,
    { arbitrary: fc.constant("next" as const), weight: 48 },
    {
      arbitrary: fc.constantFrom(
        "even" as const,
        "zero" as const,
        "reuse" as const,
        "lower" as const,
        "max" as const,
      ),
      weight: 1,
    },
  ),
});

/** SETTINGS entries: each identifier with its edge values, and identifiers that do not exist. */
const settingEntry: fc.Arbitrary<[number, number]> = fc.oneof(
  backToNormal,
  fc.tuple(fc.constant(setting.headerTableSize), fc.constantFrom(0, 1, 4096, 65_536, 0xffffffff)),
  fc.tuple(fc.constant(setting.enablePush), fc.constantFrom(0, 1, 2)),
  fc.tuple(fc.constant(setting.maxConcurrentStreams), fc.constantFrom(0, 1, 100, 0xffffffff)),
  fc.tuple(
    fc.constant(setting.initialWindowSize),
    fc.constantFrom(0, 0, 1, 65_535, 0x7fffffff, 0x80000000, 0xffffffff),
  ),
  fc.tuple(fc.constant(setting.maxFrameSize), fc.constantFrom(16_383, 16_384, 0xffffff, 0x1000000)),
  fc.tuple(fc.constant(setting.maxHeaderListSize), fc.constantFrom(0, 1, 100, 0xffffffff)),
  fc.tuple(fc.constant(setting.enableConnectProtocol), fc.constantFrom(0, 1, 2)),
  fc.tuple(fc.constantFrom(0, 7, 9, 0xff, 0xffff), fc.nat()),
);

const extraFrame: fc.Arbitrary<ExtraFrame> = fc.oneof(
  backToNormal,
  {
    arbitrary: fc.record({
      kind: fc.constant("ping" as const),
      ack: fc.boolean(),
      data: fc.oneof(
        backToNormal,
        fc.constant("12345678"),
        fc.string({ unit: anyByte, maxLength: 12 }),
      ),
    }),
    weight: 2,
  },
  {
    arbitrary: fc.record({
      kind: fc.constant("settings" as const),
      entries: fc.array(settingEntry, { maxLength: 3 }),
      ack: fc.boolean(),
    }),
    weight: 2,
  },
  {
    arbitrary: fc.record({
      kind: fc.constant("window" as const),
      onStream: fc.boolean(),
      increment: windowIncrement,
    }),
    weight: 2,
  },
  {
    arbitrary: fc.record({
      kind: fc.constant("priority" as const),
      stream: fc.constantFrom(0, 1, 3, 2),
      dependency: fc.constantFrom(0, 1, 3),
      weight: fc.nat(255),
    }),
    weight: 1,
  },
  {
    arbitrary: fc.record({
      kind: fc.constant("goaway" as const),
      last: fc.constantFrom(0, 1, 0x7fffffff),
      code: rstCode,
    }),
    weight: 1,
  },
  {
    arbitrary: fc.record({
      kind: fc.constant("rst" as const),
      stream: fc.constantFrom(0, 1, 2, 3, 99),
      code: rstCode,
    }),
    weight: 1,
  },
  {
    arbitrary: fc.record({
      kind: fc.constant("continuation" as const),
      stream: fc.constantFrom(0, 1, 3),
      bytes: fc.string({ unit: anyByte, maxLength: 8 }),
    }),
    weight: 1,
  },
  {
    arbitrary: fc.record({
      kind: fc.constant("data" as const),
      stream: fc.constantFrom(0, 1, 2, 99),
      bytes: fc.string({ unit: anyByte, maxLength: 8 }),
    }),
    weight: 1,
  },
  {
    arbitrary: fc.record({
      kind: fc.constant("push-promise" as const),
      stream: fc.constantFrom(0, 1, 2),
    }),
    weight: 1,
  },
  {
    arbitrary: fc.record({
      kind: fc.constant("unknown" as const),
      type: fc.integer({ min: 0x0a, max: 0xff }),
      flags: fc.nat(0xff),
      stream: fc.constantFrom(0, 1, 2),
      bytes: fc.string({ unit: anyByte, maxLength: 8 }),
    }),
    weight: 1,
  },
  {
    arbitrary: fc.record({
      kind: fc.constant("lying-length" as const),
      type: fc.constantFrom(
        frameType.data,
        frameType.headers,
        frameType.settings,
        frameType.ping,
        frameType.windowUpdate,
        frameType.rstStream,
      ),
      declared: fc.constantFrom(0, 1, 3, 16_385, 0xffffff),
    }),
    weight: 1,
  },
  {
    arbitrary: fc.record({
      kind: fc.constant("flood" as const),
      frame: fc.constantFrom(
        "ping" as const,
        "settings" as const,
        "empty-data" as const,
        "rapid-reset" as const,
        "continuation" as const,
      ),
      count: fc.integer({ min: 2, max: 64 }),
    }),
    weight: 1,
  },
);

/** One HTTP/2 case. */
export const http2Case: fc.Arbitrary<Http2Case> = fc.record({
  protocol: fc.constant("h2" as const),
  preface: fc.oneof(
    backToNormal,
    { arbitrary: fc.constant("full" as const), weight: 40 },
    { arbitrary: fc.record({ cut: fc.integer({ min: 1, max: preface.length - 1 }) }), weight: 1 },
  ),
  settings: fc.oneof(
    backToNormal,
    { arbitrary: fc.constant([]), weight: 16 },
    { arbitrary: fc.array(settingEntry, { minLength: 1, maxLength: 4 }), weight: 6 },
    { arbitrary: fc.constant("none" as const), weight: 1 },
  ),
  settingsAck: fc.oneof(
    backToNormal,
    { arbitrary: fc.constant(false), weight: 15 },
    { arbitrary: fc.constant(true), weight: 1 },
  ),
  streams: fc.oneof(
    backToNormal,
    { arbitrary: oneAndSometimesMore(streamScript, 7, 2), weight: 30 },
    // Only the connection's own frames, no request at all.
    { arbitrary: fc.constant([]), weight: 1 },
  ),
  extras: fc.oneof(
    backToNormal,
    { arbitrary: fc.constant([]), weight: 4 },
    {
      arbitrary: fc.array(fc.record({ at: fc.nat(1000), frame: extraFrame }), {
        minLength: 1,
        maxLength: 3,
      }),
      weight: 1,
    },
  ),
  delivery,
  ending,
});
