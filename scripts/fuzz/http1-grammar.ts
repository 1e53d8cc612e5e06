// A grammar of raw HTTP/1.x requests, as fast-check arbitraries, and their
// serialization to the exact bytes a TCP client sends. Each request starts
// from a call on one of the server's routes (calls.ts) and is then varied
// where HTTP/1.1 parsers and the code after them disagree: the method
// token, every request-target form (origin, absolute, authority, asterisk)
// with odd bytes, the version (1.1, 1.0, 0.9's bare line, garbage), Host
// (missing, empty, duplicated, malformed, IPv6, with userinfo, a port that
// is not one), header names and values over all bytes, repeated headers,
// the body framing (content-length true or lying or repeated, chunked valid
// and broken, both at once), line endings, several requests pipelined on
// one connection, and requests cut short.
import fc from "fast-check";
import { type CallSpec, callOf, callSpec } from "./calls.js";
import { type Delivery, delivery, type Ending, ending } from "./connection.js";
import { backToNormal, byteString, latin1, oneAndSometimesMore, rarely } from "./grammar-kit.js";
import type { ServerSurface } from "./routes.js";

/** The request-target form (RFC 9112 §3.2). */
export type TargetForm =
  | { readonly form: "origin" }
  | { readonly form: "absolute"; readonly scheme: string; readonly authority: string }
  | { readonly form: "authority"; readonly authority: string }
  | { readonly form: "asterisk" }
  /** The path with bytes before and after it, or replaced by them. */
  | {
      readonly form: "mangled";
      readonly prefix: string;
      readonly suffix: string;
      readonly keepPath: boolean;
    };

/** What the Host header says, if anything. */
export type HostForm =
  | { readonly kind: "valid"; readonly value: string }
  | { readonly kind: "missing" }
  | { readonly kind: "duplicate"; readonly first: string; readonly second: string }
  | { readonly kind: "odd"; readonly value: string };

/** How the body is framed. */
export type Framing =
  /** `content-length`: the true length plus `delta`, or a raw value; optionally sent twice. */
  | {
      readonly kind: "content-length";
      readonly delta: number;
      readonly raw: string | undefined;
      readonly twice: string | undefined;
    }
  /** No framing header: the body bytes follow the headers anyway. */
  | { readonly kind: "none" }
  | {
      readonly kind: "chunked";
      /** The transfer-encoding value. */
      readonly te: string;
      /** A content-length sent as well (request smuggling's shape). */
      readonly alsoLength: string | undefined;
      /** How many chunks the body is cut into. */
      readonly pieces: number;
      /** How each chunk's size is written. */
      readonly size: "hex" | "upper" | "padded" | "lie" | "garbage" | "overflow";
      /** A chunk extension after each size. */
      readonly extension: string;
      /** How the body ends: the zero chunk, no end, trailer fields, or a broken line ending. */
      readonly end: "zero" | "missing" | "trailers" | "bad-crlf";
    };

/** One request on the connection. */
export interface Http1Request {
  readonly call: CallSpec;
  readonly target: TargetForm;
  /** The version token; undefined writes an HTTP/0.9 request line (no version). */
  readonly version: string | undefined;
  readonly host: HostForm;
  /** How header names are cased. */
  readonly nameCase: "lower" | "title" | "upper";
  /** Headers after the call's: any names and values, repeats of the ones that matter. */
  readonly extraHeaders: readonly (readonly [string, string])[];
  readonly framing: Framing;
  /** The line ending of every line: CRLF, or a bare LF (which lenient parsers take). */
  readonly eol: "\r\n" | "\n";
  /** What separates the request line's parts. */
  readonly space: " " | "  " | "\t";
}

/** One HTTP/1.x fuzz case: requests pipelined on one connection. */
export interface Http1Case {
  readonly protocol: "h1";
  readonly requests: readonly Http1Request[];
  readonly delivery: Delivery;
  readonly ending: Ending;
}

const oddAuthorities = [
  "",
  "[::1",
  "::1",
  "[::1]:x",
  "[::1]:8080",
  "[fe80::1%25eth0]",
  "[::ffff:127.0.0.1]:80",
  "a b",
  "user@localhost",
  "user:pw@localhost:8080",
  "localhost:99999",
  "localhost:-1",
  "localhost:",
  ":8080",
  "localhost:8080:8080",
  "%",
  "%zz",
  "h\u00e9",
  "http://localhost",
  "/",
  "#",
  "?",
  "localhost/x",
  "localhost\\x",
  "x".repeat(300),
  "..",
  "[",
  "]",
  "@",
];

const authority = fc.oneof(
  backToNormal,
  {
    arbitrary: fc.constantFrom("localhost", "127.0.0.1", "localhost:8080", "127.0.0.1:1"),
    weight: 3,
  },
  { arbitrary: fc.constantFrom(...oddAuthorities), weight: 3 },
  { arbitrary: byteString("local:[]@", { maxLength: 12 }), weight: 1 },
);

const targetForm: fc.Arbitrary<TargetForm> = fc.oneof(
  backToNormal,
  { arbitrary: fc.constant({ form: "origin" as const }), weight: 24 },
  {
    arbitrary: fc.record({
      form: fc.constant("absolute" as const),
      scheme: fc.constantFrom("http", "https", "HTTP", "ftp", "", "h2c", "javascript"),
      authority,
    }),
    weight: 2,
  },
  { arbitrary: fc.record({ form: fc.constant("authority" as const), authority }), weight: 1 },
  { arbitrary: fc.constant({ form: "asterisk" as const }), weight: 1 },
  {
    arbitrary: fc.record({
      form: fc.constant("mangled" as const),
      prefix: fc.oneof(backToNormal, fc.constant(""), byteString("/.%?#", { maxLength: 6 })),
      suffix: fc.oneof(backToNormal, fc.constant(""), byteString("/.%?#=&", { maxLength: 8 })),
      keepPath: fc.boolean(),
    }),
    weight: 2,
  },
);

const version = fc.oneof(
  backToNormal,
  { arbitrary: fc.constant("HTTP/1.1"), weight: 30 },
  { arbitrary: fc.constant("HTTP/1.0"), weight: 6 },
  { arbitrary: fc.constant(undefined), weight: 1 },
  {
    arbitrary: fc.constantFrom(
      "HTTP/0.9",
      "HTTP/2.0",
      "HTTP/1.2",
      "HTTP/9.9",
      "http/1.1",
      "HTTP/1",
      "HTTP/1.1 ",
      "HTTP/11",
      "HTTPS/1.1",
      "",
    ),
    weight: 2,
  },
  { arbitrary: byteString("HTP/1.", { maxLength: 10 }), weight: 1 },
);

const hostForm: fc.Arbitrary<HostForm> = fc.oneof(
  backToNormal,
  {
    arbitrary: fc.record({
      kind: fc.constant("valid" as const),
      value: fc.constantFrom("localhost", "127.0.0.1:8080"),
    }),
    weight: 30,
  },
  { arbitrary: fc.constant({ kind: "missing" as const }), weight: 3 },
  {
    arbitrary: fc.record({
      kind: fc.constant("duplicate" as const),
      first: authority,
      second: authority,
    }),
    weight: 1,
  },
  { arbitrary: fc.record({ kind: fc.constant("odd" as const), value: authority }), weight: 3 },
);

/** Header names that matter to the server, for repeats and conflicts. */
const weightyNames = [
  "content-type",
  "content-length",
  "transfer-encoding",
  "host",
  "te",
  "connection",
  "upgrade",
  "expect",
  "content-encoding",
  "grpc-timeout",
];

const extraHeader: fc.Arbitrary<[string, string]> = fc.oneof(
  backToNormal,
  {
    arbitrary: fc.tuple(
      fc.constantFrom(...weightyNames),
      fc.oneof(
        backToNormal,
        fc.constantFrom(
          "application/grpc",
          "application/json",
          "0",
          "5",
          "chunked",
          "close",
          "keep-alive",
          "upgrade",
          "h2c",
          "100-continue",
          "trailers",
          "1S",
        ),
        byteString("abc/+;=", { maxLength: 16 }),
      ),
    ),
    weight: 2,
  },
  {
    arbitrary: fc.tuple(
      byteString("abcxyz-_", { minLength: 0, maxLength: 12 }),
      byteString("abc 123\t", { maxLength: 24 }),
    ),
    weight: 3,
  },
  {
    arbitrary: fc.tuple(
      fc.constant("x-folded"),
      fc.constantFrom("a\r\n b", "a\r\n\tb", "a\n b", "\r\n"),
    ),
    weight: 1,
  },
  {
    arbitrary: fc.tuple(
      fc.constant("x-huge"),
      fc.constantFrom(70_000, 66_000).map((n) => "a".repeat(n)),
    ),
    weight: 1,
  },
  {
    arbitrary: fc.tuple(
      fc.constant("http2-settings"),
      fc.constantFrom("AAMAAABkAARAAAAAAAIAAAAA", "!!"),
    ),
    weight: 1,
  },
);

const extraHeaders = fc.oneof(
  backToNormal,
  { arbitrary: fc.constant([]), weight: 8 },
  { arbitrary: fc.array(extraHeader, { minLength: 1, maxLength: 4 }), weight: 4 },
  // Many small fields: the count, not the size, is what is tested.
  {
    arbitrary: fc
      .integer({ min: 100, max: 3000 })
      .map((n) => Array.from({ length: n }, (): [string, string] => ["x-a", "b"])),
    weight: 1,
  },
);

const framing: fc.Arbitrary<Framing> = fc.oneof(
  backToNormal,
  {
    arbitrary: fc.record({
      kind: fc.constant("content-length" as const),
      delta: fc.oneof(
        backToNormal,
        { arbitrary: fc.constant(0), weight: 16 },
        { arbitrary: fc.integer({ min: -8, max: 8 }), weight: 1 },
      ),
      raw: rarely(
        fc.constantFrom(
          "-1",
          "+5",
          " 5",
          "5 ",
          "0x10",
          "1e3",
          "99999999999999999999",
          "",
          "abc",
          "5, 5",
          "5,6",
        ),
        12,
      ),
      twice: rarely(fc.constantFrom("0", "5", "6", "99"), 12),
    }),
    weight: 20,
  },
  { arbitrary: fc.constant({ kind: "none" as const }), weight: 1 },
  {
    arbitrary: fc.record({
      kind: fc.constant("chunked" as const),
      te: fc.oneof(
        backToNormal,
        { arbitrary: fc.constant("chunked"), weight: 6 },
        {
          arbitrary: fc.constantFrom(
            "Chunked",
            "gzip, chunked",
            "chunked, gzip",
            " chunked",
            "xchunked",
            "chunked\u0000",
            "identity",
            "chunked, chunked",
          ),
          weight: 1,
        },
      ),
      alsoLength: rarely(fc.constantFrom("0", "3", "100"), 8),
      pieces: fc.integer({ min: 1, max: 4 }),
      size: fc.oneof(
        backToNormal,
        { arbitrary: fc.constant("hex" as const), weight: 8 },
        {
          arbitrary: fc.constantFrom(
            "upper" as const,
            "padded" as const,
            "lie" as const,
            "garbage" as const,
            "overflow" as const,
          ),
          weight: 2,
        },
      ),
      extension: fc.oneof(
        backToNormal,
        { arbitrary: fc.constant(""), weight: 8 },
        { arbitrary: fc.constantFrom(";a=b", ";", "; x", ";\u0000"), weight: 1 },
      ),
      end: fc.oneof(
        backToNormal,
        { arbitrary: fc.constant("zero" as const), weight: 8 },
        {
          arbitrary: fc.constantFrom("missing" as const, "trailers" as const, "bad-crlf" as const),
          weight: 1,
        },
      ),
    }),
    weight: 4,
  },
);

/** One request. */
export const http1Request: fc.Arbitrary<Http1Request> = fc.record({
  call: callSpec,
  target: targetForm,
  version,
  host: hostForm,
  nameCase: fc.constantFrom("lower", "lower", "title", "upper"),
  extraHeaders,
  framing,
  eol: fc.oneof(
    backToNormal,
    { arbitrary: fc.constant("\r\n" as const), weight: 24 },
    { arbitrary: fc.constant("\n" as const), weight: 1 },
  ),
  space: fc.oneof(
    backToNormal,
    { arbitrary: fc.constant(" " as const), weight: 24 },
    { arbitrary: fc.constantFrom("  " as const, "\t" as const), weight: 1 },
  ),
});

/** One HTTP/1.x case: mostly one request, sometimes two or three pipelined. */
export const http1Case: fc.Arbitrary<Http1Case> = fc.record({
  protocol: fc.constant("h1" as const),
  requests: oneAndSometimesMore(http1Request, 7, 2),
  delivery,
  ending,
});

function cased(name: string, c: Http1Request["nameCase"]): string {
  if (c === "upper") return name.toUpperCase();
  if (c === "title")
    return name.replace(/(^|-)([a-z])/g, (_m, d: string, ch: string) => d + ch.toUpperCase());
  return name;
}

function targetOf(t: TargetForm, path: string): string {
  switch (t.form) {
    case "origin":
      return path;
    case "absolute":
      return `${t.scheme}://${t.authority}${path}`;
    case "authority":
      return t.authority;
    case "asterisk":
      return "*";
    case "mangled":
      return t.prefix + (t.keepPath ? path : "") + t.suffix;
  }
}

function hostHeaders(h: HostForm): [string, string][] {
  switch (h.kind) {
    case "valid":
    case "odd":
      return [["host", h.value]];
    case "missing":
      return [];
    case "duplicate":
      return [
        ["host", h.first],
        ["host", h.second],
      ];
  }
}

/** The chunked body: `body` in `pieces` chunks, sizes written as the framing says, then its end. */
function chunked(body: Buffer, f: Extract<Framing, { kind: "chunked" }>, eol: string): Buffer {
  const parts: Buffer[] = [];
  const step = Math.max(1, Math.ceil(body.length / f.pieces));
  for (let i = 0; i < body.length; i += step) {
    const chunk = body.subarray(i, i + step);
    const n = chunk.length;
    const size = {
      hex: n.toString(16),
      upper: n.toString(16).toUpperCase(),
      padded: n.toString(16).padStart(6, "0"),
      lie: (n + 3).toString(16),
      garbage: `${n.toString(16)}g`,
      overflow: "f".repeat(20),
    }[f.size];
    parts.push(
      latin1(size + f.extension + eol),
      chunk,
      latin1(f.end === "bad-crlf" ? "\n\r" : eol),
    );
  }
  if (f.end === "zero" || f.end === "bad-crlf") parts.push(latin1(`0${eol}${eol}`));
  if (f.end === "trailers")
    parts.push(latin1(`0${eol}x-trailer: 1${eol}grpc-status: 0${eol}${eol}`));
  return Buffer.concat(parts);
}

/** The bytes of one request, exactly as they go on the wire. */
export function http1RequestBytes(r: Http1Request, surface: ServerSurface): Buffer {
  const call = callOf(r.call, surface);
  const body = call.body;
  const line =
    r.version === undefined
      ? `${call.method}${r.space}${targetOf(r.target, call.path)}`
      : `${call.method}${r.space}${targetOf(r.target, call.path)}${r.space}${r.version}`;
  const headers: [string, string][] = [
    ...hostHeaders(r.host),
    ...call.headers.map(([k, v]): [string, string] => [cased(k, r.nameCase), v]),
  ];
  headers.push(...r.extraHeaders.map(([k, v]): [string, string] => [k, v]));
  let payload: Buffer = body;
  const f = r.framing;
  if (f.kind === "content-length") {
    headers.push([
      cased("content-length", r.nameCase),
      f.raw ?? String(Math.max(0, body.length + f.delta)),
    ]);
    if (f.twice !== undefined) headers.push(["content-length", f.twice]);
  } else if (f.kind === "chunked") {
    headers.push([cased("transfer-encoding", r.nameCase), f.te]);
    if (f.alsoLength !== undefined) headers.push(["content-length", f.alsoLength]);
    payload = chunked(body, f, r.eol);
  }
  const head = [line, ...headers.map(([k, v]) => `${k}: ${v}`), "", ""].join(r.eol);
  return Buffer.concat([latin1(head), payload]);
}

/** The whole case's bytes: every request, back to back. */
export function http1CaseBytes(c: Http1Case, surface: ServerSurface): Buffer {
  return Buffer.concat(c.requests.map((r) => http1RequestBytes(r, surface)));
}

/** A one-line name for the case: its first request's route and how it is unusual. */
export function http1Label(c: Http1Case, surface: ServerSurface): string {
  const first = c.requests[0];
  if (!first) return "h1 (no request)";
  const call = callOf(first.call, surface);
  return `h1 ${call.label}`;
}
