// Every path the server answers, as a fuzzer must know them: each RPC (from
// the generated descriptors, never typed out), the static files of the
// built page, and paths the server does not have. Requests are generated
// against this list so that every route, not only the first one, is hit.
import { readdirSync } from "node:fs";
import { join } from "node:path";
import type { DescMessage, DescService } from "@bufbuild/protobuf";
import { healthV1, reflectionV1, reflectionV1alpha } from "@hello-metadata/grpc-services";
import { HelloService } from "../../gen/hello/v1/hello_pb.js";

/** One RPC the server serves. */
export interface RpcRoute {
  /** `/package.Service/Method`. */
  readonly path: string;
  readonly kind: "unary" | "server_streaming" | "client_streaming" | "bidi_streaming";
  /** The request message type. */
  readonly input: DescMessage;
}

/** The services the server registers (server/routes.ts). */
const services: readonly DescService[] = [
  HelloService,
  healthV1.Health,
  reflectionV1.ServerReflection,
  reflectionV1alpha.ServerReflection,
];

/** Every RPC of every service the server registers, in declaration order. */
export const rpcRoutes: readonly RpcRoute[] = services.flatMap((s) =>
  s.methods.map((m) => ({ path: `/${s.typeName}/${m.name}`, kind: m.methodKind, input: m.input })),
);

/** What the generators know about the server they fuzz. */
export interface ServerSurface {
  readonly rpcs: readonly RpcRoute[];
  /** Paths of the page's files (`/`, `/index.html`, `/assets/…`). */
  readonly staticPaths: readonly string[];
}

/**
 * The server's surface: its RPCs and the files of the page in `webRoot`
 * (the built `dist/web`), listed once when the fuzzer starts. A missing
 * `webRoot` leaves only `/` and `/index.html`, which the server still routes.
 */
export function serverSurface(webRoot: string): ServerSurface {
  const files: string[] = [];
  const walk = (dir: string, prefix: string) => {
    let entries: import("node:fs").Dirent[];
    try {
      entries = readdirSync(dir, { withFileTypes: true });
    } catch {
      return;
    }
    for (const e of entries) {
      if (e.isDirectory()) walk(join(dir, e.name), `${prefix}${e.name}/`);
      else files.push(`${prefix}${e.name}`);
    }
  };
  walk(webRoot, "/");
  return { rpcs: rpcRoutes, staticPaths: [...new Set(["/", "/index.html", ...files])].sort() };
}

/**
 * Paths the server has no route for, and near misses of the ones it has:
 * a wrong service or method, a trailing slash, case changes, traversal,
 * encoded and odd bytes.
 */
export const unknownPaths: readonly string[] = [
  "/hello.v1.HelloService/Nope",
  "/hello.v1.HelloService/",
  "/hello.v1.HelloService/SayHello/",
  "/hello.v1.helloservice/sayhello",
  "/hello.v1.NoService/SayHello",
  "//hello.v1.HelloService/SayHello",
  "/grpc.health.v1.Health/",
  "/assets/",
  "/assets/missing.js",
  "/assets/../index.html",
  "/assets/%2e%2e/%2e%2e/etc/passwd",
  "/%2e%2e/%2e%2e/",
  "/..%2f..%2fetc%2fpasswd",
  "/%00",
  "/%",
  "/%zz",
  "/%ff%fe",
  "/\u00e9",
  "/favicon.ico",
  "/nope",
  "/index.html/",
];

/**
 * Every content type a request may carry: each protocol and codec the
 * server accepts (with and without parameters, in odd case), and ones no
 * protocol uses.
 */
export const contentTypes = {
  connectUnary: ["application/json", "application/proto", "application/json; charset=utf-8"],
  connectStream: ["application/connect+json", "application/connect+proto"],
  grpc: ["application/grpc", "application/grpc+proto", "application/grpc+json"],
  grpcWeb: ["application/grpc-web", "application/grpc-web+proto", "application/grpc-web+json"],
  grpcWebText: ["application/grpc-web-text", "application/grpc-web-text+proto"],
  odd: [
    "APPLICATION/GRPC",
    "application/grpc; charset=utf-8",
    "application/grpc+xml",
    "application/grpc-web-text+json",
    "application/connect+xml",
    "application/json; charset=latin1",
    "application/",
    "text/plain",
    "multipart/form-data; boundary=x",
    "",
    ";",
    "application/grpc\u0000",
  ],
} as const;

/** The protocol a content type selects, or "none". */
export type ContentTypeFamily = keyof typeof contentTypes;
