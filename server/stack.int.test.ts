// The end-to-end slice against the real server on a real port, called with the
// real curl binary over HTTP/1.1 and h2c, plus the bad-input floor.
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { create, fromBinary, toBinary } from "@bufbuild/protobuf";
import {
  HelloService,
  SayHelloRequestSchema,
  SayHelloResponseSchema,
} from "../gen/hello/v1/hello_pb.js";
import { rpcPath } from "../scripts/kit/rpc-path.js";
import type { RunningServer } from "./app.js";
import { curl, startTestServer } from "./testing.js";

let server: RunningServer;
let url: string;

before(async () => {
  server = await startTestServer();
  url = `${server.url}${rpcPath(HelloService.method.sayHello)}`;
});
after(() => server.close());

function assertCallMetadata(headers: Headers): void {
  const responseTime = headers.get("response-time") ?? "";
  assert.match(responseTime, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/, "RFC 3339 UTC with ms");
  assert.ok(Math.abs(Date.parse(responseTime) - Date.now()) < 5_000, "response-time is now");
  assert.match(headers.get("trailer-processing-ms") ?? "", /^\d+(\.\d+)?$/);
}

const json = ["-H", "content-type: application/json"];

async function goodCallWorks(): Promise<void> {
  const res = await curl([...json, "-d", '{"name":"after"}', url]);
  assert.equal(res.status, 200);
  assert.equal(JSON.parse(res.body.toString()).message, "Hello, after");
}

describe("curl, Connect protocol", () => {
  for (const [label, flags] of [
    ["HTTP/1.1", ["--http1.1"]],
    ["h2c", ["--http2-prior-knowledge"]],
  ] as const) {
    it(`JSON over ${label}: greeting, response-time header, trailer-processing-ms`, async () => {
      const res = await curl([
        ...flags,
        ...json,
        "-H",
        "x-row: one",
        "-d",
        '{"name":"Junxi"}',
        url,
      ]);
      assert.equal(res.status, 200);
      assert.equal(res.httpVersion, label === "h2c" ? "2" : "1.1");
      const body = JSON.parse(res.body.toString());
      assert.equal(body.message, "Hello, Junxi");
      assert.deepEqual(
        body.received.find((e: { key: string }) => e.key === "x-row"),
        { key: "x-row", values: ["one"] },
      );
      assertCallMetadata(res.headers);
    });
  }

  it("binary protobuf over h2c", async () => {
    const req = toBinary(SayHelloRequestSchema, create(SayHelloRequestSchema, { name: "bin" }));
    const res = await curl(
      [
        "--http2-prior-knowledge",
        "-H",
        "content-type: application/proto",
        "--data-binary",
        "@-",
        url,
      ],
      Buffer.from(req),
    );
    assert.equal(res.status, 200);
    assert.equal(res.headers.get("content-type"), "application/proto");
    assert.equal(fromBinary(SayHelloResponseSchema, res.body).message, "Hello, bin");
    assertCallMetadata(res.headers);
  });

  it("empty name: InvalidArgument, and the metadata is still sent", async () => {
    const res = await curl([...json, "-d", '{"name":""}', url]);
    assert.equal(res.status, 400);
    assert.deepEqual(JSON.parse(res.body.toString()), {
      code: "invalid_argument",
      message: "name must not be empty",
    });
    assertCallMetadata(res.headers);
  });
});

describe("bad input: a clear error, the server stays up", () => {
  const cases: { name: string; args: () => string[]; status: number; body: RegExp }[] = [
    {
      name: "unknown method (Connect)",
      args: () => [...json, "-d", "{}", `${server.url}/no.Such/Method`],
      status: 404,
      body: /^\{"code":"unimplemented","message":"unknown method \/no\.Such\/Method"\}$/,
    },
    {
      name: "unknown path",
      args: () => ["-d", "x", `${server.url}/nothing/here`],
      status: 404,
      body: /not found/,
    },
    {
      name: "wrong content type",
      args: () => ["-H", "content-type: text/plain", "-d", '{"name":"x"}', url],
      status: 415,
      body: /unsupported content-type "text\/plain": use application\/json/,
    },
    {
      name: "malformed JSON",
      args: () => [...json, "-d", '{"name":', url],
      status: 400,
      body: /"code":"invalid_argument".*cannot decode message hello\.v1\.SayHelloRequest from JSON/,
    },
    {
      name: "truncated protobuf",
      args: () => ["-H", "content-type: application/proto", "--data-binary", "\x0a\x05ab", url],
      // Connect-ES reports a protobuf parse failure as internal, as grpc-go does.
      status: 500,
      body: /"code":"internal".*parse binary: premature EOF/,
    },
  ];
  for (const c of cases) {
    it(`${c.name} → ${c.status}`, async () => {
      const res = await curl(c.args());
      assert.equal(res.status, c.status);
      assert.match(res.body.toString(), c.body);
      await goodCallWorks();
    });
  }
});

describe("the web page", () => {
  it("GET / serves the built page and its assets", async () => {
    const res = await curl([`${server.url}/`]);
    assert.equal(res.status, 200);
    assert.match(res.headers.get("content-type") ?? "", /text\/html/);
    const html = res.body.toString();
    const asset = /src="(\/assets\/[^"]+\.js)"/.exec(html)?.[1];
    assert.ok(asset, "the page references a script asset");
    const js = await curl([`${server.url}${asset}`]);
    assert.equal(js.status, 200);
    assert.match(js.headers.get("content-type") ?? "", /javascript/);
  });

  it("a path outside the page is 404, also when it tries to escape", async () => {
    assert.equal((await curl([`${server.url}/nope.html`])).status, 404);
    assert.equal((await curl(["--path-as-is", `${server.url}/../package.json`])).status, 404);
    assert.equal((await curl([`${server.url}/%2e%2e/package.json`])).status, 404);
  });
});
