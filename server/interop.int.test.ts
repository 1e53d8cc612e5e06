// The interop matrix: the clients people already use, each against the real
// server on a real port. Every RPC shape carries metadata the grpc-go way.
//
// Unary (SayHello): every row sends the same text and binary metadata and
// checks that (a) the server received both, and (b) the client read
// `response-time` and `x-request-id` as headers and `processing-ms` as a
// trailer, the way its protocol carries them — on a successful call and on
// a failing one (NOT_FOUND) — and (c) that the client reads a status message
// exactly as the server wrote it (`delay_ms must be at most 60000, got
// 70000`; gRPC sends it in grpc-message as the spec encodes it).
//
// Streaming (SayHelloStream, SayHelloAll, SayHelloChat), every client that
// can make them, each running the script of interop/stream-call.ts: request
// metadata reaches the handler; the headers arrive before the first response
// message (for client and bidirectional streams, while the request side is
// still open: sendHeader sends them at once); trailers after the last;
// errors with both, apart; a deadline that passes mid-stream ends the call
// DEADLINE_EXCEEDED; a cancel reaches the handler (the server logs the call
// `canceled`).
//
// A missing client fails its row with the reason; nothing is skipped.
// Adding a client is adding a row (the drivers are in server/interop/). The
// run ends with two pass/fail tables.
import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import type { RunningServer } from "./app.js";
import {
  bufCurl,
  connectNode,
  curlConnect,
  grpcJs,
  type InteropCall,
  type InteropClient,
  pythonGrpcio,
  type Seen,
} from "./interop/clients.js";
import { buildGoClient, goStream, goUnary } from "./interop/go-client.js";
import { protobufTs } from "./interop/protobuf-ts-client.js";
import { captureLog } from "./interop/server-log.js";
import type { StreamCall, StreamClient, StreamMethod, StreamSeen } from "./interop/stream-call.js";
import {
  bufCurlStream,
  connectNodeStream,
  grpcJsStream,
  pythonStream,
} from "./interop/stream-clients.js";
import { startTestServer } from "./testing.js";

interface Row {
  readonly client: string;
  readonly protocol: string;
  readonly http: "HTTP/1.1" | "h2c";
  readonly call: InteropClient;
  /**
   * Why this client cannot show the trailers, when it cannot. The row then
   * checks that it indeed shows none, so the note cannot go stale silently.
   */
  readonly trailersHidden?: string;
}

const rows: readonly Row[] = [
  {
    client: "curl",
    protocol: "Connect JSON POST",
    http: "HTTP/1.1",
    call: curlConnect({ http: "1.1", method: "POST", encoding: "json" }),
  },
  {
    client: "curl",
    protocol: "Connect JSON POST",
    http: "h2c",
    call: curlConnect({ http: "h2c", method: "POST", encoding: "json" }),
  },
  {
    client: "curl",
    protocol: "Connect proto POST",
    http: "HTTP/1.1",
    call: curlConnect({ http: "1.1", method: "POST", encoding: "proto" }),
  },
  {
    client: "curl",
    protocol: "Connect JSON GET",
    http: "HTTP/1.1",
    call: curlConnect({ http: "1.1", method: "GET", encoding: "json" }),
  },
  {
    client: "curl",
    protocol: "Connect proto GET",
    http: "h2c",
    call: curlConnect({ http: "h2c", method: "GET", encoding: "proto" }),
  },
  {
    client: "buf curl --schema proto",
    protocol: "Connect",
    http: "HTTP/1.1",
    call: bufCurl({ protocol: "connect", h2c: false, schema: "proto" }),
  },
  {
    client: "buf curl --schema proto",
    protocol: "gRPC",
    http: "h2c",
    call: bufCurl({ protocol: "grpc", h2c: true, schema: "proto" }),
  },
  {
    client: "buf curl --schema proto",
    protocol: "gRPC-Web",
    http: "HTTP/1.1",
    call: bufCurl({ protocol: "grpcweb", h2c: false, schema: "proto" }),
    trailersHidden: "buf curl -v does not print gRPC-Web trailer frames",
  },
  {
    client: "buf curl (reflection)",
    protocol: "gRPC",
    http: "h2c",
    call: bufCurl({ protocol: "grpc", h2c: true, schema: "reflection" }),
  },
  {
    client: "buf curl (reflection)",
    protocol: "Connect",
    http: "h2c",
    call: bufCurl({ protocol: "connect", h2c: true, schema: "reflection" }),
  },
  { client: "@grpc/grpc-js", protocol: "gRPC", http: "h2c", call: grpcJs },
  { client: "python3-grpcio", protocol: "gRPC", http: "h2c", call: pythonGrpcio },
  { client: "grpc-go (Debian)", protocol: "gRPC", http: "h2c", call: goUnary(() => goBinary) },
  {
    client: "protobuf-ts grpc-transport",
    protocol: "gRPC",
    http: "h2c",
    call: protobufTs,
  },
  {
    client: "connect-node",
    protocol: "Connect JSON",
    http: "HTTP/1.1",
    call: connectNode("connect", "1.1"),
  },
  { client: "connect-node", protocol: "gRPC", http: "h2c", call: connectNode("grpc", "2") },
  {
    client: "connect-node",
    protocol: "gRPC-Web",
    http: "HTTP/1.1",
    call: connectNode("grpc-web", "1.1"),
  },
];

/** Five bytes with 0x00 and 0xff; their padded standard base64 is below. */
const traceBytes = new Uint8Array([0x00, 0xff, 0x01, 0x80, 0x7f]);
const traceBase64 = "AP8BgH8=";

const log = captureLog();
let server: RunningServer;
const goDir = mkdtempSync(join(tmpdir(), "hello-go-"));
let goBinary = "";
before(async () => {
  [server, goBinary] = await Promise.all([startTestServer(log.stream), buildGoClient(goDir)]);
});

type Outcome = "pass" | `FAIL: ${string}`;
const outcomes = new Map<string, Partial<Record<string, Outcome>>>();

after(async () => {
  await server?.close();
  rmSync(goDir, { recursive: true, force: true });
  printTables();
});

/** What a client must read, exactly, for `delay_ms: 70000`. */
const writtenMessage = "delay_ms must be at most 60000, got 70000";

const labelOf = (row: Row) => `${row.client} / ${row.protocol} / ${row.http}`;

for (const row of rows) {
  const label = labelOf(row);
  const callOf = (failCode?: number): InteropCall => ({
    name: "Junxi",
    ...(failCode ? { failCode } : {}),
    text: { "x-interop": label },
    binary: { "x-trace-bin": traceBytes },
  });

  describe(label, () => {
    it("call: the server saw the metadata; headers and trailer read apart", async () => {
      await recorded(label, "call", async () => {
        const seen = await row.call(server.url, callOf());
        assert.equal(seen.code, 0, `the call failed with code ${seen.code}`);
        assert.ok(seen.response, "a response");
        assert.equal(seen.response.message, "Hello, Junxi");
        const received = new Map(seen.response.received.map((e) => [e.key, e.values]));
        assert.deepEqual(received.get("x-interop"), [label], "text metadata arrived");
        assert.deepEqual(received.get("x-trace-bin"), [traceBase64], "binary metadata arrived");
        const id = assertHeaders(seen);
        assert.deepEqual(received.get("x-request-id"), [id], "x-request-id is the request's id");
        assertTrailer(row, seen);
      });
    });

    it("error call: NOT_FOUND, with the headers and the trailer", async () => {
      await recorded(label, "error", async () => {
        const seen = await row.call(server.url, callOf(5));
        assert.equal(seen.code, 5, `expected NOT_FOUND (5), got ${seen.code}`);
        assert.equal(seen.response, undefined);
        assertHeaders(seen);
        assertTrailer(row, seen);
      });
    });

    it(`status message as written: "${writtenMessage}"`, async () => {
      await recorded(label, "message", async () => {
        const seen = await row.call(server.url, { ...callOf(), delayMs: 70_000 });
        assert.equal(seen.code, 3, `expected INVALID_ARGUMENT (3), got ${seen.code}`);
        assert.equal(seen.statusMessage, writtenMessage);
        assertHeaders(seen);
      });
    });
  });
}

interface StreamRow {
  readonly client: string;
  readonly protocol: string;
  readonly call: StreamClient;
  /**
   * A method whose successful call's trailers this client cannot show, and
   * why. The case then checks that it indeed shows none, so the note cannot
   * go stale silently.
   */
  readonly trailersHidden?: { readonly method: StreamMethod; readonly reason: string };
  /**
   * Set for clients on Node's http2 client: cancelling a stream whose
   * request side is open (its own cancel, or its deadline) sends END_STREAM
   * just before RST_STREAM, so a handler waiting for the next request may
   * see the requests end, answer, and only then be reset. For SayHelloAll
   * and SayHelloChat the server's log line may then say `ok`; the client
   * still ends CANCELLED or DEADLINE_EXCEEDED. (SayHelloStream's request side
   * is closed from the start: there the handler always sees the cancel.)
   */
  readonly halfClosesOnCancel?: boolean;
}

const nodeHttp2HalfClose =
  "cancel/deadline of an open request stream: Node's http2 client sends END_STREAM before RST_STREAM";

/** Every client that can stream requests; all over h2c (gRPC needs HTTP/2, and so do bidi streams). */
const streamRows: readonly StreamRow[] = [
  { client: "@grpc/grpc-js", protocol: "gRPC", call: grpcJsStream, halfClosesOnCancel: true },
  { client: "python3-grpcio", protocol: "gRPC", call: pythonStream },
  { client: "grpc-go (Debian)", protocol: "gRPC", call: goStream(() => goBinary) },
  {
    client: "connect-node",
    protocol: "gRPC",
    call: connectNodeStream("grpc"),
    halfClosesOnCancel: true,
  },
  {
    client: "connect-node",
    protocol: "Connect",
    call: connectNodeStream("connect"),
    halfClosesOnCancel: true,
  },
  {
    client: "connect-node",
    protocol: "gRPC-Web",
    call: connectNodeStream("grpc-web"),
    halfClosesOnCancel: true,
  },
  { client: "buf curl --schema proto", protocol: "gRPC", call: bufCurlStream("grpc") },
  {
    client: "buf curl --schema proto",
    protocol: "Connect",
    call: bufCurlStream("connect"),
    trailersHidden: {
      method: "SayHelloAll",
      reason:
        "buf curl -v does not print a successful Connect client stream's end-of-stream metadata",
    },
  },
];

const streamMethods: readonly StreamMethod[] = ["SayHelloStream", "SayHelloAll", "SayHelloChat"];
const streamCases = ["call", "error", "deadline", "cancel", "message"] as const;
type StreamCase = (typeof streamCases)[number];

const streamLabel = (row: StreamRow, method: StreamMethod) =>
  `${row.client} / ${row.protocol} / ${method}`;

/** What each method answers to the names Ada and Lin (SayHelloStream greets the first, twice). */
const greetings: Record<StreamMethod, readonly string[]> = {
  SayHelloStream: ["Hello, Ada (1/2)", "Hello, Ada (2/2)"],
  SayHelloAll: ["Hello, Ada, Lin"],
  SayHelloChat: ["Hello, Ada", "Hello, Lin"],
};

/** The call of each case; `id` is its x-request-id, which tags the server's log line. */
function streamCallOf(
  method: StreamMethod,
  kase: StreamCase,
  id: string,
  label: string,
): StreamCall {
  const base = {
    method,
    names: ["Ada", "Lin"],
    text: { "x-interop": label, "x-request-id": id },
    binary: { "x-trace-bin": traceBytes },
  };
  switch (kase) {
    case "call":
      return { ...base, count: 2, intervalMs: 20, end: "close" };
    case "error":
      return { ...base, count: 2, intervalMs: 20, failCode: 5, end: "close" };
    case "deadline":
      // SayHelloStream: ten greetings a second apart, far past the deadline.
      return { ...base, count: 10, intervalMs: 1000, timeoutMs: 1500, end: "hold" };
    case "cancel":
      return { ...base, count: 10, intervalMs: 1000, end: "cancel" };
    case "message":
      return { ...base, delayMs: 70_000, end: "close" };
  }
}

const streamCaseTitle: Record<StreamCase, string> = {
  call: "call: metadata reached the handler; headers before the first message, trailers after the last",
  error: "error: NOT_FOUND, with the headers and the trailers apart",
  deadline: "deadline passing mid-stream: DEADLINE_EXCEEDED, and the server did not log it ok",
  cancel: "cancel mid-stream: the handler saw it (the server logs the call canceled)",
  message: `status message as written: "${writtenMessage}"`,
};

let nextId = 0;

for (const row of streamRows) {
  for (const method of streamMethods) {
    const label = streamLabel(row, method);
    const cases = streamCases.filter((k) => k !== "message" || method === "SayHelloStream");
    // The cases of a row run side by side: each waits on the network (two
    // on a deadline), not on the CPU.
    describe(label, { concurrency: 4 }, () => {
      for (const kase of cases) {
        it(streamCaseTitle[kase], async () => {
          await recorded(label, kase, async () => {
            const id = `interop-${process.pid}-${++nextId}`;
            const seen = await row.call(server.url, streamCallOf(method, kase, id, label));
            await checkStream(row, method, kase, id, label, seen);
          });
        });
      }
    });
  }
}

async function checkStream(
  row: StreamRow,
  method: StreamMethod,
  kase: StreamCase,
  id: string,
  label: string,
  seen: StreamSeen,
): Promise<void> {
  const messages = seen.replies.map((r) => r.message);
  const first = seen.events[0]?.kind;
  assert.equal(first, "headers", `the headers came first: ${seen.events.map((e) => e.kind)}`);
  assertStreamHeaders(seen, id);
  if (kase !== "message" && method !== "SayHelloStream") {
    assert.ok(seen.headersBeforeClose, "the headers arrived while the request side was still open");
  }
  switch (kase) {
    case "call": {
      assert.equal(seen.code, 0, `the call failed with code ${seen.code}: ${seen.statusMessage}`);
      assert.deepEqual(messages, greetings[method]);
      const received = new Map(seen.replies[0]?.received.map((e) => [e.key, e.values]));
      assert.deepEqual(received.get("x-interop"), [label], "text metadata reached the handler");
      assert.deepEqual(received.get("x-trace-bin"), [traceBase64], "binary metadata too");
      assert.deepEqual(received.get("x-request-id"), [id]);
      if (method === "SayHelloAll") assert.equal(seen.replies[0]?.count, 2);
      assertEndsAfterMessages(seen);
      if (row.trailersHidden?.method === method) {
        assert.equal(
          seen.trailers.has("processing-ms"),
          false,
          `this client now shows the trailers: remove "trailersHidden" from the row`,
        );
      } else assertStreamTrailer(seen);
      return;
    }
    case "error":
      assert.equal(seen.code, 5, `expected NOT_FOUND (5), got ${seen.code}`);
      assert.equal(seen.statusMessage, "failing as asked with NotFound");
      assert.deepEqual(messages, method === "SayHelloAll" ? [] : greetings[method]);
      assertEndsAfterMessages(seen);
      assertStreamTrailer(seen);
      return;
    case "deadline": {
      assert.equal(seen.code, 4, `expected DEADLINE_EXCEEDED (4), got ${seen.code}`);
      // Replies that came before the deadline: the first greeting, or both answers.
      const expected = { SayHelloStream: 1, SayHelloAll: 0, SayHelloChat: 2 }[method];
      assert.ok(messages.length >= expected, `at least ${expected} replies, got ${messages}`);
      const line = await log.waitFor(id, (l) => l.requestId === id);
      if (halfClosed(row, method)) {
        assert.ok(
          ["deadline_exceeded", "canceled", "ok"].includes(String(line.code)),
          String(line.code),
        );
      } else {
        assert.notEqual(line.code, "ok", "a call that ran out of time is never logged ok");
      }
      return;
    }
    case "cancel": {
      assert.equal(seen.code, 1, `expected CANCELLED (1), got ${seen.code}`);
      const line = await log.waitFor(id, (l) => l.requestId === id);
      if (halfClosed(row, method)) {
        assert.ok(["canceled", "ok"].includes(String(line.code)), String(line.code));
      } else {
        assert.equal(line.code, "canceled", "the handler ended with the cancel");
      }
      return;
    }
    case "message":
      assert.equal(seen.code, 3, `expected INVALID_ARGUMENT (3), got ${seen.code}`);
      assert.equal(seen.statusMessage, writtenMessage);
      return;
  }
}

/** Whether this client half-closes before it resets this method's open request side. */
function halfClosed(row: StreamRow, method: StreamMethod): boolean {
  return row.halfClosesOnCancel === true && method !== "SayHelloStream";
}

/** response-time and the call's own x-request-id, as headers only. */
function assertStreamHeaders(seen: StreamSeen, id: string): void {
  const time = only(seen.headers, "response-time", "header");
  assert.match(time, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/, "response-time is RFC 3339 UTC");
  assert.equal(only(seen.headers, "x-request-id", "header"), id);
  assert.equal(seen.headers.has("processing-ms"), false, "processing-ms is not a header");
  assert.equal(seen.trailers.has("response-time"), false, "response-time is not a trailer");
}

function assertStreamTrailer(seen: StreamSeen): void {
  assert.match(only(seen.trailers, "processing-ms", "trailer"), /^\d+\.\d{3}$/);
}

/** Every message came after the headers and before the end: the trailers came after the last. */
function assertEndsAfterMessages(seen: StreamSeen): void {
  const kinds = seen.events.map((e) => e.kind);
  assert.equal(kinds.at(-1), "end", `the call ended last: ${kinds}`);
  assert.equal(kinds.filter((k) => k === "headers").length, 1, "one header block");
  const times = seen.events.map((e) => e.atMs);
  assert.deepEqual(
    times,
    [...times].sort((a, b) => a - b),
    "events in time order",
  );
}

/** Checks the two headers; returns the request id. */
function assertHeaders(seen: Seen): string {
  const time = only(seen.headers, "response-time", "header");
  assert.match(time, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/, "response-time is RFC 3339 UTC");
  assert.ok(Math.abs(Date.parse(time) - Date.now()) < 10_000, "response-time is now");
  const id = only(seen.headers, "x-request-id", "header");
  assert.match(id, /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/);
  assert.equal(seen.headers.has("processing-ms"), false, "processing-ms is not a header");
  assert.equal(seen.trailers.has("response-time"), false, "response-time is not a trailer");
  return id;
}

function assertTrailer(row: Row, seen: Seen): void {
  if (row.trailersHidden) {
    assert.equal(
      seen.trailers.has("processing-ms"),
      false,
      `this client now shows trailers: remove "trailersHidden" from the row`,
    );
    return;
  }
  assert.match(only(seen.trailers, "processing-ms", "trailer"), /^\d+\.\d{3}$/);
}

function only(map: ReadonlyMap<string, readonly string[]>, key: string, kind: string): string {
  const values = map.get(key);
  assert.ok(values, `no ${key} ${kind}; the client read ${kind}s ${[...map.keys()].join(", ")}`);
  assert.equal(values.length, 1, `one ${key} ${kind}, got ${JSON.stringify(values)}`);
  return values[0] ?? "";
}

async function recorded(label: string, kind: string, test: () => Promise<void>) {
  const entry = outcomes.get(label) ?? {};
  outcomes.set(label, entry);
  try {
    await test();
    entry[kind] = "pass";
  } catch (e) {
    const message = e instanceof Error ? e.message : String(e);
    entry[kind] = `FAIL: ${message.split("\n")[0]?.slice(0, 160) ?? ""}`;
    throw e;
  }
}

function printTables(): void {
  const unary = rows.map((row) => {
    const o = outcomes.get(labelOf(row)) ?? {};
    return [
      row.client,
      row.protocol,
      row.http,
      o.call ?? "not run",
      o.error ?? "not run",
      o.message ?? "not run",
      row.trailersHidden ? `trailer not checked: ${row.trailersHidden}` : "",
    ];
  });
  const unaryPassed = unary.filter((l) => l.slice(3, 6).every((c) => c === "pass")).length;
  const streams = streamRows.flatMap((row) =>
    streamMethods.map((method) => {
      const o = outcomes.get(streamLabel(row, method)) ?? {};
      const cell = (k: StreamCase) =>
        method !== "SayHelloStream" && k === "message" ? "-" : (o[k] ?? "not run");
      return [
        row.client,
        row.protocol,
        method,
        ...streamCases.map(cell),
        [
          row.trailersHidden?.method === method ? `call trailer: ${row.trailersHidden.reason}` : "",
          halfClosed(row, method) ? nodeHttp2HalfClose : "",
        ]
          .filter(Boolean)
          .join("; "),
      ];
    }),
  );
  const streamPassed = streams.filter((l) =>
    l.slice(3, 3 + streamCases.length).every((c) => c === "pass" || c === "-"),
  ).length;
  console.log(
    [
      "",
      `interop matrix (unary): ${unaryPassed}/${rows.length} clients pass`,
      ...table(["client", "protocol", "HTTP", "call", "error call", "message", "note"], unary),
      "",
      `interop matrix (streams): ${streamPassed}/${streams.length} client × method rows pass`,
      ...table(["client", "protocol", "method", ...streamCases, "note"], streams),
      "",
    ].join("\n"),
  );
}

function table(header: string[], lines: string[][]): string[] {
  const widths = header.map((h, i) => Math.max(h.length, ...lines.map((l) => (l[i] ?? "").length)));
  const format = (cells: string[]) =>
    cells
      .map((c, i) => c.padEnd(widths[i] ?? 0))
      .join("  ")
      .trimEnd();
  return [format(header), format(widths.map((w) => "-".repeat(w))), ...lines.map(format)];
}
