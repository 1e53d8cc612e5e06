// The streaming clients of the interop matrix: @grpc/grpc-js, connect-node
// through the metadata library, Debian's python3-grpcio, grpc-go (see
// go-client.ts) and buf curl, each running the script of stream-call.ts in
// its own API and reporting a StreamSeen.
import { spawn } from "node:child_process";
import {
  type DescMessage,
  type DescMethodStreaming,
  fromBinary,
  type JsonValue,
  type MessageShape,
  toBinary,
} from "@bufbuild/protobuf";
import { Code, ConnectError, type Transport } from "@connectrpc/connect";
import { createWritableIterable } from "@connectrpc/connect/protocol";
import { createNodeHttpClient, Http2SessionManager } from "@connectrpc/connect-node";
import * as grpc from "@grpc/grpc-js";
import {
  callOptions,
  createMetadataTransport,
  header,
  MD,
  trailer,
} from "@hello-metadata/metadata";
import { HelloService } from "../../gen/hello/v1/hello_pb.js";
import {
  bufErrorMessage,
  debianPython,
  grpcMetadataOf,
  headerLines,
  mdToMap,
  outgoingContextOf,
  parseBufVerbose,
  root,
  run,
} from "./clients.js";
import { metadataToJson } from "./grpc-js-client.js";
import {
  createInbox,
  createRecorder,
  decodeReply,
  encodeRequests,
  replyFromJson,
  requestJson,
  type StreamCall,
  type StreamClient,
  type StreamMethod,
  type StreamReply,
  type StreamSeen,
} from "./stream-call.js";

const defaultTimeoutMs = 10_000;

function pathOf(method: StreamMethod): string {
  return `/hello.v1.HelloService/${method}`;
}

/**
 * @grpc/grpc-js's generic client (`makeServerStreamRequest`,
 * `makeClientStreamRequest`, `makeBidiStreamRequest`) with pass-through
 * serializers: headers from the `metadata` event, trailers and the status
 * from the `status` event, times taken as the events fire.
 */
export const grpcJsStream: StreamClient = async (baseUrl, call) => {
  const client = new grpc.Client(new URL(baseUrl).host, grpc.credentials.createInsecure());
  const md = grpcMetadataOf(call);
  const options = { deadline: Date.now() + (call.timeoutMs ?? defaultTimeoutMs) };
  const pass = (b: Buffer) => b;
  const path = pathOf(call.method);
  const [first = Buffer.alloc(0), ...rest] = encodeRequests(call).map((b) => Buffer.from(b));
  const rec = createRecorder();
  const inbox = createInbox<Buffer>();
  const replies: StreamReply[] = [];
  const reply = (b: Buffer) => {
    rec.at("message");
    replies.push(decodeReply(call.method, b));
    inbox.push(b);
  };
  let closed = call.method === "SayHelloStream";
  let headersBeforeClose = false;
  let headers = new grpc.Metadata();
  let headersIn: () => void = () => {};
  const headersArrived = new Promise<void>((resolve) => {
    headersIn = resolve;
  });

  let stream: grpc.ClientReadableStream<Buffer> | grpc.ClientWritableStream<Buffer>;
  let writable: grpc.ClientWritableStream<Buffer> | undefined;
  if (call.method === "SayHelloStream") {
    stream = client.makeServerStreamRequest(path, pass, pass, first, md, options);
  } else if (call.method === "SayHelloAll") {
    writable = client.makeClientStreamRequest(path, pass, pass, md, options, (_e, value) => {
      if (value) reply(value);
    });
    stream = writable;
  } else {
    const duplex = client.makeBidiStreamRequest(path, pass, pass, md, options);
    writable = duplex;
    stream = duplex;
  }
  if ("read" in stream) stream.on("data", reply);
  stream.on("error", () => {}); // the status event reports it
  stream.on("metadata", (m: grpc.Metadata) => {
    headers = m;
    rec.at("headers");
    headersBeforeClose = !closed;
    headersIn();
  });
  const status = new Promise<grpc.StatusObject>((resolve) => {
    stream.on("status", (s: grpc.StatusObject) => {
      rec.at("end");
      inbox.end();
      headersIn();
      resolve(s);
    });
  });

  const chat = call.method === "SayHelloChat";
  writable?.write(first);
  await headersArrived;
  if (chat) await inbox.next();
  for (const r of rest) {
    writable?.write(r);
    if (chat) await inbox.next();
  }
  if (call.end === "close") {
    closed = true;
    writable?.end();
  } else if (call.end === "cancel") {
    if (call.method === "SayHelloStream") await inbox.next();
    stream.cancel();
  }
  const end = await status;
  client.close();
  return {
    code: end.code,
    statusMessage: end.code === grpc.status.OK ? "" : end.details,
    headers: new Map(Object.entries(metadataToJson(headers))),
    trailers: new Map(Object.entries(metadataToJson(end.metadata))),
    replies,
    events: rec.events,
    headersBeforeClose,
  };
};

/**
 * connect-node through the library (`createMetadataTransport`, metadata
 * from `appendToOutgoingContext`, `header(h)` and `trailer(t)`) over
 * HTTP/2, calling `transport.stream` itself so the request side stays in
 * the script's hands: it resolves once the response headers are in.
 */
export function connectNodeStream(protocol: "connect" | "grpc" | "grpc-web"): StreamClient {
  return async (baseUrl, call) => {
    const sessions = new Http2SessionManager(baseUrl);
    const transport = createMetadataTransport({
      protocol,
      baseUrl,
      httpClient: createNodeHttpClient({ httpVersion: "2", sessionProvider: () => sessions }),
    });
    try {
      switch (call.method) {
        case "SayHelloStream":
          return await connectStream(transport, HelloService.method.sayHelloStream, call);
        case "SayHelloAll":
          return await connectStream(transport, HelloService.method.sayHelloAll, call);
        case "SayHelloChat":
          return await connectStream(transport, HelloService.method.sayHelloChat, call);
      }
    } finally {
      sessions.abort();
    }
  };
}

async function connectStream<I extends DescMessage, O extends DescMessage>(
  transport: Transport,
  method: DescMethodStreaming<I, O>,
  call: StreamCall,
): Promise<StreamSeen> {
  const requests = encodeRequests(call).map((b) => fromBinary(method.input, b));
  const h = new MD();
  const t = new MD();
  const { contextValues } = callOptions(outgoingContextOf(call), header(h), trailer(t));
  const controller = new AbortController();
  const input = createWritableIterable<MessageShape<I>>();
  const rec = createRecorder();
  const replies: StreamReply[] = [];
  const clientStreams = call.method !== "SayHelloStream";
  let closed = false;
  const close = () => {
    if (!closed) input.close();
    closed = true;
  };
  let headersBeforeClose = false;
  const seen = (code: number, statusMessage: string): StreamSeen => ({
    code,
    statusMessage,
    headers: mdToMap(h),
    trailers: mdToMap(t),
    replies,
    events: rec.events,
    headersBeforeClose,
  });
  const send = (m: MessageShape<I> | undefined) => {
    if (m !== undefined) input.write(m).catch(() => {}); // refused once the call is over
  };
  try {
    send(requests[0]);
    if (!clientStreams) close();
    const res = await transport.stream(
      method,
      controller.signal,
      call.timeoutMs ?? defaultTimeoutMs,
      undefined,
      input,
      contextValues,
    );
    rec.at("headers");
    headersBeforeClose = clientStreams && !closed;
    const it = res.message[Symbol.asyncIterator]();
    const read = async (): Promise<boolean> => {
      const r = await it.next();
      if (r.done) return false;
      rec.at("message");
      replies.push(decodeReply(call.method, toBinary(method.output, r.value)));
      return true;
    };
    const chat = call.method === "SayHelloChat";
    if (chat) await read();
    for (const r of requests.slice(1)) {
      send(r);
      if (chat) await read();
    }
    if (call.end === "close") close();
    else if (call.end === "cancel") {
      if (!clientStreams) await read();
      controller.abort();
    }
    while (await read()) {}
    rec.at("end");
    return seen(0, "");
  } catch (e) {
    rec.at("end");
    const err = ConnectError.from(e);
    return seen(err.code, err.rawMessage);
  } finally {
    close();
  }
}

/** What the Python and Go stream clients print (see their usage). */
interface PrintedStream {
  readonly code: number | string;
  readonly details: string;
  readonly headers: Record<string, string[]>;
  readonly trailers: Record<string, string[]>;
  readonly responses_base64?: string[] | null;
  readonly events?: { event: "headers" | "message" | "end"; at_ms: number }[] | null;
  readonly headers_before_close: boolean;
}

/** A StreamSeen from a client's printed JSON; codes as numbers or gRPC names. */
export function seenFromPrinted(method: StreamMethod, out: PrintedStream): StreamSeen {
  const code =
    typeof out.code === "number" ? out.code : grpc.status[out.code as keyof typeof grpc.status];
  if (code === undefined) throw new Error(`the client printed an unknown code ${out.code}`);
  return {
    code,
    statusMessage: code === 0 ? "" : out.details,
    headers: new Map(Object.entries(out.headers)),
    trailers: new Map(Object.entries(out.trailers)),
    replies: (out.responses_base64 ?? []).map((b) => decodeReply(method, Buffer.from(b, "base64"))),
    events: (out.events ?? []).map((e) => ({ kind: e.event, atMs: e.at_ms })),
    headersBeforeClose: out.headers_before_close,
  };
}

/** The flags the Python and Go stream clients share, for `call`. */
export function streamFlags(call: StreamCall, timeoutFlag: string): string[] {
  const args: string[] = [];
  for (const name of call.names) args.push("--name", name);
  if (call.failCode) args.push("--fail-code", String(call.failCode));
  if (call.count) args.push("--count", String(call.count));
  if (call.intervalMs) args.push("--interval-ms", String(call.intervalMs));
  if (call.delayMs) args.push("--delay-ms", String(call.delayMs));
  for (const line of headerLines(call)) args.push("-H", line);
  args.push(timeoutFlag, "--end", call.end);
  return args;
}

/**
 * Debian's python3-grpcio through server/interop/python_stream_client.py
 * (generic `unary_stream` / `stream_unary` / `stream_stream`, requests
 * encoded by hand): headers from `initial_metadata()`, trailers from
 * `trailing_metadata()`, times taken in Python.
 */
export const pythonStream: StreamClient = async (baseUrl, call) => {
  const timeout = `--timeout=${(call.timeoutMs ?? defaultTimeoutMs) / 1000}`;
  const args = [
    "server/interop/python_stream_client.py",
    new URL(baseUrl).host,
    call.method,
    ...streamFlags(call, timeout),
  ];
  const { exitCode, stdout, stderr } = await run(debianPython, args);
  if (exitCode !== 0 && exitCode !== 1) {
    throw new Error(`python_stream_client.py failed (exit ${exitCode}): ${stderr.trim()}`);
  }
  return seenFromPrinted(call.method, JSON.parse(stdout) as PrintedStream);
};

/**
 * How much longer than the call's deadline `buf curl --timeout` is given:
 * it bounds the whole command, from the process's start, so without the
 * allowance buf's own startup would eat into the call's time.
 */
const bufStartupMs = 1_000;

/**
 * `buf curl -v -d @-` with the requests written to its stdin one by one as
 * the script says; its verbose log (stderr) shows the response headers as
 * they arrive and the trailers at the end, stdout each response as JSON.
 * The deadline is `--timeout` (buf sends it as `grpc-timeout` or
 * `connect-timeout-ms`). buf reports how a call ended only once its stdin is
 * closed, so holding the request side open lasts until just past that
 * deadline. Cancelling kills buf's process group (SIGKILL; the connection
 * closes, which is what the server sees): on SIGINT buf cancels its call's
 * context but goes on waiting for stdin to end, and then half-closes
 * before it resets, so the handler would see its requests end.
 */
export function bufCurlStream(protocol: "grpc" | "connect"): StreamClient {
  return (baseUrl, call) =>
    new Promise((resolve, reject) => {
      const timeoutMs = (call.timeoutMs ?? defaultTimeoutMs) + bufStartupMs;
      const args = ["curl", "-v", "--protocol", protocol, "--http2-prior-knowledge"];
      args.push("--schema", "proto", "--timeout", `${timeoutMs}ms`);
      for (const line of headerLines(call)) args.push("-H", line);
      args.push("-d", "@-", baseUrl + pathOf(call.method));
      // Its own process group: node_modules/.bin/buf is a Node shim that runs
      // the real binary as a child, and a signal must reach both.
      const child = spawn(`${root}node_modules/.bin/buf`, args, { cwd: root, detached: true });
      const signalGroup = (name: NodeJS.Signals) => {
        if (child.pid !== undefined && child.exitCode === null) process.kill(-child.pid, name);
      };
      const rec = createRecorder();
      const replies: StreamReply[] = [];
      const inbox = createInbox<JsonValue>();
      let stderr = "";
      let stdout = "";
      let closed = false;
      let headersBeforeClose = false;
      let headersIn: () => void = () => {};
      const headersArrived = new Promise<void>((r) => {
        headersIn = r;
      });
      const close = () => {
        closed = true;
        child.stdin.end();
      };
      child.on("error", reject);
      child.stdin.on("error", () => {}); // buf may exit before it reads everything
      let headersSeen = false;
      child.stderr.on("data", (c: Buffer) => {
        stderr += c.toString();
        if (!headersSeen && headerBlockEnded(stderr)) {
          headersSeen = true;
          rec.at("headers");
          headersBeforeClose = call.method !== "SayHelloStream" && !closed;
          headersIn();
        }
      });
      child.stdout.on("data", (c: Buffer) => {
        stdout += c.toString();
        for (let i = stdout.indexOf("\n}\n"); i >= 0; i = stdout.indexOf("\n}\n")) {
          const json = JSON.parse(stdout.slice(0, i + 2)) as JsonValue;
          stdout = stdout.slice(i + 3);
          rec.at("message");
          replies.push(replyFromJson(call.method, json));
          inbox.push(json);
        }
      });
      const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((r) =>
        child.on("exit", (code, signal) => {
          rec.at("end");
          inbox.end();
          headersIn();
          r({ code, signal });
        }),
      );
      const requests = requestJson(call);
      const script = async () => {
        const chat = call.method === "SayHelloChat";
        child.stdin.write(`${requests[0]}\n`);
        if (call.method === "SayHelloStream") close();
        await headersArrived;
        if (chat) await inbox.next();
        for (const r of requests.slice(1)) {
          child.stdin.write(`${r}\n`);
          if (chat) await inbox.next();
        }
        if (call.end === "close") close();
        else if (call.end === "hold") setTimeout(close, timeoutMs + 500).unref();
        else {
          if (call.method === "SayHelloStream") await inbox.next();
          signalGroup("SIGKILL");
        }
        const { code, signal } = await exited;
        if (signal === "SIGKILL") {
          resolve(finish(Code.Canceled, "buf curl killed"));
          return;
        }
        const exitCode = code ?? -1;
        if (exitCode !== 0 && (exitCode < 8 || exitCode % 8 !== 0)) {
          reject(new Error(`buf curl failed (exit ${exitCode}): ${stderr.trim().slice(-2000)}`));
          return;
        }
        resolve(finish(exitCode >> 3, exitCode === 0 ? "" : bufErrorMessage(stderr)));
      };
      const finish = (code: number, statusMessage: string): StreamSeen => {
        const wire = stderr.includes("< (#")
          ? parseBufVerbose(stderr, pathOf(call.method))
          : { headers: [], trailers: [] };
        const headers = new Map<string, string[]>();
        const trailers = new Map<string, string[]>();
        const add = (map: Map<string, string[]>, [k, v]: [string, string]) =>
          map.set(k, [...(map.get(k) ?? []), v]);
        for (const e of wire.headers) add(headers, e);
        for (const e of wire.trailers) add(trailers, e);
        return {
          code,
          statusMessage,
          headers,
          trailers,
          replies,
          events: rec.events,
          headersBeforeClose,
        };
      };
      script().catch((e: unknown) => {
        signalGroup("SIGKILL");
        reject(e);
      });
    });
}

/** Whether buf's verbose log shows a complete response header block: a status line, then a blank `< (#n)` line. */
function headerBlockEnded(log: string): boolean {
  const lines = log.split("\n");
  const status = lines.findIndex((l) => /^buf: < \(#\d+\) HTTP\//.test(l));
  return status >= 0 && lines.slice(status + 1, -1).some((l) => /^buf: < \(#\d+\)\s*$/.test(l));
}
