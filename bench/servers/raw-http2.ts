// Benchmark server D: no framework, the Node limit. SayHello over gRPC,
// Connect (JSON and binary) and gRPC-Web (binary), answered straight from
// `node:http2`'s stream API on an h2c port, and from `node:http` on an
// HTTP/1.1 port (Connect and gRPC-Web; gRPC needs HTTP/2). Same semantics as
// the real server's SayHello: "Hello, <name>" (an empty name is
// INVALID_ARGUMENT), the header `response-time` (ISO time) and the trailer
// `processing-ms` — as an HTTP trailer for gRPC, a `trailer-processing-ms`
// header for Connect unary, a trailer frame for gRPC-Web. It parses the
// 5-byte envelope itself and uses protobuf-es only for the message bytes;
// Connect JSON is JSON.parse / JSON.stringify. No compression, no GET, no
// timeouts, no metadata echo, no validation beyond what SayHello needs.
// SayHelloStream over gRPC (h2c) only: `count` greetings (0 means 3),
// `interval_ms` apart (unset means 200, an explicit 0 no wait), each written
// as its own envelope as it is made, `processing-ms` in the trailers.
//
//   node --import tsx bench/servers/raw-http2.ts [--port 0] [--host 127.0.0.1]
import * as http from "node:http";
import * as http2 from "node:http2";
import { create, fromBinary, toBinary } from "@bufbuild/protobuf";
import {
  HelloService,
  SayHelloRequestSchema,
  SayHelloResponseSchema,
  SayHelloStreamRequestSchema,
  SayHelloStreamResponseSchema,
} from "../../gen/hello/v1/hello_pb.js";
import { rpcPath } from "../../scripts/kit/rpc-path.js";
import { announce, exitOnSignal, listen, listenArgs } from "./cli.js";

const sayHelloPath = rpcPath(HelloService.method.sayHello);
const sayHelloStreamPath = rpcPath(HelloService.method.sayHelloStream);
const maxBodyBytes = 1024 * 1024;

/** One answer, whichever transport sends it. */
interface Reply {
  status: number;
  headers: Record<string, string | number>;
  body: Buffer;
  /** HTTP trailers; only gRPC (HTTP/2) has them. */
  trailers?: Record<string, string>;
}

type Kind = "grpc" | "grpc-web" | "json" | "proto";

function kindOf(contentType: string | undefined): Kind | undefined {
  const semi = contentType?.indexOf(";") ?? -1;
  const type = (semi < 0 ? contentType : contentType?.slice(0, semi))?.trim().toLowerCase();
  switch (type) {
    case "application/grpc":
    case "application/grpc+proto":
      return "grpc";
    case "application/grpc-web":
    case "application/grpc-web+proto":
      return "grpc-web";
    case "application/json":
      return "json";
    case "application/proto":
      return "proto";
    default:
      return undefined;
  }
}

const asBuffer = (u: Uint8Array) => Buffer.from(u.buffer, u.byteOffset, u.byteLength);

function envelope(flags: number, data: Buffer): Buffer {
  const out = Buffer.allocUnsafe(5 + data.length);
  out[0] = flags;
  out.writeUInt32BE(data.length, 1);
  data.copy(out, 5);
  return out;
}

/** The one message of an enveloped request, or undefined when the envelope is wrong. */
function unenvelope(body: Buffer): Buffer | undefined {
  if (body.length < 5 || body[0] !== 0) return undefined;
  const length = body.readUInt32BE(1);
  if (body.length !== 5 + length) return undefined;
  return body.subarray(5);
}

/** Protocol errors, per protocol. */
function failure(kind: Kind, grpcCode: number, connectCode: string, message: string): Reply {
  if (kind === "json" || kind === "proto") {
    const status = connectCode === "invalid_argument" ? 400 : 500;
    return {
      status,
      headers: { "content-type": "application/json" },
      body: Buffer.from(JSON.stringify({ code: connectCode, message })),
    };
  }
  const trailers = { "grpc-status": String(grpcCode), "grpc-message": encodeURIComponent(message) };
  if (kind === "grpc") {
    return {
      status: 200,
      headers: { "content-type": "application/grpc" },
      body: Buffer.alloc(0),
      trailers,
    };
  }
  return {
    status: 200,
    headers: { "content-type": "application/grpc-web+proto" },
    body: trailerFrame(trailers),
  };
}

function trailerFrame(trailers: Record<string, string>): Buffer {
  let text = "";
  for (const k in trailers) text += `${k}: ${trailers[k]}\r\n`;
  return envelope(0x80, Buffer.from(text, "latin1"));
}

/** SayHello: decode, greet, encode, with the header and trailer. */
function answer(kind: Kind, body: Buffer): Reply {
  const started = performance.now();
  const responseTime = new Date().toISOString();
  let name: string;
  try {
    if (kind === "json") {
      const parsed = JSON.parse(body.toString("utf8")) as { name?: unknown };
      if (parsed === null || typeof parsed !== "object") throw new Error("not an object");
      name = typeof parsed.name === "string" ? parsed.name : "";
    } else {
      const bytes = kind === "proto" ? body : unenvelope(body);
      if (bytes === undefined) return failure(kind, 13, "internal", "bad envelope");
      name = fromBinary(SayHelloRequestSchema, bytes).name;
    }
  } catch (e) {
    return failure(kind, 13, "internal", `cannot decode the request: ${(e as Error).message}`);
  }
  if (name === "") return failure(kind, 3, "invalid_argument", "name must not be empty");
  const message = `Hello, ${name}`;
  const processingMs = () => (performance.now() - started).toFixed(3);
  switch (kind) {
    case "json":
      return {
        status: 200,
        headers: {
          "content-type": "application/json",
          "response-time": responseTime,
          "trailer-processing-ms": processingMs(),
        },
        body: Buffer.from(JSON.stringify({ message })),
      };
    case "proto":
      return {
        status: 200,
        headers: {
          "content-type": "application/proto",
          "response-time": responseTime,
          "trailer-processing-ms": processingMs(),
        },
        body: asBuffer(
          toBinary(SayHelloResponseSchema, create(SayHelloResponseSchema, { message })),
        ),
      };
    case "grpc": {
      const bytes = asBuffer(
        toBinary(SayHelloResponseSchema, create(SayHelloResponseSchema, { message })),
      );
      return {
        status: 200,
        headers: { "content-type": "application/grpc", "response-time": responseTime },
        body: envelope(0, bytes),
        trailers: { "grpc-status": "0", "processing-ms": processingMs() },
      };
    }
    case "grpc-web": {
      const bytes = asBuffer(
        toBinary(SayHelloResponseSchema, create(SayHelloResponseSchema, { message })),
      );
      return {
        status: 200,
        headers: { "content-type": "application/grpc-web+proto", "response-time": responseTime },
        body: Buffer.concat([
          envelope(0, bytes),
          trailerFrame({ "grpc-status": "0", "processing-ms": processingMs() }),
        ]),
      };
    }
  }
}

const plain = (status: number, text: string): Reply => ({
  status,
  headers: { "content-type": "text/plain; charset=utf-8" },
  body: Buffer.from(`${text}\n`),
});

/** Reads a whole request body; undefined when it is over the limit. */
function readBody(source: NodeJS.ReadableStream, done: (body: Buffer | undefined) => void): void {
  const chunks: Buffer[] = [];
  let size = 0;
  source.on("data", (c: Buffer) => {
    size += c.length;
    if (size <= maxBodyBytes) chunks.push(c);
  });
  source.on("end", () => {
    if (size > maxBodyBytes) done(undefined);
    else done(chunks.length === 1 ? chunks[0] : Buffer.concat(chunks));
  });
}

/** Routes a request to SayHello or answers 404 / 415 / 413 / 505. */
function route(
  method: string | undefined,
  path: string | undefined,
  contentType: string | undefined,
  http1: boolean,
): { kind: Kind } | Reply {
  if (method !== "POST" || path !== sayHelloPath) return plain(404, "not found");
  const kind = kindOf(contentType);
  if (kind === undefined) return plain(415, "unsupported content-type");
  if (kind === "grpc" && http1) return plain(505, "gRPC needs HTTP/2");
  return { kind };
}

/** SayHelloStream over gRPC: the header at once, the greetings, then the trailers. */
function sayHelloStream(stream: http2.ServerHttp2Stream, body: Buffer): void {
  const started = performance.now();
  const trailers = (status: number, message?: string) => ({
    "grpc-status": String(status),
    ...(message ? { "grpc-message": encodeURIComponent(message) } : {}),
    "processing-ms": (performance.now() - started).toFixed(3),
  });
  stream.respond(
    {
      ":status": 200,
      "content-type": "application/grpc",
      "response-time": new Date().toISOString(),
    },
    { waitForTrailers: true },
  );
  let end = trailers(0);
  const finish = () => {
    stream.once("wantTrailers", () => stream.sendTrailers(end));
    stream.end();
  };
  const bytes = unenvelope(body);
  let req: ReturnType<typeof fromBinary<typeof SayHelloStreamRequestSchema>>;
  try {
    if (bytes === undefined) throw new Error("bad envelope");
    req = fromBinary(SayHelloStreamRequestSchema, bytes);
  } catch (e) {
    end = trailers(13, `cannot decode the request: ${(e as Error).message}`);
    finish();
    return;
  }
  if (req.name === "") {
    end = trailers(3, "name must not be empty");
    finish();
    return;
  }
  const count = req.count === 0 ? 3 : req.count;
  const interval = req.intervalMs ?? 200;
  const send = (i: number) => {
    if (stream.destroyed) return;
    const message = create(SayHelloStreamResponseSchema, {
      message: `Hello, ${req.name} (${i}/${count})`,
      index: i,
    });
    stream.write(envelope(0, asBuffer(toBinary(SayHelloStreamResponseSchema, message))));
    if (i === count) {
      end = trailers(0);
      finish();
    } else if (interval > 0) setTimeout(send, interval, i + 1);
    else send(i + 1);
  };
  send(1);
}

const h2 = http2.createServer();
h2.on("stream", (stream, headers) => {
  stream.on("error", () => {});
  if (
    headers[":method"] === "POST" &&
    headers[":path"] === sayHelloStreamPath &&
    kindOf(headers["content-type"]) === "grpc"
  ) {
    readBody(stream, (body) => {
      if (body) sayHelloStream(stream, body);
      else stream.close(http2.constants.NGHTTP2_REFUSED_STREAM);
    });
    return;
  }
  const send = (reply: Reply) => {
    if (stream.destroyed) return;
    const trailers = reply.trailers;
    stream.respond({ ":status": reply.status, ...reply.headers }, { waitForTrailers: !!trailers });
    if (trailers) stream.once("wantTrailers", () => stream.sendTrailers(trailers));
    stream.end(reply.body);
  };
  const r = route(headers[":method"], headers[":path"], headers["content-type"], false);
  if (!("kind" in r)) {
    stream.resume();
    send(r);
    return;
  }
  readBody(stream, (body) => send(body ? answer(r.kind, body) : plain(413, "request too large")));
});

const h1 = http.createServer((req, res) => {
  const send = (reply: Reply) => {
    res.writeHead(reply.status, { ...reply.headers, "content-length": reply.body.length });
    res.end(reply.body);
  };
  const r = route(req.method, req.url, req.headers["content-type"], true);
  if (!("kind" in r)) {
    req.resume();
    send(r);
    return;
  }
  readBody(req, (body) => send(body ? answer(r.kind, body) : plain(413, "request too large")));
});

const args = listenArgs();
const h2Url = await listen(h2, args);
const h1Url = await listen(h1, { ...args, port: 0 });
announce("raw-http2", h2Url, h1Url);
exitOnSignal(() => {
  h1.closeAllConnections();
  h1.close();
  h2.close();
});
