// sendHeader sends now, as grpc-go's does: SayHelloStream with delay_ms
// sends its headers with sendHeader as the call starts and waits delay_ms
// before the first greeting, so every client sees the headers at about
// 0 ms and the first message at about delay_ms — grpc-js, grpcio, grpc-go,
// connect-node over gRPC, Connect and gRPC-Web (HTTP/2). (The browser's
// view is e2e/stream.spec.ts.) A server whose handler writes its headers
// without the library (`metadata: false`) is the control: there the
// headers can only leave with the first message, and the same measurement
// shows it. The run ends with the table of times.
import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import type { RunningServer } from "./app.js";
import { buildGoClient, goStream } from "./interop/go-client.js";
import type { StreamCall, StreamClient, StreamSeen } from "./interop/stream-call.js";
import { connectNodeStream, grpcJsStream, pythonStream } from "./interop/stream-clients.js";
import { startTestServer } from "./testing.js";

const delayMs = 1500;
/** How early "at once" is: connection set-up and a Python thread hop fit well inside. */
const promptMs = 500;

const goDir = mkdtempSync(join(tmpdir(), "hello-go-"));
let goBinary = "";
let server: RunningServer;
let plain: RunningServer;
before(async () => {
  [server, plain, goBinary] = await Promise.all([
    startTestServer(),
    startTestServer(undefined, { metadata: false }),
    buildGoClient(goDir),
  ]);
});

const measured: string[][] = [];
after(async () => {
  await Promise.all([server?.close(), plain?.close()]);
  rmSync(goDir, { recursive: true, force: true });
  printTable();
});

const clients: readonly { readonly name: string; readonly call: StreamClient }[] = [
  { name: "@grpc/grpc-js (gRPC)", call: grpcJsStream },
  { name: "python3-grpcio (gRPC)", call: pythonStream },
  { name: "grpc-go (gRPC)", call: goStream(() => goBinary) },
  { name: "connect-node gRPC (HTTP/2)", call: connectNodeStream("grpc") },
  { name: "connect-node Connect (HTTP/2)", call: connectNodeStream("connect") },
  { name: "connect-node gRPC-Web (HTTP/2)", call: connectNodeStream("grpc-web") },
];

const call: StreamCall = {
  method: "SayHelloStream",
  names: ["Early"],
  count: 1,
  delayMs,
  text: {},
  binary: {},
  end: "close",
};

/** When the client saw the headers and the first message, in ms since it started the call. */
function timesOf(seen: StreamSeen): { headers: number; first: number } {
  assert.equal(seen.code, 0, `the call failed: ${seen.statusMessage}`);
  const headers = seen.events.find((e) => e.kind === "headers")?.atMs;
  const first = seen.events.find((e) => e.kind === "message")?.atMs;
  assert.ok(headers !== undefined && first !== undefined, "headers and a message");
  return { headers, first };
}

// One call at a time: the clients in this process share its event loop with
// the server, and the times are the point.
describe(`SayHelloStream delay_ms ${delayMs}: headers at once, the first message ${delayMs} ms later`, () => {
  for (const client of clients) {
    it(client.name, async () => {
      const seen = await client.call(server.url, call);
      const { headers, first } = timesOf(seen);
      measured.push([client.name, "library (sendHeader)", headers.toFixed(0), first.toFixed(0)]);
      assert.ok(seen.headers.has("response-time"), "the headers sendHeader sent");
      assert.ok(headers < promptMs, `headers at ${headers.toFixed(0)} ms, not at once`);
      assert.ok(
        first - headers >= delayMs - 100,
        `first message ${(first - headers).toFixed(0)} ms after the headers`,
      );
      assert.ok(first < delayMs + promptMs + 500, `first message at ${first.toFixed(0)} ms`);
    });
  }

  it("control: headers written without sendHeader leave with the first message", async () => {
    const seen = await grpcJsStream(plain.url, call);
    const { headers, first } = timesOf(seen);
    measured.push([
      "@grpc/grpc-js (gRPC)",
      "plain writes (control)",
      headers.toFixed(0),
      first.toFixed(0),
    ]);
    assert.ok(headers >= delayMs - 100, `headers at ${headers.toFixed(0)} ms`);
    assert.ok(first - headers < 100, "together with the first message");
  });
});

function printTable(): void {
  const header = ["client", "server writes", "headers ms", "first message ms"];
  const widths = header.map((h, i) =>
    Math.max(h.length, ...measured.map((l) => (l[i] ?? "").length)),
  );
  const format = (cells: string[]) => cells.map((c, i) => c.padEnd(widths[i] ?? 0)).join("  ");
  console.log(
    [
      "",
      `sendHeader timing (SayHelloStream delay_ms ${delayMs}, ms since the client started the call):`,
      format(header),
      format(widths.map((w) => "-".repeat(w))),
      ...measured.map(format),
      "",
    ].join("\n"),
  );
}
