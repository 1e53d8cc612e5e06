// The bystander: an ordinary client that did nothing wrong. After each
// round of fuzz cases it makes one unary SayHello over gRPC on a fresh h2c
// connection; a server that cannot answer it within the bound is wedged,
// however alive its process looks.
import * as http2 from "node:http2";
import { fromBinary } from "@bufbuild/protobuf";
import { HelloService, SayHelloResponseSchema } from "../../gen/hello/v1/hello_pb.js";
import { requestBody, requestHeaders } from "../kit/h2-calls.js";

/** How the bystander's call went. */
export interface BystanderResult {
  readonly ok: boolean;
  /** "ok", or what went wrong (a timeout, a refused connection, a wrong answer). */
  readonly reason: string;
  readonly ms: number;
}

const path = `/${HelloService.typeName}/${HelloService.method.sayHello.name}`;
const name = "bystander";

/** The `x-request-id` of every bystander call, so that its log lines are not counted as the fuzzer's. */
export const bystanderRequestId = "survival-bystander";

/**
 * Calls SayHello over gRPC on a new HTTP/2 connection to `url` and checks
 * the whole answer: HTTP 200, one message saying "Hello, bystander", and
 * `grpc-status: 0`. Resolves (never rejects) within about `timeoutMs`; the
 * connection is destroyed either way.
 */
export function callBystander(url: string, timeoutMs: number): Promise<BystanderResult> {
  const started = performance.now();
  return new Promise((resolve) => {
    const session = http2.connect(url);
    let settled = false;
    const finish = (ok: boolean, reason: string) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      session.destroy();
      resolve({ ok, reason, ms: performance.now() - started });
    };
    const timer = setTimeout(() => finish(false, `no answer within ${timeoutMs} ms`), timeoutMs);
    session.on("error", (e: NodeJS.ErrnoException) =>
      finish(false, `connection: ${e.code ?? e.message}`),
    );
    const stream = session.request({
      ":method": "POST",
      ":path": path,
      ...requestHeaders("grpc"),
      "x-request-id": bystanderRequestId,
    });
    let headers: http2.IncomingHttpHeaders = {};
    let trailers: http2.IncomingHttpHeaders = {};
    const chunks: Buffer[] = [];
    stream.on("response", (h) => {
      headers = h;
    });
    stream.on("trailers", (t) => {
      trailers = t;
    });
    stream.on("data", (c: Buffer) => chunks.push(c));
    stream.on("error", (e: NodeJS.ErrnoException) =>
      finish(false, `stream: ${e.code ?? e.message}`),
    );
    stream.on("close", () => {
      // Node gives :status as a number, whatever its header type says.
      const status = Number(headers[":status"] ?? 0);
      if (status !== 200)
        return finish(false, `HTTP ${status || "(no response)"}, rst ${stream.rstCode}`);
      const grpcStatus = trailers["grpc-status"] ?? headers["grpc-status"];
      if (grpcStatus !== "0") return finish(false, `grpc-status ${String(grpcStatus)}`);
      const body = Buffer.concat(chunks);
      try {
        const message = fromBinary(SayHelloResponseSchema, body.subarray(5)).message;
        if (
          body.length < 5 ||
          body.readUInt32BE(1) !== body.length - 5 ||
          message !== `Hello, ${name}`
        ) {
          return finish(false, `wrong answer ${JSON.stringify(message)}`);
        }
      } catch {
        return finish(false, "answer does not decode");
      }
      finish(true, "ok");
    });
    stream.end(requestBody("grpc", { name }));
  });
}
