// The benchmark's rows — one protocol, encoding and HTTP version each — and
// what a request and a correct SayHello answer look like on the wire for
// each of them. The load generator (h2load) sends these bytes; the sample
// checker (check.ts) judges answers with `judgeAnswer`.
import { create, fromBinary, toBinary } from "@bufbuild/protobuf";
import type { WireFormatName } from "@hello-metadata/metadata";
import { requestContentType } from "@hello-metadata/metadata/internal";
import { SayHelloRequestSchema, SayHelloResponseSchema } from "../../gen/hello/v1/hello_pb.js";
import { requestBody as loadRequestBody } from "../../scripts/kit/h2-calls.js";

/** How the request and answer are framed: the library's wire format names. */
export type Encoding = WireFormatName;

/** The HTTP version a row runs on: cleartext HTTP/2 (prior knowledge) or HTTP/1.1. */
export type Http = "h2c" | "http1";

/** One row of the table: a protocol on one HTTP version. */
export interface Row {
  readonly id: string;
  readonly label: string;
  readonly encoding: Encoding;
  readonly http: Http;
}

export const rows: readonly Row[] = [
  { id: "grpc-h2c", label: "gRPC (h2c)", encoding: "grpc", http: "h2c" },
  { id: "connect-json-h2c", label: "Connect JSON (h2c)", encoding: "connect-json", http: "h2c" },
  {
    id: "connect-json-http1",
    label: "Connect JSON (HTTP/1.1)",
    encoding: "connect-json",
    http: "http1",
  },
  {
    id: "connect-proto-h2c",
    label: "Connect binary (h2c)",
    encoding: "connect-proto",
    http: "h2c",
  },
  {
    id: "connect-proto-http1",
    label: "Connect binary (HTTP/1.1)",
    encoding: "connect-proto",
    http: "http1",
  },
  { id: "grpc-web-h2c", label: "gRPC-Web binary (h2c)", encoding: "grpc-web", http: "h2c" },
  {
    id: "grpc-web-http1",
    label: "gRPC-Web binary (HTTP/1.1)",
    encoding: "grpc-web",
    http: "http1",
  },
];

/**
 * The rows a run measures unless told otherwise: both rows of the targets
 * (gRPC and Connect JSON on h2c), Connect JSON on HTTP/1.1 (what browsers
 * without HTTP/2 to the server send), Connect binary and gRPC-Web on h2c.
 * The two other HTTP/1.1 rows are for `--rows`; leaving them out keeps the
 * run of both Node versions under 15 minutes.
 */
export const defaultRowIds: readonly string[] = [
  "grpc-h2c",
  "connect-json-h2c",
  "connect-json-http1",
  "connect-proto-h2c",
  "grpc-web-h2c",
];

/** The name every benchmark call sends; the answer must be `Hello, bench`. */
export const benchName = "bench";

/** The request body of one unary SayHello call, exactly as it goes on the wire. */
export function requestBody(encoding: Encoding, name = benchName): Buffer {
  switch (encoding) {
    case "grpc":
    case "grpc-web":
      // A 5-byte envelope (flag 0, big-endian length) and the protobuf message.
      return loadRequestBody("grpc", { name });
    case "connect-json":
      return loadRequestBody("connect", { name });
    case "connect-proto":
      return Buffer.from(toBinary(SayHelloRequestSchema, create(SayHelloRequestSchema, { name })));
  }
}

/** The request headers a protocol needs (h2load gets them with -H). */
export function requestHeaders(encoding: Encoding): Record<string, string> {
  switch (encoding) {
    case "grpc":
      return { "content-type": requestContentType(encoding), te: "trailers" };
    case "grpc-web":
      return { "content-type": requestContentType(encoding), "x-grpc-web": "1" };
    case "connect-json":
    case "connect-proto":
      return { "content-type": requestContentType(encoding), "connect-protocol-version": "1" };
  }
}

/** What a checking client saw of one answer. */
export interface Answer {
  readonly status: number;
  /** Response headers, lowercased names. */
  readonly headers: Record<string, string | string[] | undefined>;
  /** HTTP trailers (HTTP/2 only; gRPC sends its status there). */
  readonly trailers: Record<string, string | string[] | undefined>;
  readonly body: Buffer;
}

const isoTime = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?Z$/;
const decimalMs = /^\d+(\.\d+)?$/;

/**
 * Judges one answer: "ok", or why it is not a correct SayHello answer with
 * the benchmark's metadata — status, content type, the greeting, the
 * `response-time` header, and the `processing-ms` trailer in the form the
 * protocol gives it (an HTTP trailer for gRPC, a `trailer-` prefixed header
 * for Connect unary, the trailer frame at the end of a gRPC-Web body), and
 * for gRPC and gRPC-Web `grpc-status: 0`.
 */
export function judgeAnswer(encoding: Encoding, a: Answer, name = benchName): string {
  if (a.status !== 200) return `HTTP ${a.status}`;
  const contentType = one(a.headers["content-type"]);
  const wantType = {
    grpc: "application/grpc",
    "grpc-web": "application/grpc-web",
    "connect-json": "application/json",
    "connect-proto": "application/proto",
  }[encoding];
  if (!contentType.startsWith(wantType)) return `content-type ${contentType || "missing"}`;
  if (!isoTime.test(one(a.headers["response-time"]))) return "no response-time header";
  let message: string;
  let trailer: Record<string, string | string[] | undefined>;
  try {
    switch (encoding) {
      case "grpc": {
        trailer = a.trailers;
        // A trailers-only answer carries grpc-status in the headers.
        const status = one(a.trailers["grpc-status"]) || one(a.headers["grpc-status"]);
        if (status !== "0") return `grpc-status ${status || "missing"}`;
        message = fromBinary(SayHelloResponseSchema, unenvelope(a.body).message).message;
        break;
      }
      case "grpc-web": {
        const { message: bytes, trailerFrame } = unenvelope(a.body);
        if (trailerFrame === undefined) return "no gRPC-Web trailer frame";
        trailer = parseTrailerFrame(trailerFrame);
        const status = one(trailer["grpc-status"]);
        if (status !== "0") return `grpc-status ${status || "missing"}`;
        message = fromBinary(SayHelloResponseSchema, bytes).message;
        break;
      }
      case "connect-json":
        trailer = { "processing-ms": a.headers["trailer-processing-ms"] };
        message = String((JSON.parse(a.body.toString("utf8")) as { message?: unknown }).message);
        break;
      case "connect-proto":
        trailer = { "processing-ms": a.headers["trailer-processing-ms"] };
        message = fromBinary(SayHelloResponseSchema, a.body).message;
        break;
    }
  } catch (e) {
    return `body does not decode (${(e as Error).message})`;
  }
  if (message !== `Hello, ${name}`) return `wrong message ${JSON.stringify(message)}`;
  if (!decimalMs.test(one(trailer["processing-ms"]))) return "no processing-ms trailer";
  return "ok";
}

function one(v: string | string[] | undefined): string {
  return Array.isArray(v) ? (v[0] ?? "") : (v ?? "");
}

/** Splits a gRPC or gRPC-Web body into its one message and, for gRPC-Web, the trailer frame. */
function unenvelope(body: Buffer): { message: Buffer; trailerFrame?: Buffer } {
  let message: Buffer | undefined;
  let trailerFrame: Buffer | undefined;
  let at = 0;
  while (at < body.length) {
    if (body.length - at < 5) throw new Error("truncated envelope");
    const flags = body[at] ?? 0;
    const length = body.readUInt32BE(at + 1);
    const data = body.subarray(at + 5, at + 5 + length);
    if (data.length !== length) throw new Error("truncated message");
    if (flags & 0x80) trailerFrame = data;
    else if (flags !== 0) throw new Error(`unexpected envelope flags ${flags}`);
    else if (message === undefined) message = data;
    else throw new Error("more than one message");
    at += 5 + length;
  }
  if (message === undefined) throw new Error("no message");
  return trailerFrame === undefined ? { message } : { message, trailerFrame };
}

/** A gRPC-Web trailer frame's `key: value\r\n` lines as lowercased keys. */
function parseTrailerFrame(frame: Buffer): Record<string, string> {
  const out: Record<string, string> = {};
  for (const line of frame.toString("latin1").split("\r\n")) {
    const i = line.indexOf(":");
    if (i > 0) out[line.slice(0, i).trim().toLowerCase()] = line.slice(i + 1).trim();
  }
  return out;
}
