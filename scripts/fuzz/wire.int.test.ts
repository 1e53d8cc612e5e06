// The fuzzer's own wire code against real servers, so that a grammar that
// writes something other than it means cannot pass for a robust server:
// HTTP/2 frames and HPACK blocks from the encoders are what Node's HTTP/2
// server (nghttp2) reads, field for field and byte for byte, and an invalid
// field goes out as it is and is refused; well-formed HTTP/1.1 requests
// from the grammar (every framing) are what Node's HTTP/1.1 parser reads.
import assert from "node:assert/strict";
import * as http from "node:http";
import * as http2 from "node:http2";
import type { AddressInfo } from "node:net";
import { after, before, describe, it } from "node:test";
import fc from "fast-check";
import { callOf } from "./calls.js";
import { exchange } from "./connection.js";
import { encodeHeaderBlock } from "./hpack.js";
import { type Http1Request, http1Request, http1RequestBytes } from "./http1-grammar.js";
import {
  continuationFrame,
  dataFrame,
  describeFrameHead,
  headersFrame,
  preface,
  readFrames,
  settingsFrame,
} from "./http2-frames.js";
import { contentTypes, rpcRoutes, type ServerSurface } from "./routes.js";

const surface: ServerSurface = { rpcs: rpcRoutes, staticPaths: ["/", "/index.html"] };
const timing = { quietMs: 20, maxMs: 1_000 };

function listen(server: http.Server | http2.Http2Server): Promise<number> {
  return new Promise((resolve) =>
    server.listen(0, "127.0.0.1", () => resolve((server.address() as AddressInfo).port)),
  );
}

describe("HTTP/2 frames and HPACK from the encoders", () => {
  const seen: { headers: http2.IncomingHttpHeaders; raw: string[]; body: Buffer }[] = [];
  const server = http2.createServer();
  let port = 0;
  before(async () => {
    server.on("stream", (stream, headers, _flags, raw: string[]) => {
      const chunks: Buffer[] = [];
      stream.on("data", (c: Buffer) => chunks.push(c));
      stream.on("end", () => {
        seen.push({ headers, raw, body: Buffer.concat(chunks) });
        stream.respond({ ":status": 200 });
        stream.end("ok");
      });
    });
    port = await listen(server);
  });
  after(() => server.close());

  it("a request split over HEADERS, CONTINUATION and padded DATA arrives exactly as sent", async () => {
    const fields = [
      { name: ":method", value: "POST" },
      { name: ":scheme", value: "http" },
      { name: ":authority", value: "localhost" },
      { name: ":path", value: "/a?b=%ff" },
      { name: "content-type", value: "application/grpc" },
      { name: "x-bytes", value: "caf\u00e9 \u00ff", kind: "never-indexed" as const },
      { name: "x-indexed", value: "1", kind: "incremental" as const },
    ];
    const block = encodeHeaderBlock(fields);
    const third = Math.floor(block.length / 3);
    const bytes = Buffer.concat([
      preface,
      settingsFrame([]),
      headersFrame(1, block.subarray(0, third), { endHeaders: false, padLength: 4 }),
      continuationFrame(1, block.subarray(third, 2 * third), false),
      continuationFrame(1, block.subarray(2 * third), true),
      dataFrame(1, Buffer.from("hello "), { padLength: 7 }),
      dataFrame(1, Buffer.from([0, 1, 0xff]), { endStream: true }),
    ]);
    const e = await exchange(port, bytes, { kind: "whole" }, "wait", timing);
    const got = seen.at(-1);
    assert.ok(got, "the server saw no request");
    const pairs: [string, string][] = [];
    for (let i = 0; i < got.raw.length; i += 2)
      pairs.push([got.raw[i] ?? "", got.raw[i + 1] ?? ""]);
    // Node decodes field values as latin1, so each byte is one character.
    assert.deepEqual(
      pairs,
      fields.map((f) => [f.name, f.value]),
    );
    assert.deepEqual(got.body, Buffer.from([...Buffer.from("hello "), 0, 1, 0xff]));
    const answered = readFrames(e.received).map(describeFrameHead);
    assert.ok(answered.includes("HEADERS") && answered.includes("DATA"), answered.join(","));
  });

  it("a field the protocol forbids goes out as it is, and the server resets the stream", async () => {
    const block = encodeHeaderBlock([
      { name: ":method", value: "GET" },
      { name: ":scheme", value: "http" },
      { name: ":path", value: "/" },
      { name: "X-Upper", value: "1" },
    ]);
    const bytes = Buffer.concat([
      preface,
      settingsFrame([]),
      headersFrame(1, block, { endStream: true }),
    ]);
    const before = seen.length;
    const e = await exchange(port, bytes, { kind: "whole" }, "wait", timing);
    assert.equal(seen.length, before, "the server took a request with an uppercase field name");
    assert.ok(readFrames(e.received).map(describeFrameHead).includes("RST_STREAM(PROTOCOL_ERROR)"));
  });
});

/** A grammar request with every part that may be malformed made well-formed. */
/** Whether a content type spec names a value a header field may carry (no control bytes). */
function legalField(ct: Http1Request["call"]["contentType"]): boolean {
  if (ct === undefined) return true;
  const list: readonly string[] = contentTypes[ct.family];
  // biome-ignore lint/suspicious/noControlCharactersInRegex: control bytes are what is checked
  return !/[\u0000-\u0008\u000a-\u001f\u007f]/.test(list[ct.index % list.length] ?? "");
}

const wellFormed: fc.Arbitrary<Http1Request> = fc
  .tuple(
    http1Request,
    fc.oneof(
      fc.constant({ kind: "content-length" as const, delta: 0, raw: undefined, twice: undefined }),
      fc.record({
        kind: fc.constant("chunked" as const),
        te: fc.constant("chunked"),
        alsoLength: fc.constant(undefined),
        pieces: fc.integer({ min: 1, max: 4 }),
        size: fc.constantFrom("hex" as const, "upper" as const, "padded" as const),
        extension: fc.constantFrom("", ";a=b"),
        end: fc.constantFrom("zero" as const, "trailers" as const),
      }),
    ),
    fc.constantFrom("POST", "PUT", "DELETE", "PATCH"),
  )
  .map(([r, framing, method]) => ({
    ...r,
    // Unknown paths include raw bytes over 0x7f, which a request target must not have.
    call: {
      ...r.call,
      route:
        r.call.route.kind === "unknown" ? { ...r.call.route, kind: "rpc" as const } : r.call.route,
      method,
      headers: [],
      query: "none" as const,
      // A content type with a control byte (the odd family has one) is no
      // well-formed request: Node's parser rightly answers it 400.
      contentType: legalField(r.call.contentType) ? r.call.contentType : undefined,
    },
    target: { form: "origin" as const },
    version: "HTTP/1.1",
    host: { kind: "valid" as const, value: "localhost" },
    nameCase: "lower" as const,
    extraHeaders: [],
    framing,
    eol: "\r\n" as const,
    space: " " as const,
  }));

describe("HTTP/1.1 requests from the grammar", () => {
  const seen: { method: string; url: string; body: Buffer }[] = [];
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => {
      seen.push({ method: req.method ?? "", url: req.url ?? "", body: Buffer.concat(chunks) });
      res.end("ok");
    });
  });
  let port = 0;
  before(async () => {
    port = await listen(server);
  });
  after(() => server.close());

  it("are read by Node's parser as the call they were made from, in every framing", async () => {
    await fc.assert(
      fc.asyncProperty(wellFormed, async (r) => {
        const call = callOf(r.call, surface);
        const before = seen.length;
        const e = await exchange(
          port,
          http1RequestBytes(r, surface),
          { kind: "whole" },
          "wait",
          timing,
        );
        assert.match(e.received.toString("latin1"), /^HTTP\/1\.1 200/);
        assert.equal(seen.length, before + 1);
        assert.deepEqual(seen.at(-1), { method: call.method, url: call.path, body: call.body });
      }),
      { numRuns: 60 },
    );
  });
});
