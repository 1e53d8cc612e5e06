// The interop matrix: the clients people already use, each against the real
// server on a real port. Every row sends the same text and binary metadata
// and checks that (a) the server received both, and (b) the client read
// `response-time` and `x-request-id` as headers and `processing-ms` as a
// trailer, the way its protocol carries them — on a successful call and on
// a failing one (NOT_FOUND). A missing client fails its row with the reason;
// nothing is skipped. Adding a client is adding a row (the drivers are in
// server/interop/clients.ts). The run ends with a pass/fail table.
import assert from "node:assert/strict";
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

let server: RunningServer;
before(async () => {
  server = await startTestServer();
});

type Outcome = "pass" | `FAIL: ${string}`;
const outcomes = new Map<string, { call?: Outcome; error?: Outcome }>();

after(async () => {
  await server?.close();
  printTable();
});

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
  });
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

async function recorded(label: string, kind: "call" | "error", test: () => Promise<void>) {
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

function printTable(): void {
  const header = ["client", "protocol", "HTTP", "call", "error call", "note"];
  const lines = rows.map((row) => {
    const o = outcomes.get(labelOf(row)) ?? {};
    return [
      row.client,
      row.protocol,
      row.http,
      o.call ?? "not run",
      o.error ?? "not run",
      row.trailersHidden ? `trailer not checked: ${row.trailersHidden}` : "",
    ];
  });
  const widths = header.map((h, i) => Math.max(h.length, ...lines.map((l) => (l[i] ?? "").length)));
  const format = (cells: string[]) =>
    cells
      .map((c, i) => c.padEnd(widths[i] ?? 0))
      .join("  ")
      .trimEnd();
  const passed = lines.filter((l) => l[3] === "pass" && l[4] === "pass").length;
  console.log(
    [
      "",
      `interop matrix: ${passed}/${rows.length} clients pass`,
      format(header),
      format(widths.map((w) => "-".repeat(w))),
      ...lines.map(format),
      "",
    ].join("\n"),
  );
}
