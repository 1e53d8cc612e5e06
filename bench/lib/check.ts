// A small checking client: sends a sample of SayHello calls the way h2load
// does (same bytes, same headers, same user-agent) over node:http2 or
// node:http, and judges every answer in full — status, greeting,
// `response-time` header, `processing-ms` trailer and, for gRPC and
// gRPC-Web, `grpc-status` (which h2load cannot see: it reads no trailers).
import * as http from "node:http";
import * as http2 from "node:http2";
import { sayHelloPath } from "../../scripts/kit/h2-calls.js";
import { type Answer, judgeAnswer, type Row, requestBody, requestHeaders } from "./wire.js";

/** What a sample showed. */
export interface SampleResult {
  readonly calls: number;
  readonly ok: number;
  /** Reason → count, for the calls that were not ok. */
  readonly failures: Record<string, number>;
  /** Response body bytes of each ok call. */
  readonly bodyBytes: number[];
}

export interface SampleOptions {
  readonly url: string;
  readonly row: Row;
  readonly calls: number;
  /** Calls in flight at once. */
  readonly concurrency: number;
  /** The user-agent to send (h2load's, so answers that echo it match h2load's in size). */
  readonly userAgent: string;
  readonly timeoutMs?: number;
}

/** Sends `calls` calls, `concurrency` at a time, and judges each answer. */
export async function checkSample(o: SampleOptions): Promise<SampleResult> {
  const failures: Record<string, number> = {};
  const bodyBytes: number[] = [];
  let ok = 0;
  const send = o.row.http === "h2c" ? h2Sender(o) : h1Sender(o);
  let started = 0;
  const worker = async () => {
    while (started < o.calls) {
      started++;
      let verdict: string;
      let answer: Answer | undefined;
      try {
        answer = await send.call();
        verdict = judgeAnswer(o.row.encoding, answer);
      } catch (e) {
        verdict = `no answer (${(e as NodeJS.ErrnoException).code ?? (e as Error).message})`;
      }
      if (verdict === "ok" && answer) {
        ok++;
        bodyBytes.push(answer.body.length);
      } else failures[verdict] = (failures[verdict] ?? 0) + 1;
    }
  };
  try {
    await Promise.all(Array.from({ length: Math.max(1, o.concurrency) }, worker));
  } finally {
    send.close();
  }
  return { calls: o.calls, ok, failures, bodyBytes };
}

interface Sender {
  call(): Promise<Answer>;
  close(): void;
}

function h2Sender(o: SampleOptions): Sender {
  const session = http2.connect(o.url);
  session.on("error", () => {});
  const body = requestBody(o.row.encoding);
  const headers: http2.OutgoingHttpHeaders = {
    ":method": "POST",
    ":path": sayHelloPath,
    ...requestHeaders(o.row.encoding),
    "user-agent": o.userAgent,
  };
  return {
    call: () =>
      new Promise<Answer>((resolve, reject) => {
        const stream = session.request(headers);
        stream.setTimeout(o.timeoutMs ?? 10_000, () =>
          stream.close(http2.constants.NGHTTP2_CANCEL),
        );
        let response: http2.IncomingHttpHeaders | undefined;
        let trailers: http2.IncomingHttpHeaders = {};
        const chunks: Buffer[] = [];
        stream.on("response", (h) => {
          response = h;
        });
        stream.on("trailers", (t) => {
          trailers = t;
        });
        stream.on("data", (c: Buffer) => chunks.push(c));
        stream.on("error", reject);
        stream.on("close", () => {
          if (!response) {
            reject(new Error(`no response (rst ${stream.rstCode})`));
            return;
          }
          resolve({
            status: Number(response[":status"]),
            headers: response,
            trailers,
            body: Buffer.concat(chunks),
          });
        });
        stream.end(body);
      }),
    close: () => session.close(),
  };
}

function h1Sender(o: SampleOptions): Sender {
  const agent = new http.Agent({ keepAlive: true, maxSockets: o.concurrency });
  const body = requestBody(o.row.encoding);
  const headers = {
    ...requestHeaders(o.row.encoding),
    "user-agent": o.userAgent,
    "content-length": String(body.length),
  };
  return {
    call: () =>
      new Promise<Answer>((resolve, reject) => {
        const req = http.request(
          `${o.url}${sayHelloPath}`,
          { method: "POST", headers, agent, timeout: o.timeoutMs ?? 10_000 },
          (res) => {
            const chunks: Buffer[] = [];
            res.on("data", (c: Buffer) => chunks.push(c));
            res.on("error", reject);
            res.on("end", () =>
              resolve({
                status: res.statusCode ?? 0,
                headers: res.headers,
                trailers: res.trailers,
                body: Buffer.concat(chunks),
              }),
            );
          },
        );
        req.on("timeout", () => req.destroy(new Error("timeout")));
        req.on("error", reject);
        req.end(body);
      }),
    close: () => agent.destroy(),
  };
}
