import { type CallSpec, callProbe, compress, encode, envelope, pathOf } from "./call-probe.js";
import { EchoService } from "./gen/enginetest/v1/echo_pb.js";
import type { Case } from "./intentional-differences.js";
import { maxRequestBytes } from "./servers-under-test.js";
import type { Probe } from "./wire-client.js";

/**
 * The differential suite's named cases: requests that are malformed, or
 * well-formed but refused, that a generator would rarely hit, and the
 * well-formed calls each intentional difference is about, so every one is
 * seen on every run. Each is sent over HTTP/1.1 and over h2c unless its
 * name says otherwise.
 */

type Http = "1.1" | "2";

const oversizedBytes = maxRequestBytes + 1024;

const unary = pathOf("unary");
const serverStream = pathOf("serverStream");
const clientStream = pathOf("clientStream");
const hello = { text: "hello", data: new Uint8Array([0, 1, 2]) };
const unaryProto = encode("unary", "proto", hello);
const clientProto = encode("clientStream", "proto", hello);

const grpcHeaders = { "content-type": "application/grpc", te: "trailers" };
const grpcWebHeaders = { "content-type": "application/grpc-web+proto", "x-grpc-web": "1" };
const connectJson = { "content-type": "application/json" };
const connectProto = { "content-type": "application/proto" };
const connectStreamProto = { "content-type": "application/connect+proto" };

/** The enveloped protocols, with the headers each needs. */
const enveloped = [
  { label: "gRPC", headers: grpcHeaders, encoding: "grpc-encoding" },
  { label: "gRPC-Web", headers: grpcWebHeaders, encoding: "grpc-encoding" },
  { label: "Connect streaming", headers: connectStreamProto, encoding: "connect-content-encoding" },
] as const;

function post(
  http: Http,
  path: string,
  headers: Record<string, string>,
  body: Uint8Array | string,
): Probe {
  return {
    http,
    method: "POST",
    path,
    headers,
    body: typeof body === "string" ? Buffer.from(body, "utf8") : body,
  };
}

/** The case over HTTP/1.1 and over h2c. */
function bothVersions(name: string, make: (http: Http) => Probe | Omit<Case, "name">): Case[] {
  return (["1.1", "2"] as const).map((http) => {
    const made = make(http);
    const named = `${name} (HTTP/${http})`;
    return "probe" in made ? { name: named, ...made } : { name: named, probe: made };
  });
}

const envelopeCases: Case[] = enveloped.flatMap(({ label, headers, encoding }) => {
  // Connect streaming only serves streaming methods; gRPC and gRPC-Web serve unary too.
  const [path, payload] =
    label === "Connect streaming" ? [clientStream, clientProto] : [unary, unaryProto];
  return [
    ...bothVersions(`${label}: envelope length claims more than the body`, (http) =>
      post(http, path, headers, envelope(0, payload, payload.byteLength + 10)),
    ),
    ...bothVersions(`${label}: envelope length claims less than the body`, (http) =>
      post(http, path, headers, envelope(0, payload, payload.byteLength - 2)),
    ),
    ...bothVersions(`${label}: body shorter than an envelope header`, (http) =>
      post(http, path, headers, Buffer.from([0, 0, 0])),
    ),
    ...bothVersions(`${label}: compressed flag without an encoding`, (http) =>
      post(http, path, headers, envelope(1, payload)),
    ),
    ...bothVersions(`${label}: gzip encoding on a message that is not gzip`, (http) =>
      post(http, path, { ...headers, [encoding]: "gzip" }, envelope(1, payload)),
    ),
    ...bothVersions(`${label}: an encoding the server does not support`, (http) =>
      post(http, path, { ...headers, [encoding]: "snappy" }, envelope(1, payload)),
    ),
    ...bothVersions(`${label}: a truncated protobuf message`, (http) =>
      post(http, path, headers, envelope(0, payload.subarray(0, payload.byteLength - 3))),
    ),
    ...bothVersions(`${label}: an envelope over the size limit`, (http) =>
      post(http, path, headers, envelope(0, oversizedProto(path))),
    ),
    ...bothVersions(`${label}: an envelope header claiming 1 GiB`, (http) =>
      post(http, path, headers, envelope(0, payload, 1 << 30)),
    ),
  ];
});

const connectUnaryCases: Case[] = [
  ...bothVersions("Connect unary: gzip body without content-encoding", (http) =>
    post(http, unary, connectProto, compress("gzip", unaryProto)),
  ),
  ...bothVersions("Connect unary: content-encoding gzip on a body that is not gzip", (http) =>
    post(http, unary, { ...connectProto, "content-encoding": "gzip" }, unaryProto),
  ),
  ...bothVersions("Connect unary: a content-encoding the server does not support", (http) =>
    post(http, unary, { ...connectProto, "content-encoding": "snappy" }, unaryProto),
  ),
  ...bothVersions("Connect unary: a truncated protobuf body", (http) =>
    post(http, unary, connectProto, unaryProto.subarray(0, unaryProto.byteLength - 3)),
  ),
  ...bothVersions("Connect unary: invalid JSON", (http) =>
    post(http, unary, connectJson, '{"echo": {"text": "x"'),
  ),
  ...bothVersions("Connect unary: JSON with an unknown field", (http) =>
    post(http, unary, connectJson, '{"echo": {"text": "x"}, "unknownField": 1}'),
  ),
  ...bothVersions("Connect unary: JSON of the wrong type", (http) =>
    post(http, unary, connectJson, '{"echo": 5}'),
  ),
  ...bothVersions("Connect unary: JSON that is not UTF-8", (http) =>
    post(http, unary, connectJson, Buffer.from('{"echo": {"text": "caf\xe9"}}', "latin1")),
  ),
  ...bothVersions("Connect unary: an empty body", (http) => post(http, unary, connectJson, "")),
  ...bothVersions("Connect unary: a body over the size limit", (http) =>
    post(http, unary, connectProto, oversizedProto(unary)),
  ),
  ...bothVersions("Connect unary: a gzip body that inflates past the size limit", (http) =>
    post(
      http,
      unary,
      { ...connectProto, "content-encoding": "gzip" },
      compress("gzip", oversizedProto(unary)),
    ),
  ),
  ...bothVersions("Connect unary: a charset parameter on the content type", (http) =>
    post(http, unary, { "content-type": "application/json; charset=utf-8" }, '{"echo": {}}'),
  ),
  ...bothVersions("Connect unary: a streaming content type on a unary method", (http) =>
    post(http, unary, connectStreamProto, envelope(0, unaryProto)),
  ),
];

const grpcMessageCountCases: Case[] = [
  ...bothVersions("gRPC unary: no request message", (http) => post(http, unary, grpcHeaders, "")),
  ...bothVersions("gRPC unary: two request messages", (http) =>
    post(
      http,
      unary,
      grpcHeaders,
      Buffer.concat([envelope(0, unaryProto), envelope(0, unaryProto)]),
    ),
  ),
  ...bothVersions("gRPC server streaming: no request message", (http) =>
    post(http, serverStream, grpcHeaders, ""),
  ),
  ...bothVersions("gRPC+json: invalid JSON in the envelope", (http) =>
    post(
      http,
      unary,
      { ...grpcHeaders, "content-type": "application/grpc+json" },
      envelope(0, Buffer.from("{nope")),
    ),
  ),
  ...bothVersions("Connect streaming: the client sends an end-stream frame", (http) =>
    post(http, clientStream, connectStreamProto, envelope(2, Buffer.from("{}"))),
  ),
];

const timeoutCases: Case[] = [
  ...["abc", "123456789S", "5", "-1S", "1.5S"].flatMap((value) =>
    bothVersions(`gRPC: grpc-timeout ${JSON.stringify(value)} does not parse`, (http) =>
      post(http, unary, { ...grpcHeaders, "grpc-timeout": value }, envelope(0, unaryProto)),
    ),
  ),
  ...["abc", "12345678901", "-1", "1.5"].flatMap((value) =>
    bothVersions(`Connect: connect-timeout-ms ${JSON.stringify(value)} does not parse`, (http) =>
      post(http, unary, { ...connectProto, "connect-timeout-ms": value }, unaryProto),
    ),
  ),
];

const contentTypeCases: Case[] = [
  ...bothVersions("POST without a content type", (http) => post(http, unary, {}, unaryProto)),
  ...bothVersions("POST with text/plain", (http) =>
    post(http, unary, { "content-type": "text/plain" }, "hello"),
  ),
  ...bothVersions("POST with application/xml on a streaming method", (http) =>
    post(http, serverStream, { "content-type": "application/xml" }, "<x/>"),
  ),
  ...bothVersions("POST with an unknown parameter on application/grpc", (http) =>
    post(
      http,
      unary,
      { ...grpcHeaders, "content-type": "application/grpc; foo=bar" },
      envelope(0, unaryProto),
    ),
  ),
];

const routingCases: Case[] = [
  ...bothVersions("unknown method, Connect JSON", (http) =>
    post(http, `/${EchoService.typeName}/Nope`, connectJson, "{}"),
  ),
  ...bothVersions("unknown method, Connect proto", (http) =>
    post(http, `/${EchoService.typeName}/Nope`, connectProto, ""),
  ),
  ...bothVersions("unknown service, gRPC", (http) =>
    post(
      http,
      `/${EchoService.typeName.replace("EchoService", "NoService")}/Unary`,
      grpcHeaders,
      envelope(0, unaryProto),
    ),
  ),
  ...bothVersions("unknown method, gRPC-Web", (http) =>
    post(http, `/${EchoService.typeName}/Nope`, grpcWebHeaders, envelope(0, unaryProto)),
  ),
  ...bothVersions("unknown path, GET without a content type", (http) => ({
    http,
    method: "GET",
    path: "/nope",
    headers: {},
    body: new Uint8Array(0),
  })),
];

function get(http: Http, path: string, query: string): Probe {
  return { http, method: "GET", path: `${path}?${query}`, headers: {}, body: new Uint8Array(0) };
}

const b64 = (bytes: Uint8Array) => Buffer.from(bytes).toString("base64url");

const connectGetCases: Case[] = [
  ...bothVersions("Connect GET on a method with side effects (server streaming)", (http) =>
    get(http, serverStream, `encoding=json&message=${encodeURIComponent("{}")}`),
  ),
  ...bothVersions("Connect GET without a message parameter", (http) =>
    get(http, unary, "connect=v1&encoding=json"),
  ),
  ...bothVersions("Connect GET with a message that is not base64", (http) =>
    get(http, unary, "connect=v1&encoding=proto&base64=1&message=%2A%2A%2A"),
  ),
  ...bothVersions("Connect GET with an unsupported encoding", (http) =>
    get(http, unary, `connect=v1&encoding=xml&message=${encodeURIComponent("<x/>")}`),
  ),
  ...bothVersions("Connect GET without an encoding", (http) =>
    get(http, unary, `connect=v1&message=${encodeURIComponent("{}")}`),
  ),
  ...bothVersions("Connect GET with a truncated protobuf message", (http) =>
    get(http, unary, `encoding=proto&base64=1&message=${b64(unaryProto.subarray(0, 4))}`),
  ),
  ...bothVersions("Connect GET with invalid JSON", (http) =>
    get(http, unary, `encoding=json&message=${encodeURIComponent("{nope")}`),
  ),
  ...bothVersions("Connect GET with a compression the server does not support", (http) =>
    get(http, unary, `encoding=proto&base64=1&compression=snappy&message=${b64(unaryProto)}`),
  ),
  ...bothVersions("Connect GET with compression=gzip on a message that is not gzip", (http) =>
    get(http, unary, `encoding=proto&base64=1&compression=gzip&message=${b64(unaryProto)}`),
  ),
];

const httpMethodCases: Case[] = [
  ...["PUT", "DELETE", "PATCH"].flatMap((method) =>
    bothVersions(`${method} on a unary method`, (http) => ({
      ...post(http, unary, connectJson, "{}"),
      method,
    })),
  ),
  ...bothVersions("GET with a gRPC content type", (http) => ({
    http,
    method: "GET",
    path: unary,
    headers: grpcHeaders,
    body: new Uint8Array(0),
  })),
];

/** A well-formed call, as the generator makes them. */
function call(http: Http, spec: Partial<CallSpec>): Omit<Case, "name"> {
  const full: CallSpec = {
    http,
    protocol: "grpc",
    codec: "proto",
    shape: "unary",
    get: false,
    messages: [hello],
    metadata: [["x-echo-one", "1"]],
    timeout: "none",
    compress: undefined,
    accept: [],
    ...spec,
  };
  return { probe: callProbe(full), spec: full };
}

const http1Cases: Case[] = [
  {
    name: "HTTP/1.1 request Node cannot parse (NUL in a header value)",
    probe: {
      http: "1.1",
      method: "POST",
      path: unary,
      headers: connectJson,
      body: Buffer.from("{}"),
      raw: `POST ${unary} HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nX-Bad: a\0b\r\nContent-Length: 2\r\nConnection: close\r\n\r\n{}`,
    },
  },
  {
    name: "HTTP/1.1 bidi streaming over gRPC (no full duplex on HTTP/1.1)",
    probe: call("1.1", { shape: "bidiStream" }).probe,
  },
];

const failing = { ...hello, errorCode: 5, errorMessage: "not found" };

const wellFormedCases: Case[] = [
  ...(["connect", "grpc", "grpc-web"] as const).flatMap((protocol) =>
    bothVersions(`${protocol} unary with a deadline that is already over`, (http) =>
      call(http, { protocol, timeout: "expired" }),
    ),
  ),
  ...(["unary", "serverStream", "clientStream", "bidiStream"] as const).flatMap((shape) =>
    bothVersions(`gRPC-Web text ${shape}`, (http) =>
      call(http, { protocol: "grpc-web-text", shape }),
    ),
  ),
  ...bothVersions("gRPC-Web text: a body that is not base64", (http) =>
    post(http, unary, { ...grpcWebHeaders, "content-type": "application/grpc-web-text" }, "*!*!"),
  ),
  ...bothVersions("gRPC-Web text: a body too large to decode within the limit", (http) =>
    post(
      http,
      unary,
      { ...grpcWebHeaders, "content-type": "application/grpc-web-text" },
      envelope(0, oversizedProto(unary)).toString("base64"),
    ),
  ),
  ...(["grpc", "grpc-web", "connect"] as const).flatMap((protocol) => [
    ...bothVersions(`${protocol} unary accepting gzip and br, an answer over 1 KiB`, (http) =>
      call(http, { protocol, accept: ["gzip", "br"], messages: [{ text: "x".repeat(2_000) }] }),
    ),
    ...bothVersions(`${protocol} unary accepting br, a small answer`, (http) =>
      call(http, { protocol, accept: ["br"] }),
    ),
  ]),
  ...bothVersions("gRPC-Web unary error with metadata (trailer frame field order)", (http) =>
    call(http, { protocol: "grpc-web", messages: [failing] }),
  ),
  ...bothVersions("gRPC unary error with metadata", (http) => call(http, { messages: [failing] })),
  ...bothVersions("Connect unary error with metadata", (http) =>
    call(http, { protocol: "connect", codec: "json", messages: [failing] }),
  ),
  ...bothVersions("gRPC server stream ending in an error", (http) =>
    call(http, { shape: "serverStream", messages: [{ ...failing, repeat: 3 }] }),
  ),
];

/** A request message of `path`'s method larger than the servers' size limit. */
function oversizedProto(path: string): Uint8Array {
  const shape = path === clientStream ? "clientStream" : "unary";
  return encode(shape, "proto", { data: new Uint8Array(oversizedBytes) });
}

/** Every named case. */
export const namedCases: readonly Case[] = [
  ...envelopeCases,
  ...connectUnaryCases,
  ...grpcMessageCountCases,
  ...timeoutCases,
  ...contentTypeCases,
  ...routingCases,
  ...connectGetCases,
  ...httpMethodCases,
  ...http1Cases,
  ...wellFormedCases,
];
