// grpc-go in the interop matrix: server/interop/go (one Go program, no
// generated code) built with Debian's Go and grpc-go in GOPATH mode, then
// driven like the Python clients.
import { execFile } from "node:child_process";
import { join } from "node:path";
import { promisify } from "node:util";
import { fromBinary } from "@bufbuild/protobuf";
import { SayHelloResponseSchema } from "../../gen/hello/v1/hello_pb.js";
import { headerLines, type InteropClient, root, run } from "./clients.js";
import type { StreamClient } from "./stream-call.js";
import { seenFromPrinted, streamFlags } from "./stream-clients.js";

/** Where Debian's golang-google-grpc-dev and golang-google-protobuf-dev put their sources. */
export const debianGopath = "/usr/share/gocode";

/**
 * Builds server/interop/go into `dir` with `go build` in GOPATH mode against
 * Debian's packages (GOPATH=/usr/share/gocode, GO111MODULE=off: no module
 * download, no network) and resolves with the binary's path. Rejects with
 * what to install when Go or grpc-go is missing, or with the compiler's
 * output.
 */
export async function buildGoClient(dir: string): Promise<string> {
  const binary = join(dir, "hello-go-client");
  try {
    await promisify(execFile)("go", ["build", "-o", binary, "./server/interop/go"], {
      cwd: root,
      env: { ...process.env, GOPATH: debianGopath, GO111MODULE: "off", GOFLAGS: "" },
      timeout: 180_000,
    });
  } catch (e) {
    const err = e as NodeJS.ErrnoException & { stderr?: string };
    if (err.code === "ENOENT") {
      throw new Error(
        "go is not installed: apt-get install golang-go golang-google-grpc-dev golang-google-protobuf-dev (see .ci/run)",
      );
    }
    throw new Error(`go build ./server/interop/go failed: ${err.stderr ?? err.message}`);
  }
  return binary;
}

/** What the Go client prints for a unary call (see its usage). */
interface PrintedUnary {
  readonly code: number;
  readonly details: string;
  readonly headers: Record<string, string[]>;
  readonly trailers: Record<string, string[]>;
  readonly responses_base64?: string[] | null;
}

async function runGo(binary: string, args: string[]): Promise<string> {
  const { exitCode, stdout, stderr } = await run(binary, args);
  if (exitCode !== 0 && exitCode !== 1) {
    throw new Error(`hello-go-client failed (exit ${exitCode}): ${stderr.trim()}`);
  }
  return stdout;
}

/**
 * grpc-go's `ClientConn.Invoke` with `grpc.Header(&h)` and `grpc.Trailer(&t)`
 * (the binary from {@link buildGoClient}, asked for when the call is made).
 */
export function goUnary(binary: () => string): InteropClient {
  return async (baseUrl, call) => {
    const args = ["-addr", new URL(baseUrl).host, "-method", "SayHello", "-name", call.name];
    if (call.failCode) args.push("-fail-code", String(call.failCode));
    if (call.delayMs) args.push("-delay-ms", String(call.delayMs));
    for (const line of headerLines(call)) args.push("-H", line);
    const out = JSON.parse(await runGo(binary(), args)) as PrintedUnary;
    const bytes = out.responses_base64?.[0];
    const response = bytes
      ? fromBinary(SayHelloResponseSchema, Buffer.from(bytes, "base64"))
      : undefined;
    return {
      code: out.code,
      statusMessage: out.code === 0 ? "" : out.details,
      ...(response ? { response: { message: response.message, received: response.received } } : {}),
      headers: new Map(Object.entries(out.headers)),
      trailers: new Map(Object.entries(out.trailers)),
    };
  };
}

/**
 * grpc-go's `ClientConn.NewStream` (server, client and bidirectional
 * streams), headers from `Header()`, trailers from `Trailer()`, times taken
 * in Go.
 */
export function goStream(binary: () => string): StreamClient {
  return async (baseUrl, call) => {
    const timeout = `--timeout=${call.timeoutMs ?? 10_000}ms`;
    const args = ["-addr", new URL(baseUrl).host, "-method", call.method];
    args.push(...streamFlags(call, timeout));
    return seenFromPrinted(call.method, JSON.parse(await runGo(binary(), args)));
  };
}
