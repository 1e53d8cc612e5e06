// The streaming row: SayHelloStream over gRPC (h2c) with count 100 and an
// explicit interval_ms 0 (no wait between greetings), what its request
// looks like on the wire, and a check of one answer in full — 100
// greetings in order, the `response-time` header, `grpc-status: 0` and
// `processing-ms` in the trailers — over node:http2.
import * as http2 from "node:http2";
import { create, fromBinary, toBinary } from "@bufbuild/protobuf";
import {
  HelloService,
  SayHelloStreamRequestSchema,
  SayHelloStreamResponseSchema,
} from "../../gen/hello/v1/hello_pb.js";
import { rpcPath } from "../../scripts/kit/rpc-path.js";
import { benchName, requestHeaders } from "./wire.js";

export const streamPath = rpcPath(HelloService.method.sayHelloStream);
/** Greetings per streaming call. */
export const streamCount = 100;

/** The enveloped SayHelloStreamRequest: count 100, interval_ms 0 set explicitly. */
export function streamRequestBody(): Buffer {
  const msg = toBinary(
    SayHelloStreamRequestSchema,
    create(SayHelloStreamRequestSchema, { name: benchName, count: streamCount, intervalMs: 0 }),
  );
  const out = Buffer.alloc(5 + msg.length);
  out.writeUInt32BE(msg.length, 1);
  out.set(msg, 5);
  return out;
}

export const streamHeaders = (): Record<string, string> => requestHeaders("grpc");

/** What checking streaming calls showed. */
export interface StreamCheck {
  readonly calls: number;
  readonly ok: number;
  readonly failures: Record<string, number>;
  /** Response body bytes of each ok call. */
  readonly bodyBytes: number[];
}

/** Makes `calls` SayHelloStream calls one after the other and judges each answer. */
export async function checkStream(
  url: string,
  calls: number,
  userAgent: string,
): Promise<StreamCheck> {
  const session = http2.connect(url);
  session.on("error", () => {});
  const failures: Record<string, number> = {};
  const bodyBytes: number[] = [];
  let ok = 0;
  try {
    for (let i = 0; i < calls; i++) {
      let verdict: string;
      let bytes = 0;
      try {
        const a = await streamCall(session, userAgent);
        bytes = a.body.length;
        verdict = judgeStream(a);
      } catch (e) {
        verdict = `no answer (${(e as Error).message})`;
      }
      if (verdict === "ok") {
        ok++;
        bodyBytes.push(bytes);
      } else failures[verdict] = (failures[verdict] ?? 0) + 1;
    }
  } finally {
    session.close();
  }
  return { calls, ok, failures, bodyBytes };
}

interface StreamAnswer {
  status: number;
  headers: http2.IncomingHttpHeaders;
  trailers: http2.IncomingHttpHeaders;
  body: Buffer;
}

function streamCall(session: http2.ClientHttp2Session, userAgent: string): Promise<StreamAnswer> {
  return new Promise((resolve, reject) => {
    const stream = session.request({
      ":method": "POST",
      ":path": streamPath,
      ...streamHeaders(),
      "user-agent": userAgent,
    });
    stream.setTimeout(10_000, () => stream.close(http2.constants.NGHTTP2_CANCEL));
    let headers: http2.IncomingHttpHeaders | undefined;
    let trailers: http2.IncomingHttpHeaders = {};
    const chunks: Buffer[] = [];
    stream.on("response", (h) => {
      headers = h;
    });
    stream.on("trailers", (t) => {
      trailers = t;
    });
    stream.on("data", (c: Buffer) => chunks.push(c));
    stream.on("error", reject);
    stream.on("close", () =>
      headers
        ? resolve({
            status: Number(headers[":status"]),
            headers,
            trailers,
            body: Buffer.concat(chunks),
          })
        : reject(new Error(`rst ${stream.rstCode}`)),
    );
    stream.end(streamRequestBody());
  });
}

function judgeStream(a: StreamAnswer): string {
  if (a.status !== 200) return `HTTP ${a.status}`;
  if (!a.headers["response-time"]) return "no response-time header";
  if (a.trailers["grpc-status"] !== "0") return `grpc-status ${a.trailers["grpc-status"]}`;
  if (!/^\d+(\.\d+)?$/.test(String(a.trailers["processing-ms"] ?? ""))) {
    return "no processing-ms trailer";
  }
  let at = 0;
  let n = 0;
  while (at < a.body.length) {
    if (a.body.length - at < 5 || a.body[at] !== 0) return "bad envelope";
    const len = a.body.readUInt32BE(at + 1);
    const m = fromBinary(SayHelloStreamResponseSchema, a.body.subarray(at + 5, at + 5 + len));
    n++;
    if (m.index !== n || m.message !== `Hello, ${benchName} (${n}/${streamCount})`) {
      return `message ${n} is ${JSON.stringify(m.message)}`;
    }
    at += 5 + len;
  }
  return n === streamCount ? "ok" : `${n} greetings, want ${streamCount}`;
}
