// What a generated request asks of the server, before any protocol's
// framing: a method, a path on one of the server's routes (an RPC, a static
// file, or a path it does not have), a content type, protocol and metadata
// headers, and a body. The HTTP/1.1 and HTTP/2 grammars both start from a
// call and then break the request in their own ways.
import fc from "fast-check";
import { backToNormal, byteString } from "./grammar-kit.js";
import { type BodySpec, bodySpec, encodeBody, getQuery } from "./messages.js";
import {
  type ContentTypeFamily,
  contentTypes,
  type RpcRoute,
  type ServerSurface,
  unknownPaths,
} from "./routes.js";

/** Which path a call goes to: an index into the surface's RPCs or static files, or into {@link unknownPaths}. */
export interface RoutePick {
  readonly kind: "rpc" | "static" | "unknown";
  readonly index: number;
}

/** Everything that decides a call, each part generated independently so that each shrinks on its own. */
export interface CallSpec {
  readonly route: RoutePick;
  /** Index into the methods for the route's kind, or a method of any bytes. */
  readonly method: number | string;
  /** A content type family and an index into it, or none at all. */
  readonly contentType: { readonly family: ContentTypeFamily; readonly index: number } | undefined;
  readonly body: BodySpec;
  /** Protocol headers and metadata, lowercase names. */
  readonly headers: readonly (readonly [string, string])[];
  /** For a GET to an RPC: the Connect GET query, as JSON or as base64 proto; or a query of any bytes. */
  readonly query: "none" | "connect-json" | "connect-proto" | { readonly raw: string };
}

/** A call, ready for a grammar to put on the wire. */
export interface Call {
  readonly method: string;
  /** Origin-form path and query. */
  readonly path: string;
  readonly headers: readonly (readonly [string, string])[];
  readonly body: Buffer;
  /** `METHOD /path content-type`, naming the route a finding was found on. */
  readonly label: string;
}

const rpcMethods = ["POST", "POST", "POST", "POST", "POST", "POST", "GET", "GET"];
const pageMethods = ["GET", "GET", "GET", "HEAD"];
const otherMethods = [
  "PUT",
  "DELETE",
  "PATCH",
  "OPTIONS",
  "TRACE",
  "CONNECT",
  "PRI",
  "post",
  "Get",
  "FOO",
  "M-SEARCH",
  "QUERY",
];

/** Protocol headers and metadata with the values that matter to the server, valid and not. */
const knownHeader: fc.Arbitrary<[string, string]> = fc.oneof(
  backToNormal,
  fc.tuple(fc.constant("te"), fc.constantFrom("trailers", "gzip", "")),
  fc.tuple(fc.constant("connect-protocol-version"), fc.constantFrom("1", "2", "")),
  fc.tuple(
    fc.constant("grpc-timeout"),
    fc.constantFrom("1S", "0m", "100m", "5n", "99999999H", "abc", "1", "", "-1S"),
  ),
  fc.tuple(
    fc.constant("connect-timeout-ms"),
    fc.constantFrom("0", "100", "5000", "99999999999", "-1", "abc"),
  ),
  fc.tuple(
    fc.constant("grpc-accept-encoding"),
    fc.constantFrom("gzip", "br, gzip", "identity", "x"),
  ),
  fc.tuple(fc.constant("connect-accept-encoding"), fc.constantFrom("gzip", "br", "x")),
  fc.tuple(fc.constant("accept-encoding"), fc.constantFrom("gzip", "br", "*", "identity;q=0")),
  fc.tuple(fc.constant("grpc-encoding"), fc.constantFrom("gzip", "identity", "snappy")),
  fc.tuple(fc.constant("content-encoding"), fc.constantFrom("gzip", "br", "identity", "x")),
  fc.tuple(
    fc.constant("x-request-id"),
    fc.oneof(
      backToNormal,
      fc.constantFrom("fuzz", "", "x".repeat(200)),
      byteString("ab", { maxLength: 8 }),
    ),
  ),
  fc.tuple(
    fc.constant("x-trace-bin"),
    fc.oneof(backToNormal, fc.base64String({ maxLength: 12 }), byteString("A=", { maxLength: 8 })),
  ),
  fc.tuple(
    fc.constantFrom("x-user", "x-tenant", "authorization", "cookie", "user-agent"),
    byteString("abc -", { maxLength: 16 }),
  ),
  fc.tuple(
    fc.constant("traceparent"),
    fc.constantFrom("00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01", "zz", ""),
  ),
  fc.tuple(
    fc.constant("origin"),
    fc.constantFrom("http://localhost:5173", "http://evil.example", "null", ""),
  ),
  fc.tuple(fc.constant("x-grpc-web"), fc.constant("1")),
  fc.tuple(fc.constant("expect"), fc.constantFrom("100-continue", "x")),
  fc.tuple(fc.constant("access-control-request-method"), fc.constantFrom("POST", "GET")),
);

/** A call spec for any route of a surface. */
export const callSpec: fc.Arbitrary<CallSpec> = fc.record({
  route: fc.oneof(
    backToNormal,
    { arbitrary: fc.record({ kind: fc.constant("rpc" as const), index: fc.nat(63) }), weight: 7 },
    {
      arbitrary: fc.record({ kind: fc.constant("static" as const), index: fc.nat(63) }),
      weight: 2,
    },
    {
      arbitrary: fc.record({ kind: fc.constant("unknown" as const), index: fc.nat(63) }),
      weight: 1,
    },
  ),
  method: fc.oneof(
    backToNormal,
    { arbitrary: fc.nat(63), weight: 24 },
    { arbitrary: fc.constantFrom(...otherMethods), weight: 2 },
    { arbitrary: byteString("GETPOS", { minLength: 0, maxLength: 8 }), weight: 1 },
  ),
  contentType: fc.option(
    fc.record({
      family: fc.constantFrom<ContentTypeFamily>(
        "grpc",
        "grpc",
        "grpc",
        "grpcWeb",
        "grpcWeb",
        "grpcWebText",
        "connectUnary",
        "connectUnary",
        "connectStream",
        "connectStream",
        "odd",
      ),
      index: fc.nat(15),
    }),
    { freq: 12, nil: undefined },
  ),
  body: bodySpec,
  headers: fc.oneof(
    backToNormal,
    { arbitrary: fc.constant([]), weight: 2 },
    { arbitrary: fc.array(knownHeader, { minLength: 1, maxLength: 5 }), weight: 1 },
  ),
  query: fc.oneof(
    backToNormal,
    { arbitrary: fc.constant("none" as const), weight: 3 },
    { arbitrary: fc.constantFrom("connect-json" as const, "connect-proto" as const), weight: 3 },
    { arbitrary: fc.record({ raw: byteString("a=b&%?#/", { maxLength: 16 }) }), weight: 1 },
  ),
});

function at<T>(list: readonly T[], index: number): T | undefined {
  return list.length === 0 ? undefined : list[index % list.length];
}

/**
 * The call a spec describes on `surface`. The body is encoded for the
 * content type; a GET to an RPC carries the Connect GET query instead of
 * a body; `te: trailers` goes with every gRPC content type unless the
 * spec's headers say otherwise.
 */
export function callOf(spec: CallSpec, surface: ServerSurface): Call {
  const rpc: RpcRoute | undefined =
    spec.route.kind === "rpc" ? at(surface.rpcs, spec.route.index) : undefined;
  const path =
    rpc?.path ??
    (spec.route.kind === "static"
      ? at(surface.staticPaths, spec.route.index)
      : at(unknownPaths, spec.route.index)) ??
    "/";
  const method =
    typeof spec.method === "string"
      ? spec.method
      : (at(spec.route.kind === "rpc" ? rpcMethods : pageMethods, spec.method) ?? "GET");
  const contentType = spec.contentType
    ? at(contentTypes[spec.contentType.family], spec.contentType.index)
    : undefined;
  const headers: (readonly [string, string])[] = [];
  if (contentType !== undefined && method !== "GET") headers.push(["content-type", contentType]);
  if (contentType?.startsWith("application/grpc") && !spec.headers.some(([k]) => k === "te")) {
    headers.push(["te", "trailers"]);
  }
  let query = "";
  let body: Buffer = Buffer.alloc(0);
  if (method === "GET" || method === "HEAD") {
    if (spec.query === "connect-json" || spec.query === "connect-proto") {
      query = `?connect=v1&${getQuery(rpc, surface.rpcs, spec.body, spec.query === "connect-proto")}`;
    } else if (spec.query !== "none") query = `?${spec.query.raw}`;
  } else {
    const encoded = encodeBody(contentType ?? "", rpc, surface.rpcs, spec.body);
    body = encoded.bytes;
    headers.push(...encoded.headers);
  }
  headers.push(...spec.headers);
  return {
    method,
    path: path + query,
    headers,
    body,
    label: `${JSON.stringify(method)} ${path} ${contentType === undefined ? "(no content-type)" : JSON.stringify(contentType)}`,
  };
}
