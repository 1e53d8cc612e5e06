// A small HTTP/2 load client on node:http2 that checks every answer on the
// wire: for gRPC the :status, the one length-prefixed message and the
// `grpc-status` trailer of each call; for Connect the :status and the JSON
// message. h2load cannot see trailers, so this is what proves that gRPC calls
// succeeded. It also tells a call the server refused cleanly (never
// accepted: connection refused, REFUSED_STREAM, above a GOAWAY's last stream
// id, or a connection closed before the server said anything) from one that
// broke after the server accepted it.
import * as http2 from "node:http2";
import { create, fromBinary, toBinary } from "@bufbuild/protobuf";
import { type RpcProtocol, requestContentType } from "@hello-metadata/metadata/internal";
import {
  HelloService,
  SayHelloRequestSchema,
  SayHelloResponseSchema,
} from "../../gen/hello/v1/hello_pb.js";
import { rpcPath } from "./rpc-path.js";

/** The protocols this client speaks: gRPC (protobuf) and Connect unary (JSON). */
export type Protocol = Extract<RpcProtocol, "grpc" | "connect">;

/** The SayHello path on every protocol, from the descriptor. */
export const sayHelloPath = rpcPath(HelloService.method.sayHello);

/** What a call asks for. */
export interface HelloRequest {
  readonly name: string;
  /** The handler waits this long before answering (0 = not at all). */
  readonly delayMs?: number;
  /** The call fails with this gRPC code (1-16); for checking the checks. */
  readonly failCode?: number;
}

/**
 * The request body exactly as it goes on the wire: for gRPC a 5-byte
 * envelope (flag 0, big-endian length) and the protobuf SayHelloRequest;
 * for Connect unary the JSON message.
 */
export function requestBody(protocol: Protocol, req: HelloRequest): Buffer {
  if (protocol === "connect") {
    return Buffer.from(
      JSON.stringify({
        name: req.name,
        ...(req.delayMs ? { delayMs: req.delayMs } : {}),
        ...(req.failCode ? { failCode: req.failCode } : {}),
      }),
    );
  }
  const message = toBinary(
    SayHelloRequestSchema,
    create(SayHelloRequestSchema, {
      name: req.name,
      delayMs: req.delayMs ?? 0,
      failCode: req.failCode ?? 0,
    }),
  );
  const envelope = Buffer.alloc(5 + message.length);
  envelope.writeUInt8(0, 0);
  envelope.writeUInt32BE(message.length, 1);
  Buffer.from(message).copy(envelope, 5);
  return envelope;
}

/** The request headers a protocol needs (h2load gets the same ones with -H). */
export function requestHeaders(protocol: Protocol): Record<string, string> {
  return protocol === "grpc"
    ? { "content-type": requestContentType("grpc"), te: "trailers" }
    : { "content-type": requestContentType("connect-json") };
}

/** One SayHello call as it goes on the wire, for a client or for h2load's -d and -H. */
export interface WireRequest {
  readonly path: string;
  readonly headers: Record<string, string>;
  readonly body: Buffer;
}

/**
 * The SayHello call of `protocol` asking for `request` (default
 * `{ name: "load" }`): its path, the protocol's headers with `headers` on
 * top, and its body.
 */
export function wireRequest(
  protocol: Protocol,
  request: HelloRequest = { name: "load" },
  headers: Readonly<Record<string, string>> = {},
): WireRequest {
  return {
    path: sayHelloPath,
    headers: { ...requestHeaders(protocol), ...headers },
    body: requestBody(protocol, request),
  };
}

/**
 * How one call ended:
 * - `ok`: a complete, correct answer (HTTP 200, the greeting, and for gRPC
 *   `grpc-status: 0`);
 * - `refused`: the server never accepted it, and said so cleanly;
 * - `broken`: anything else — an error status, a truncated answer, a reset
 *   after the server had accepted the call.
 */
export type Verdict = "ok" | "refused" | "broken";

/** One call's outcome. */
export interface CallRecord {
  readonly verdict: Verdict;
  /** Why: "ok", or what refused or broke it. */
  readonly reason: string;
  /** Which connection of the run (0, 1, …) carried it. */
  readonly connection: number;
  /** HTTP/2 stream id; undefined when no stream was opened. */
  readonly streamId: number | undefined;
  /** `performance.now()` when the call started and ended. */
  readonly startedAt: number;
  readonly endedAt: number;
  /** Response body bytes received (the message, for gRPC with its envelope). */
  readonly bodyBytes: number;
}

/** Options for {@link runLoad}. */
export interface LoadOptions {
  /** Server base URL, e.g. `http://127.0.0.1:8080`. */
  readonly url: string;
  readonly protocol: Protocol;
  /** Concurrent HTTP/2 connections. */
  readonly connections: number;
  /** Concurrent streams per connection. */
  readonly streams: number;
  /** Stop starting calls after this many; default no limit (use `signal`). */
  readonly calls?: number;
  /** Stop starting calls (and connections) once aborted. */
  readonly signal?: AbortSignal;
  /** The request; default `{ name: "load" }`. */
  readonly request?: HelloRequest;
  /** Extra request headers, e.g. a `user-agent`. */
  readonly headers?: Record<string, string>;
  /**
   * Open a new connection when one ends (after a GOAWAY, say) and retry a
   * refused connection every 10 ms, until done; default true.
   */
  readonly reconnect?: boolean;
  /** Called as each call ends. */
  readonly onCall?: (call: CallRecord) => void;
}

/** A GOAWAY a connection received. */
export interface GoawayRecord {
  /** Which connection of the run (0, 1, …) received it. */
  readonly connection: number;
  readonly code: number;
  readonly lastStreamId: number;
  readonly at: number;
}

/** Everything {@link runLoad} saw. */
export interface LoadResult {
  readonly calls: CallRecord[];
  /** Connection attempts that failed before TCP connected, by error code. */
  readonly refusedConnections: Map<string, number>;
  /** `performance.now()` of each refused connection attempt. */
  readonly refusedConnectionTimes: number[];
  readonly goaways: GoawayRecord[];
  /** Connections that were opened (TCP connected). */
  readonly connectionsOpened: number;
  readonly elapsedMs: number;
}

/** Counts of verdicts and of reasons. */
export interface LoadSummary {
  readonly ok: number;
  readonly refused: number;
  readonly broken: number;
  /** `verdict: reason` → count, sorted by count. */
  readonly reasons: [string, number][];
}

/** Counts a result's calls by verdict and reason. */
export function summarize(calls: readonly CallRecord[]): LoadSummary {
  const counts = { ok: 0, refused: 0, broken: 0 };
  const reasons = new Map<string, number>();
  for (const c of calls) {
    counts[c.verdict]++;
    const k = `${c.verdict}: ${c.reason}`;
    reasons.set(k, (reasons.get(k) ?? 0) + 1);
  }
  return { ...counts, reasons: [...reasons].sort((a, b) => b[1] - a[1]) };
}

const { NGHTTP2_REFUSED_STREAM } = http2.constants;

/**
 * Runs unary SayHello calls over `connections` × `streams` concurrent HTTP/2
 * streams until `calls` have been started or `signal` aborts, and resolves
 * once every started call has ended, with a verdict for each.
 */
export async function runLoad(options: LoadOptions): Promise<LoadResult> {
  const req = options.request ?? { name: "load" };
  const wire = wireRequest(options.protocol, req, options.headers);
  const body = wire.body;
  const expected = `Hello, ${req.name}`;
  const headers: http2.OutgoingHttpHeaders = {
    ":method": "POST",
    ":path": wire.path,
    ...wire.headers,
  };
  const reconnect = options.reconnect ?? true;
  const limit = options.calls ?? Number.POSITIVE_INFINITY;
  const calls: CallRecord[] = [];
  const refusedConnections = new Map<string, number>();
  const refusedConnectionTimes: number[] = [];
  const goaways: GoawayRecord[] = [];
  let connectionsOpened = 0;
  let nextConnection = 0;
  const record = (c: CallRecord) => {
    calls.push(c);
    options.onCall?.(c);
  };
  let started = 0;
  const done = () => started >= limit || options.signal?.aborted === true;
  const t0 = performance.now();

  const worker = async (): Promise<void> => {
    while (!done()) {
      const session = http2.connect(options.url);
      const connection = nextConnection++;
      let serverSpoke = false;
      let goaway: GoawayRecord | undefined;
      session.on("remoteSettings", () => {
        serverSpoke = true;
      });
      session.on("goaway", (code: number, lastStreamId: number) => {
        const g = { connection, code, lastStreamId, at: performance.now() };
        goaways.push(g);
        // A later GOAWAY may only lower the last stream id; keep the lowest.
        if (!goaway || lastStreamId < goaway.lastStreamId) goaway = g;
      });
      let sessionError: NodeJS.ErrnoException | undefined;
      session.on("error", (e: NodeJS.ErrnoException) => {
        sessionError = e;
      });
      const connected = await new Promise<boolean>((resolve) => {
        session.once("connect", () => resolve(true));
        session.once("close", () => resolve(false));
      });
      if (!connected) {
        const code = sessionError?.code ?? "closed before connecting";
        refusedConnections.set(code, (refusedConnections.get(code) ?? 0) + 1);
        refusedConnectionTimes.push(performance.now());
        if (!reconnect) return;
        await new Promise((r) => setTimeout(r, 10));
        continue;
      }
      connectionsOpened++;

      await new Promise<void>((resolve) => {
        let inFlight = 0;
        let finished = false;
        const usable = () => !session.closed && !session.destroyed;
        const pump = () => {
          while (inFlight < options.streams && !done() && usable()) {
            if (!call()) break;
          }
          if (inFlight === 0 && (done() || !usable()) && !finished) {
            finished = true;
            resolve();
          }
        };
        const call = (): boolean => {
          started++;
          const startedAt = performance.now();
          let stream: http2.ClientHttp2Stream;
          try {
            stream = session.request(headers);
          } catch (e) {
            // The session is going away (a GOAWAY arrived): nothing was sent.
            record({
              verdict: "refused",
              reason: `not sent: ${(e as NodeJS.ErrnoException).code ?? String(e)}`,
              connection,
              streamId: undefined,
              startedAt,
              endedAt: performance.now(),
              bodyBytes: 0,
            });
            return false;
          }
          inFlight++;
          let response: http2.IncomingHttpHeaders | undefined;
          let trailers: http2.IncomingHttpHeaders | undefined;
          const chunks: Buffer[] = [];
          let ended = false;
          let streamError: NodeJS.ErrnoException | undefined;
          stream.on("response", (h) => {
            response = h;
          });
          stream.on("trailers", (t) => {
            trailers = t;
          });
          stream.on("data", (c: Buffer) => chunks.push(c));
          stream.on("end", () => {
            ended = true;
          });
          stream.on("error", (e: NodeJS.ErrnoException) => {
            streamError = e;
          });
          stream.on("close", () => {
            inFlight--;
            const data = Buffer.concat(chunks);
            const [verdict, reason] = judge({
              protocol: options.protocol,
              expected,
              response,
              trailers,
              data,
              ended,
              rstCode: stream.rstCode,
              streamId: stream.id,
              streamError,
              serverSpoke,
              goaway,
            });
            record({
              verdict,
              reason,
              connection,
              streamId: stream.id,
              startedAt,
              endedAt: performance.now(),
              bodyBytes: data.length,
            });
            // Let the stream's other close handlers run before the next call.
            setImmediate(pump);
          });
          stream.end(body);
          return true;
        };
        session.once("close", () => setImmediate(pump));
        pump();
      });
      session.close();
      if (!reconnect) return;
    }
  };

  await Promise.all(Array.from({ length: options.connections }, worker));
  return {
    calls,
    refusedConnections,
    refusedConnectionTimes,
    goaways,
    connectionsOpened,
    elapsedMs: performance.now() - t0,
  };
}

interface Observed {
  readonly protocol: Protocol;
  readonly expected: string;
  readonly response: http2.IncomingHttpHeaders | undefined;
  readonly trailers: http2.IncomingHttpHeaders | undefined;
  readonly data: Buffer;
  readonly ended: boolean;
  readonly rstCode: number | undefined;
  readonly streamId: number | undefined;
  readonly streamError: NodeJS.ErrnoException | undefined;
  readonly serverSpoke: boolean;
  readonly goaway: GoawayRecord | undefined;
}

/** The verdict on one call, from what the stream saw. */
function judge(o: Observed): [Verdict, string] {
  if (o.response === undefined) {
    // No response headers: refused cleanly only if the server said it never
    // took the stream, or never said anything at all on this connection.
    if (o.rstCode === NGHTTP2_REFUSED_STREAM) return ["refused", "REFUSED_STREAM"];
    if (o.goaway && o.streamId !== undefined && o.streamId > o.goaway.lastStreamId) {
      return ["refused", "above the GOAWAY last stream id"];
    }
    if (!o.serverSpoke) return ["refused", "connection closed before the server spoke"];
    return [
      "broken",
      `no response (rst ${o.rstCode ?? "none"}, ${o.streamError?.code ?? "no error"}${
        o.goaway ? `, GOAWAY last ${o.goaway.lastStreamId}, stream ${o.streamId}` : ""
      })`,
    ];
  }
  if (o.streamError || !o.ended || (o.rstCode !== undefined && o.rstCode !== 0)) {
    return [
      "broken",
      `truncated after the response started (rst ${o.rstCode ?? "none"}, ${o.streamError?.code ?? "no error"})`,
    ];
  }
  const status = Number(o.response[":status"]);
  if (status !== 200) return ["broken", `HTTP ${status}`];
  const contentType = String(o.response["content-type"] ?? "");
  if (o.protocol === "connect") {
    if (!contentType.startsWith("application/json"))
      return ["broken", `content-type ${contentType}`];
    let message: unknown;
    try {
      message = (JSON.parse(o.data.toString("utf8")) as { message?: unknown }).message;
    } catch {
      return ["broken", "body is not JSON"];
    }
    return message === o.expected ? ["ok", "ok"] : ["broken", "wrong message"];
  }
  if (!contentType.startsWith("application/grpc")) return ["broken", `content-type ${contentType}`];
  // grpc-status is in the trailers, or in the headers of a trailers-only answer.
  const grpcStatus = o.trailers?.["grpc-status"] ?? o.response["grpc-status"];
  if (grpcStatus === undefined) return ["broken", "no grpc-status"];
  if (grpcStatus !== "0") {
    return [
      "broken",
      `grpc-status ${String(grpcStatus)} ${String(o.trailers?.["grpc-message"] ?? o.response["grpc-message"] ?? "")}`,
    ];
  }
  if (o.data.length < 5) return ["broken", `body of ${o.data.length} bytes, no message`];
  const length = o.data.readUInt32BE(1);
  if (o.data[0] !== 0 || o.data.length !== 5 + length) {
    return ["broken", `bad envelope (flag ${o.data[0]}, length ${length}, ${o.data.length} bytes)`];
  }
  try {
    const res = fromBinary(SayHelloResponseSchema, o.data.subarray(5));
    return res.message === o.expected ? ["ok", "ok"] : ["broken", "wrong message"];
  } catch {
    return ["broken", "message does not decode"];
  }
}
