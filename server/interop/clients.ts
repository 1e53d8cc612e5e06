// The clients of the interop matrix (server/interop.int.test.ts), each
// driven the way its users drive it: the real curl and buf binaries,
// @grpc/grpc-js, Debian's python3-grpcio, and connect-node through the
// metadata library. Each turns one SayHello call into the same record of
// what the client saw, so one table of assertions covers them all.
import { execFile } from "node:child_process";
import { fileURLToPath } from "node:url";
import { create, fromBinary, fromJson, type JsonValue, toBinary } from "@bufbuild/protobuf";
import { Code, ConnectError, type ContextValues, createClient } from "@connectrpc/connect";
import { createNodeHttpClient, Http2SessionManager } from "@connectrpc/connect-node";
import * as grpc from "@grpc/grpc-js";
import {
  appendToOutgoingContext,
  callOptions,
  createMetadataTransport,
  encodeStandardBase64,
  header,
  MD,
  trailer,
} from "@hello-metadata/metadata";
import {
  HelloService,
  type MetadataEntry,
  SayHelloRequestSchema,
  SayHelloResponseSchema,
} from "../../gen/hello/v1/hello_pb.js";
import { rpcPath } from "../../scripts/kit/rpc-path.js";
import { curl } from "../testing.js";
import { metadataToJson, sayHelloWithGrpcJs } from "./grpc-js-client.js";

/** The repository root: the clients run there (buf finds `proto/`, python its modules). */
export const root = fileURLToPath(new URL("../..", import.meta.url));

/** One SayHello call: the request, and the metadata to send with it. */
export interface InteropCall {
  readonly name: string;
  /** When set, the server fails the call with this gRPC code. */
  readonly failCode?: number;
  /** SayHelloRequest.delay_ms: the server waits this long before it answers. */
  readonly delayMs?: number;
  /** Text metadata: each entry is sent as one `key: value`. */
  readonly text: Readonly<Record<string, string>>;
  /** Binary metadata (`-bin` keys), sent as the bytes. */
  readonly binary: Readonly<Record<string, Uint8Array>>;
}

/** What a client saw of one call. */
export interface Seen {
  /** The status code; 0 (OK) on success. gRPC and Connect number them alike. */
  readonly code: number;
  /**
   * The error message as the client hands it to its user (grpc-message
   * decoded, or the Connect error's `message`); "" on success.
   */
  readonly statusMessage: string;
  /** The response, on success. */
  readonly response?: { readonly message: string; readonly received: readonly Entry[] };
  /** Response headers the client read, keys lowercased, values in order. */
  readonly headers: ReadonlyMap<string, readonly string[]>;
  /**
   * Trailers the client read, as its protocol delivers them: Connect unary
   * `trailer-<key>` headers (prefix removed), gRPC HTTP/2 trailers,
   * gRPC-Web's trailer frame. Binary values as standard base64.
   */
  readonly trailers: ReadonlyMap<string, readonly string[]>;
}

/** A metadata entry of `SayHelloResponse.received`. */
export type Entry = Pick<MetadataEntry, "key" | "values">;

/** Calls SayHello on the server at `baseUrl` (e.g. `http://127.0.0.1:1234`). */
export type InteropClient = (baseUrl: string, call: InteropCall) => Promise<Seen>;

const path = rpcPath(HelloService.method.sayHello);

function requestJson(call: InteropCall): string {
  return JSON.stringify({
    name: call.name,
    ...(call.failCode ? { failCode: call.failCode } : {}),
    ...(call.delayMs ? { delayMs: call.delayMs } : {}),
  });
}

function requestBinary(call: InteropCall): Uint8Array {
  return toBinary(
    SayHelloRequestSchema,
    create(SayHelloRequestSchema, {
      name: call.name,
      failCode: call.failCode ?? 0,
      delayMs: call.delayMs ?? 0,
    }),
  );
}

/** `key: value` lines for header flags; binary values as padded base64. */
export function headerLines(call: Pick<InteropCall, "text" | "binary">): string[] {
  return [
    ...Object.entries(call.text).map(([k, v]) => `${k}: ${v}`),
    ...Object.entries(call.binary).map(([k, v]) => `${k}: ${encodeStandardBase64(v)}`),
  ];
}

/** The metadata of a call, as the library's outgoing context (text values, then binary). */
export function outgoingContextOf(call: Pick<InteropCall, "text" | "binary">): ContextValues {
  const kv: (string | Uint8Array)[] = [];
  for (const [k, v] of Object.entries(call.text)) kv.push(k, v);
  for (const [k, v] of Object.entries(call.binary)) kv.push(k, v);
  return appendToOutgoingContext(undefined, ...kv);
}

/** The metadata of a call, as grpc-js's `Metadata` (binary values as Buffers). */
export function grpcMetadataOf(call: Pick<InteropCall, "text" | "binary">): grpc.Metadata {
  const md = new grpc.Metadata();
  for (const [k, v] of Object.entries(call.text)) md.add(k, v);
  for (const [k, v] of Object.entries(call.binary)) md.add(k, Buffer.from(v));
  return md;
}

/** Appends `value` to `key`'s list in `map`. */
export function addTo(map: Map<string, string[]>, key: string, value: string): void {
  const list = map.get(key) ?? [];
  list.push(value);
  map.set(key, list);
}

/** Connect's error code names (`not_found`) as numbers. */
export function connectCode(name: unknown): number {
  const camel = String(name).replace(/(^|_)([a-z])/g, (_, _u, c: string) => c.toUpperCase());
  const code = Code[camel as keyof typeof Code];
  if (code === undefined) throw new Error(`not a Connect error code: ${JSON.stringify(name)}`);
  return code;
}

function responseFromJson(json: JsonValue): NonNullable<Seen["response"]> {
  const res = fromJson(SayHelloResponseSchema, json);
  return { message: res.message, received: res.received };
}

/**
 * Runs `file` in the repository root; resolves with its exit status and
 * output, and rejects only when it could not run or finish (missing
 * binary, killed by the 20 s timeout).
 */
export function run(
  file: string,
  args: string[],
): Promise<{ exitCode: number; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    execFile(
      file,
      args,
      { cwd: root, timeout: 20_000, maxBuffer: 16 * 1024 * 1024 },
      (error, stdout, stderr) => {
        if (error?.code === "ENOENT") {
          reject(new Error(`${file} is not installed (see .ci/run for what the tests need)`));
          return;
        }
        if (error && typeof error.code !== "number") {
          reject(new Error(`${file} did not run to the end: ${error.message}`));
          return;
        }
        resolve({ exitCode: error ? Number(error.code) : 0, stdout, stderr });
      },
    );
  });
}

/** Options for {@link curlConnect}. */
export interface CurlConnectOptions {
  readonly http: "1.1" | "h2c";
  /** POST with a JSON or binary body, or GET with the message in the query. */
  readonly method: "POST" | "GET";
  readonly encoding: "json" | "proto";
}

/**
 * The real curl speaking the Connect protocol by hand, as the README shows:
 * POST with `content-type: application/json` or `application/proto`, or a
 * Connect GET (`?connect=v1&encoding=…&message=…`, binary messages as
 * `base64=1`). Trailers are the `trailer-` headers.
 */
export function curlConnect(options: CurlConnectOptions): InteropClient {
  return async (baseUrl, call) => {
    const args = [options.http === "h2c" ? "--http2-prior-knowledge" : "--http1.1"];
    for (const line of headerLines(call)) args.push("-H", line);
    let input: Buffer | undefined;
    if (options.method === "GET") {
      const message =
        options.encoding === "json"
          ? encodeURIComponent(requestJson(call))
          : `${Buffer.from(requestBinary(call)).toString("base64url")}&base64=1`;
      args.push(`${baseUrl}${path}?connect=v1&encoding=${options.encoding}&message=${message}`);
    } else if (options.encoding === "json") {
      args.push("-H", "content-type: application/json", "-d", requestJson(call), baseUrl + path);
    } else {
      input = Buffer.from(requestBinary(call));
      args.push("-H", "content-type: application/proto", "--data-binary", "@-", baseUrl + path);
    }
    const res = await curl(args, input);
    const expectedVersion = options.http === "h2c" ? "2" : "1.1";
    if (res.httpVersion !== expectedVersion) {
      throw new Error(`curl spoke HTTP/${res.httpVersion}, not HTTP/${expectedVersion}`);
    }
    const headers = new Map<string, string[]>();
    const trailers = new Map<string, string[]>();
    res.headers.forEach((value, key) => {
      if (key.startsWith("trailer-")) addTo(trailers, key.slice("trailer-".length), value);
      else addTo(headers, key, value);
    });
    if (res.status !== 200) {
      const error = JSON.parse(res.body.toString()) as { code?: unknown; message?: unknown };
      return {
        code: connectCode(error.code),
        statusMessage: String(error.message ?? ""),
        headers,
        trailers,
      };
    }
    const response =
      res.headers.get("content-type") === "application/proto"
        ? fromBinary(SayHelloResponseSchema, res.body)
        : responseFromJson(JSON.parse(res.body.toString()));
    return {
      code: 0,
      statusMessage: "",
      response: { message: response.message, received: response.received },
      headers,
      trailers,
    };
  };
}

/** Options for {@link bufCurl}. */
export interface BufCurlOptions {
  readonly protocol: "connect" | "grpc" | "grpcweb";
  /** HTTP/2 without TLS; gRPC and reflection need it, buf adds it for them. */
  readonly h2c: boolean;
  /** Schema from `proto/` (`--schema proto`), or from the server's reflection. */
  readonly schema: "proto" | "reflection";
}

/**
 * `buf curl` (node_modules/.bin/buf) with `-v`, reading the response
 * headers and trailers from its verbose log on stderr and the response from
 * stdout. Its exit status is the gRPC code shifted left by 3. `-v` shows
 * the wire as it is, so for Connect the trailers are the `trailer-`
 * headers; it does not show gRPC-Web's trailer frame.
 */
export function bufCurl(options: BufCurlOptions): InteropClient {
  return async (baseUrl, call) => {
    const args = ["curl", "-v", "--protocol", options.protocol];
    if (options.h2c) args.push("--http2-prior-knowledge");
    if (options.schema === "proto") args.push("--schema", "proto");
    for (const line of headerLines(call)) args.push("-H", line);
    args.push("-d", requestJson(call), baseUrl + path);
    const { exitCode, stdout, stderr } = await run(`${root}node_modules/.bin/buf`, args);
    if (exitCode !== 0 && (exitCode < 8 || exitCode % 8 !== 0)) {
      throw new Error(`buf curl failed (exit ${exitCode}): ${stderr.trim().slice(-2000)}`);
    }
    const wire = parseBufVerbose(stderr, path);
    const headers = new Map<string, string[]>();
    const trailers = new Map<string, string[]>();
    for (const [key, value] of wire.headers) {
      if (options.protocol === "connect" && key.startsWith("trailer-")) {
        addTo(trailers, key.slice("trailer-".length), value);
      } else {
        addTo(headers, key, value);
      }
    }
    for (const [key, value] of wire.trailers) addTo(trailers, key, value);
    if (exitCode !== 0) {
      // buf prints the error on stderr; the exit status carries the code.
      return { code: exitCode >> 3, statusMessage: bufErrorMessage(stderr), headers, trailers };
    }
    return {
      code: 0,
      statusMessage: "",
      response: responseFromJson(JSON.parse(stdout)),
      headers,
      trailers,
    };
  };
}

/**
 * The error message `buf curl` prints last on stderr, as a JSON object
 * (`{"code": "...", "message": "..."}`) after its `buf:` log lines.
 */
export function bufErrorMessage(stderr: string): string {
  const printed = stderr
    .split("\n")
    .filter((l) => !l.startsWith("buf: "))
    .join("\n");
  const start = printed.lastIndexOf("\n{");
  const json = printed.slice(start < 0 ? printed.indexOf("{") : start + 1).trim();
  try {
    return String((JSON.parse(json) as { message?: unknown }).message ?? "");
  } catch {
    throw new Error(`buf curl printed no error object on stderr:\n${stderr.slice(-2000)}`);
  }
}

/**
 * Reads `buf curl -v`'s log of the call to `requestPath` (with reflection
 * the log also holds the reflection stream): after the `< (#n) HTTP/…`
 * status line, `< (#n) Name: value` lines up to the first blank `< (#n)`
 * line are headers, later ones trailers (Connect streaming's end-of-stream
 * metadata, `< (#n) [*] Name: value`, too). Keys lowercased, in order.
 */
export function parseBufVerbose(
  log: string,
  requestPath: string,
): { headers: [string, string][]; trailers: [string, string][] } {
  const lines = log.split("\n").map((l) => l.trimEnd());
  const stream = lines
    .map((l) => /^buf: > \(#(\d+)\) POST (\S+)$/.exec(l))
    .find((m) => m?.[2] === requestPath)?.[1];
  if (stream === undefined) throw new Error(`buf curl -v shows no POST ${requestPath}:\n${log}`);
  const headers: [string, string][] = [];
  const trailers: [string, string][] = [];
  let state: "before" | "headers" | "after" = "before";
  const prefix = `buf: < (#${stream})`;
  for (const line of lines) {
    if (!line.startsWith(prefix)) continue;
    const text = line.slice(prefix.length).trim();
    if (state === "before") {
      if (/^HTTP\/\S+ \d{3}/.test(text)) state = "headers";
      continue;
    }
    if (text === "") {
      state = "after";
      continue;
    }
    // Connect streaming: the end-of-stream message's metadata is marked "[*]".
    const field = text.startsWith("[*] ") ? text.slice(4) : text;
    const i = field.indexOf(":");
    if (i <= 0) continue;
    const entry: [string, string] = [
      field.slice(0, i).trim().toLowerCase(),
      field.slice(i + 1).trim(),
    ];
    (state === "headers" ? headers : trailers).push(entry);
  }
  if (state === "before") throw new Error(`buf curl -v shows no response:\n${log}`);
  return { headers, trailers };
}

/**
 * @grpc/grpc-js's generic client (server/interop/grpc-js-client.ts) with a
 * `Metadata` holding a text value and a `-bin` Buffer; headers from its
 * `metadata` event, trailers from its `status` event.
 */
export const grpcJs: InteropClient = async (baseUrl, call) => {
  const result = await sayHelloWithGrpcJs(
    new URL(baseUrl).host,
    { name: call.name, failCode: call.failCode ?? 0, delayMs: call.delayMs ?? 0 },
    grpcMetadataOf(call),
  );
  return {
    code: result.code,
    statusMessage: result.details,
    ...(result.response
      ? { response: { message: result.response.message, received: result.response.received } }
      : {}),
    headers: new Map(Object.entries(metadataToJson(result.headers))),
    trailers: new Map(Object.entries(metadataToJson(result.trailers))),
  };
};

/** Where Debian's python3-grpcio lives (plain `python3` may be another Python). */
export const debianPython = "/usr/bin/python3";

/**
 * Debian's python3-grpcio through server/interop/python_client.py (generic
 * `unary_unary`, hand-encoded request). Headers are `initial_metadata()`,
 * trailers `trailing_metadata()`. The raw response bytes are decoded here
 * with protobuf-es, so a wrong encoding on either side shows.
 */
export const pythonGrpcio: InteropClient = async (baseUrl, call) => {
  const args = ["server/interop/python_client.py", new URL(baseUrl).host, call.name];
  if (call.failCode) args.push("--fail-code", String(call.failCode));
  if (call.delayMs) args.push("--delay-ms", String(call.delayMs));
  for (const line of headerLines(call)) args.push("-H", line);
  const { exitCode, stdout, stderr } = await run(debianPython, args);
  if (exitCode !== 0 && exitCode !== 1) {
    throw new Error(`${debianPython} python_client.py failed (exit ${exitCode}): ${stderr.trim()}`);
  }
  const out = JSON.parse(stdout) as {
    code: string;
    details: string;
    headers: Record<string, string[]>;
    trailers: Record<string, string[]>;
    response_base64?: string;
  };
  const code = grpc.status[out.code as keyof typeof grpc.status];
  if (code === undefined) throw new Error(`python printed an unknown code ${out.code}`);
  const response =
    out.response_base64 === undefined
      ? undefined
      : fromBinary(SayHelloResponseSchema, Buffer.from(out.response_base64, "base64"));
  return {
    code,
    statusMessage: out.details,
    ...(response ? { response: { message: response.message, received: response.received } } : {}),
    headers: new Map(Object.entries(out.headers)),
    trailers: new Map(Object.entries(out.trailers)),
  };
};

/**
 * connect-node through the library: `createMetadataTransport`, metadata
 * from `appendToOutgoingContext`, and `callOptions(ctx, header(h),
 * trailer(t))` capturing headers and trailers apart, on errors too.
 */
export function connectNode(
  protocol: "connect" | "grpc" | "grpc-web",
  httpVersion: "1.1" | "2",
): InteropClient {
  return async (baseUrl, call) => {
    const sessions = httpVersion === "2" ? new Http2SessionManager(baseUrl) : undefined;
    const client = createClient(
      HelloService,
      createMetadataTransport({
        protocol,
        baseUrl,
        httpClient: sessions
          ? createNodeHttpClient({ httpVersion: "2", sessionProvider: () => sessions })
          : createNodeHttpClient({ httpVersion: "1.1" }),
      }),
    );
    const ctx = outgoingContextOf(call);
    const h = new MD();
    const t = new MD();
    try {
      const res = await client.sayHello(
        { name: call.name, failCode: call.failCode ?? 0, delayMs: call.delayMs ?? 0 },
        { ...callOptions(ctx, header(h), trailer(t)), timeoutMs: 10_000 },
      );
      return {
        code: 0,
        statusMessage: "",
        response: { message: res.message, received: res.received },
        headers: mdToMap(h),
        trailers: mdToMap(t),
      };
    } catch (e) {
      if (!(e instanceof ConnectError)) throw e;
      return {
        code: e.code,
        statusMessage: e.rawMessage,
        headers: mdToMap(h),
        trailers: mdToMap(t),
      };
    } finally {
      sessions?.abort();
    }
  };
}

/** An MD as the matrix compares metadata: binary values as standard base64. */
export function mdToMap(md: MD): Map<string, string[]> {
  return new Map(
    md
      .entries()
      .map(([k, vs]) => [k, vs.map((v) => (typeof v === "string" ? v : encodeStandardBase64(v)))]),
  );
}
