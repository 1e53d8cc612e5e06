// The bystander: an ordinary client that did nothing wrong. After each
// round of fuzz cases it makes one unary SayHello over gRPC on a fresh h2c
// connection, from another address than the fuzzer's (127.0.0.2: the
// server's per-client budgets may rightly hold the fuzzer's own address
// off); a server that cannot answer it within the bound is wedged, however
// alive its process looks.
import { fromBinary } from "@bufbuild/protobuf";
import { HelloService, SayHelloResponseSchema } from "../../gen/hello/v1/hello_pb.js";
import { requestBody, requestHeaders } from "../kit/h2-calls.js";
import { h2Request } from "../kit/wire-probes.js";

/** How the bystander's call went. */
export interface BystanderResult {
  readonly ok: boolean;
  /** "ok", or what went wrong (no answer in time, no response, a wrong answer). */
  readonly reason: string;
  readonly ms: number;
}

const path = `/${HelloService.typeName}/${HelloService.method.sayHello.name}`;
const name = "bystander";

/** Where the bystander calls from: a client apart from the fuzzer (127.0.0.1). */
export const bystanderAddress = "127.0.0.2";

/** The `x-request-id` of every bystander call, so that its log lines are not counted as the fuzzer's. */
export const bystanderRequestId = "survival-bystander";

/**
 * Calls SayHello over gRPC on a new HTTP/2 connection to `url` and checks
 * the whole answer: HTTP 200, one message saying "Hello, bystander", and
 * `grpc-status: 0`. Resolves (never rejects) within about `timeoutMs`, after
 * which the call is cancelled.
 */
export async function callBystander(url: string, timeoutMs: number): Promise<BystanderResult> {
  const started = performance.now();
  const res = await h2Request(
    url,
    { ":path": path, ...requestHeaders("grpc"), "x-request-id": bystanderRequestId },
    requestBody("grpc", { name }),
    { timeoutMs, localAddress: bystanderAddress },
  );
  const ms = performance.now() - started;
  const fail = (reason: string): BystanderResult => ({ ok: false, reason, ms });
  if (ms >= timeoutMs) return fail(`no answer within ${timeoutMs} ms`);
  if (res.status !== 200)
    return fail(`HTTP ${res.status ?? "(no response)"}, rst ${res.rstCode ?? "none"}`);
  if (res.grpcStatus !== 0) return fail(`grpc-status ${res.grpcStatus} ${res.grpcMessage ?? ""}`);
  const length = res.body.length >= 5 ? res.body.readUInt32BE(1) : -1;
  let message: string | undefined;
  try {
    message = fromBinary(SayHelloResponseSchema, res.body.subarray(5)).message;
  } catch {
    return fail("the answer does not decode");
  }
  if (length !== res.body.length - 5 || message !== `Hello, ${name}`) {
    return fail(`wrong answer ${JSON.stringify(message)}`);
  }
  return { ok: true, reason: "ok", ms };
}
