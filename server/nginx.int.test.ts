// deploy/nginx.conf in front of three instances of the built server (each
// trusting 127.0.0.1, the address nginx connects from): the clients people
// use, through nginx, on every protocol — grpc-js, grpcio and grpc-go over
// h2c (grpc_pass), connect-node's gRPC, Connect and gRPC-Web over h2c and
// Connect and gRPC-Web over HTTP/1.1 (proxy_pass), curl — each reading every
// header and trailer apart on success and on error; calls spread over the
// instances; a hop from one instance to another through nginx; and the
// client a server logs is the real one, whatever a client writes in
// X-Forwarded-For or Forwarded, through nginx or straight to an instance.
//
// Skipped, saying so, only when nginx is not installed (.ci/run installs it).
import assert from "node:assert/strict";
import { randomBytes } from "node:crypto";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { create, toBinary } from "@bufbuild/protobuf";
import { SayHelloRequestSchema } from "../gen/hello/v1/hello_pb.js";
import { freePorts, nginxMissing, type RunningNginx, startNginx } from "../scripts/kit/nginx.js";
import { type ServerProcess, startServerProcess } from "../scripts/kit/server-process.js";
import { grpcFrame, h2Request, rawHttp1 } from "../scripts/kit/wire-probes.js";
import {
  connectNode,
  curlConnect,
  grpcJs,
  type InteropCall,
  type InteropClient,
  pythonGrpcio,
  type Seen,
} from "./interop/clients.js";
import { buildGoClient, goUnary } from "./interop/go-client.js";

const missing = nginxMissing();
if (missing) console.log(`# server/nginx.int.test.ts skipped: ${missing}`);

interface Row {
  readonly name: string;
  /** Which nginx port: h2c (`listen … http2`) or HTTP/1.1. */
  readonly port: "h2c" | "http1";
  readonly call: InteropClient;
}

let goBinary = "";
const rows: readonly Row[] = [
  { name: "@grpc/grpc-js, gRPC", port: "h2c", call: grpcJs },
  { name: "python3-grpcio, gRPC", port: "h2c", call: pythonGrpcio },
  { name: "grpc-go, gRPC", port: "h2c", call: goUnary(() => goBinary) },
  { name: "connect-node, gRPC over HTTP/2", port: "h2c", call: connectNode("grpc", "2") },
  { name: "connect-node, Connect over HTTP/2", port: "h2c", call: connectNode("connect", "2") },
  { name: "connect-node, gRPC-Web over HTTP/2", port: "h2c", call: connectNode("grpc-web", "2") },
  {
    name: "connect-node, Connect over HTTP/1.1",
    port: "http1",
    call: connectNode("connect", "1.1"),
  },
  {
    name: "connect-node, gRPC-Web over HTTP/1.1",
    port: "http1",
    call: connectNode("grpc-web", "1.1"),
  },
  {
    name: "curl, Connect GET over HTTP/1.1",
    port: "http1",
    call: curlConnect({ http: "1.1", method: "GET", encoding: "json" }),
  },
  {
    name: "curl, Connect over h2c",
    port: "h2c",
    call: curlConnect({ http: "h2c", method: "POST", encoding: "json" }),
  },
];

const traceBytes = new Uint8Array([0x00, 0xff, 0x01, 0x80, 0x7f]);
const traceBase64 = "AP8BgH8=";

const dir = mkdtempSync(join(tmpdir(), "hello-nginx-test-"));
let instances: ServerProcess[] = [];
let nginx: RunningNginx;
const authorities = () => instances.map((s) => new URL(s.url).host);
const baseUrl = (row: Row) => (row.port === "h2c" ? nginx.grpcUrl : nginx.httpUrl);

/** The call log lines of every instance, read from their log files. */
function logLines(): Record<string, unknown>[] {
  return instances.flatMap((s) =>
    readFileSync(s.logFile ?? "", "utf8")
      .split("\n")
      .filter((l) => l.startsWith("{"))
      .map((l) => JSON.parse(l) as Record<string, unknown>),
  );
}

async function logged(requestId: string): Promise<Record<string, unknown>> {
  const deadline = Date.now() + 3_000;
  for (;;) {
    const line = logLines().find((l) => l.requestId === requestId);
    if (line) return line;
    if (Date.now() > deadline) throw new Error(`no log line for ${requestId}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

describe("behind nginx (deploy/nginx.conf), three instances", { skip: missing ?? false }, () => {
  before(async () => {
    const [grpcPort = 0, httpPort = 0] = await freePorts(2);
    const secret = randomBytes(16).toString("base64url");
    const go = buildGoClient(dir);
    instances = await Promise.all(
      [0, 1, 2].map((i) =>
        startServerProcess({
          entry: "dist/server/main.js",
          args: [
            "--trusted-proxies",
            "127.0.0.1",
            "--hop-secret",
            secret,
            "--downstream",
            `http://127.0.0.1:${grpcPort}`,
          ],
          logFile: join(dir, `instance-${i}.log`),
          name: `instance ${i}`,
        }),
      ),
    );
    nginx = await startNginx({ servers: authorities(), ports: { grpcPort, httpPort } });
    goBinary = await go;
  });
  after(async () => {
    await nginx?.stop();
    await Promise.all(instances.map((s) => s.stop()));
    rmSync(dir, { recursive: true, force: true });
  });

  const servedBy = new Set<string>();
  for (const row of rows) {
    const callOf = (failCode?: number): InteropCall => ({
      name: "Junxi",
      ...(failCode ? { failCode } : {}),
      text: { "x-interop": row.name },
      binary: { "x-trace-bin": traceBytes },
    });
    describe(row.name, () => {
      it("call: the metadata arrives; every header and the trailer come back apart", async () => {
        const seen = await row.call(baseUrl(row), callOf());
        assert.equal(seen.code, 0, `code ${seen.code}: ${seen.statusMessage}`);
        assert.equal(seen.response?.message, "Hello, Junxi");
        const received = new Map(seen.response?.received.map((e) => [e.key, e.values]));
        assert.deepEqual(received.get("x-interop"), [row.name]);
        assert.deepEqual(received.get("x-trace-bin"), [traceBase64]);
        const id = assertHeaders(seen);
        assert.deepEqual(received.get("x-request-id"), [id]);
        assert.deepEqual(received.get("x-forwarded-for"), ["127.0.0.1"], "nginx named the client");
        assertTrailer(seen);
      });
      it("error: NOT_FOUND with every header and the trailer", async () => {
        const seen = await row.call(baseUrl(row), callOf(5));
        assert.equal(seen.code, 5, `code ${seen.code}: ${seen.statusMessage}`);
        assert.equal(seen.statusMessage, "failing as asked with NotFound");
        assertHeaders(seen);
        assertTrailer(seen);
      });
    });
  }

  /** The headers every answer carries; the request id. */
  function assertHeaders(seen: Seen): string {
    const time = only(seen.headers, "response-time");
    assert.match(time, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/);
    const by = only(seen.headers, "x-served-by");
    assert.ok(authorities().includes(by), `x-served-by ${by} is one of the instances`);
    servedBy.add(by);
    assert.equal(seen.headers.has("processing-ms"), false, "processing-ms is no header");
    assert.equal(seen.trailers.has("response-time"), false, "response-time is no trailer");
    return only(seen.headers, "x-request-id");
  }
  function assertTrailer(seen: Seen): void {
    assert.match(only(seen.trailers, "processing-ms"), /^\d+\.\d{3}$/);
  }

  it("nginx spread the calls above over all three instances", () => {
    assert.deepEqual([...servedBy].sort(), authorities().sort());
  });

  it("a hop goes from an instance back through nginx to the next one, trail intact", async () => {
    const res = await fetch(`${nginx.httpUrl}/hello.v1.HelloService/SayHello`, {
      method: "POST",
      headers: {
        "content-type": "application/json",
        "connect-timeout-ms": "5000",
        "x-request-id": "hop-through-nginx",
        authorization: "Bearer secret",
      },
      body: JSON.stringify({ name: "hop", hops: 2 }),
    });
    const body = (await res.json()) as {
      hops: { via: string; received: { key: string; values: string[] }[]; dropped?: string[] }[];
    };
    assert.equal(res.status, 200, JSON.stringify(body));
    assert.equal(body.hops.length, 3);
    for (const hop of body.hops) assert.ok(authorities().includes(hop.via), hop.via);
    assert.ok(body.hops[0]?.dropped?.includes("authorization"), "the first hop dropped it");
    const second = new Map(body.hops[1]?.received.map((e) => [e.key, e.values]));
    assert.deepEqual(second.get("x-request-id"), ["hop-through-nginx"]);
    assert.deepEqual(second.get("x-hello-via"), [body.hops[0]?.via], "the trail is trusted");
    assert.equal(second.has("authorization"), false);
  });

  describe("the client the servers log", () => {
    const connectCall = (id: string, extra: string[]) => {
      const body = '{"name":"who"}';
      return `POST /hello.v1.HelloService/SayHello HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nX-Request-Id: ${id}\r\n${extra.map((h) => `${h}\r\n`).join("")}Content-Length: ${body.length}\r\nConnection: close\r\n\r\n${body}`;
    };
    const spoof = ["X-Forwarded-For: 198.51.100.7", "Forwarded: for=198.51.100.8"];

    it("through nginx over HTTP/1.1: the real client, not nginx, whatever it claims", async () => {
      const r = await rawHttp1(nginx.httpUrl, [connectCall("who-h1", spoof)], {
        localAddress: "127.0.0.9",
      });
      assert.equal(r.status, 200, r.text);
      assert.equal((await logged("who-h1")).client, "127.0.0.9");
    });

    it("through nginx over h2c (gRPC): the real client, whatever it claims", async () => {
      const message = toBinary(
        SayHelloRequestSchema,
        create(SayHelloRequestSchema, { name: "who" }),
      );
      const r = await h2Request(
        nginx.grpcUrl,
        {
          ":path": "/hello.v1.HelloService/SayHello",
          "content-type": "application/grpc",
          te: "trailers",
          "x-request-id": "who-grpc",
          "x-forwarded-for": "198.51.100.7",
          forwarded: "for=198.51.100.8",
        },
        grpcFrame(Buffer.from(message)),
        { localAddress: "127.0.0.10" },
      );
      assert.equal(r.grpcStatus, 0, r.grpcMessage);
      assert.equal((await logged("who-grpc")).client, "127.0.0.10");
    });

    it("straight to an instance, from an untrusted address: the headers are ignored", async () => {
      const r = await rawHttp1(instances[0]?.url ?? "", [connectCall("who-direct", spoof)], {
        localAddress: "127.0.0.11",
      });
      assert.equal(r.status, 200, r.text);
      assert.equal((await logged("who-direct")).client, "127.0.0.11");
    });
  });
});

function only(map: ReadonlyMap<string, readonly string[]>, key: string): string {
  const values = map.get(key);
  assert.ok(values, `no ${key}; the client read ${[...map.keys()].join(", ")}`);
  assert.equal(values.length, 1, `one ${key}, got ${JSON.stringify(values)}`);
  return values[0] ?? "";
}
