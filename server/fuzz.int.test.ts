// Property tests on the server's request handling: random header sets, sent
// over the real network on HTTP/1.1 (Connect) and HTTP/2 (gRPC). Each
// answer is exactly the one an oracle predicts from the headers alone — a
// greeting, or `invalid_argument` when a header is not valid metadata or a
// timeout does not parse, or `deadline_exceeded` for a zero timeout — so a
// handler that crashes (`internal`), a check that lets bad metadata through,
// or one that refuses good metadata all fail. The process never sees an
// unhandled rejection, and the server keeps answering.
import assert from "node:assert/strict";
import * as http from "node:http";
import * as http2 from "node:http2";
import { after, before, describe, it } from "node:test";
import { create, toBinary } from "@bufbuild/protobuf";
import fc from "fast-check";
import { HelloService, SayHelloRequestSchema } from "../gen/hello/v1/hello_pb.js";
import { rpcPath } from "../scripts/kit/rpc-path.js";
import { grpcFrame, h2Request } from "../scripts/kit/wire-probes.js";
import type { RunningServer } from "./app.js";
import { startTestServer } from "./testing.js";

const sayHello = rpcPath(HelloService.method.sayHello);

const tokenChar = fc.constantFrom(
  ..."abcdefghijklmnopqrstuvwxyzABCDEFGHIJ0123456789-_.!#$%&'*+^`|~".split(""),
);
const headerName = fc.oneof(
  fc.string({ unit: tokenChar, minLength: 1, maxLength: 10 }).map((k) => `x-${k}`),
  fc.string({ unit: tokenChar, minLength: 1, maxLength: 6 }).map((k) => `x-${k}-bin`),
  fc.constantFrom(
    "authorization",
    "cookie",
    "x-request-id",
    "traceparent",
    "grpc-timeout",
    "connect-timeout-ms",
  ),
);
const headerValue = fc.oneof(
  fc.string({
    unit: fc
      .integer({ min: 0x21, max: 0xff })
      .filter((c) => c !== 0x7f)
      .map((c) => String.fromCharCode(c)),
    minLength: 1,
    maxLength: 40,
  }),
  fc.string({ unit: fc.constantFrom(..."abcdefgxyz-_.0123456789".split("")), minLength: 1 }),
  fc.base64String({ minLength: 4, maxLength: 24 }),
  fc.constantFrom(
    "1S",
    "100m",
    "0m",
    "0",
    "2500",
    "abc",
    "-1",
    "99999999999",
    "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01",
  ),
);
const headerSet = fc.uniqueArray(fc.tuple(headerName, headerValue), {
  maxLength: 8,
  selector: ([k]) => k.toLowerCase(),
});

type Outcome = "ok" | "invalid_argument" | "deadline_exceeded";

/** What the server must answer a call with these headers, over `protocol`. */
function oracle(headers: readonly [string, string][], protocol: "connect" | "grpc"): Outcome[] {
  let timeoutMs: number | undefined;
  let invalid = false;
  for (const [name, value] of headers) {
    const key = name.toLowerCase();
    if (key === "connect-timeout-ms") {
      if (protocol !== "connect") continue; // a Connect header: not metadata on gRPC, ignored
      if (!/^\d{1,10}$/.test(value)) invalid = true;
      else timeoutMs = Number(value);
    } else if (key === "grpc-timeout") {
      if (protocol !== "grpc") continue; // a gRPC header: ignored by Connect
      const m = /^(\d{1,8})([HMSmun])$/.exec(value);
      if (!m) invalid = true;
      else timeoutMs = Number(m[1]) * unitMs[m[2] as keyof typeof unitMs];
    } else if (key === "x-request-id") {
      // Replaced with a fresh id unless it is 1-128 visible ASCII characters, so never invalid.
    } else if (!/^[0-9a-z_.-]+$/.test(key)) {
      invalid = true;
    } else if (key.endsWith("-bin")) {
      if (!value.split(",").every((part) => isBase64(part.trim()))) invalid = true;
    } else if (!/^[\x20-\x7e]*$/.test(value)) {
      invalid = true;
    }
  }
  // A deadline that has already passed may be found before the metadata is read.
  if (invalid)
    return timeoutMs === 0 ? ["invalid_argument", "deadline_exceeded"] : ["invalid_argument"];
  if (timeoutMs === 0) return ["deadline_exceeded"];
  // A timeout of a few milliseconds may or may not run out before the answer.
  if (timeoutMs !== undefined && timeoutMs < 200) return ["ok", "deadline_exceeded"];
  return ["ok"];
}

const unitMs = { H: 3_600_000, M: 60_000, S: 1_000, m: 1, u: 0.001, n: 0.000001 };

function isBase64(text: string): boolean {
  const unpadded = text.replace(/={1,2}$/, "");
  if (!/^[A-Za-z0-9+/]*$/.test(unpadded) || unpadded.length % 4 === 1) return false;
  return unpadded.length === text.length || text.length % 4 === 0;
}

const grpcCodes: Record<number, Outcome | "other"> = {
  0: "ok",
  3: "invalid_argument",
  4: "deadline_exceeded",
};

function h1Call(
  url: string,
  headers: [string, string][],
): Promise<{ status: number; body: string; headers: http.IncomingHttpHeaders }> {
  const { hostname, port } = new URL(url);
  return new Promise((resolve, reject) => {
    const req = http.request(
      {
        host: hostname,
        port,
        method: "POST",
        path: sayHello,
        agent: false,
      },
      (res) => {
        let body = "";
        res.setEncoding("latin1");
        res.on("data", (d) => {
          body += d;
        });
        res.on("end", () => resolve({ status: res.statusCode ?? 0, body, headers: res.headers }));
      },
    );
    req.on("error", reject);
    for (const [k, v] of headers) req.setHeader(k, v);
    req.setHeader("content-type", "application/json");
    req.end('{"name":"fuzz"}');
  });
}

/** Counts the outcomes a property saw, so a run that only ever saw one kind fails. */
function tally() {
  const seen = new Map<string, number>();
  return {
    add: (o: string) => seen.set(o, (seen.get(o) ?? 0) + 1),
    /** Both greetings and refusals were a real part of the run. */
    assertMixed(runs: number) {
      for (const o of ["ok", "invalid_argument"]) {
        assert.ok(
          (seen.get(o) ?? 0) >= runs / 10,
          `too few ${o} answers: ${JSON.stringify([...seen])}`,
        );
      }
    },
  };
}

async function connectProperty(url: string, numRuns: number): Promise<void> {
  const seen = tally();
  await fc.assert(
    fc.asyncProperty(headerSet, async (headers) => {
      const res = await h1Call(url, headers);
      const got: string =
        res.status === 200 ? "ok" : (JSON.parse(res.body) as { code: string }).code;
      seen.add(got);
      assert.ok(
        oracle(headers, "connect").includes(got as Outcome),
        `${got} for ${JSON.stringify(headers)}: ${res.status} ${res.body}`,
      );
      if (got === "ok") assert.equal(JSON.parse(res.body).message, "Hello, fuzz");
    }),
    { numRuns },
  );
  seen.assertMixed(numRuns);
}

async function grpcProperty(url: string, numRuns: number): Promise<void> {
  const session = http2.connect(url);
  const body = grpcFrame(
    Buffer.from(toBinary(SayHelloRequestSchema, create(SayHelloRequestSchema, { name: "fuzz" }))),
  );
  const seen = tally();
  try {
    await fc.assert(
      fc.asyncProperty(headerSet, async (headers) => {
        const res = await h2Request(
          url,
          {
            ...Object.fromEntries(headers),
            ":path": sayHello,
            "content-type": "application/grpc",
            te: "trailers",
          },
          body,
          { session },
        );
        assert.equal(res.status, 200, JSON.stringify(res));
        const got = grpcCodes[res.grpcStatus ?? -1] ?? `grpc-status ${res.grpcStatus}`;
        seen.add(got);
        assert.ok(
          oracle(headers, "grpc").includes(got as Outcome),
          `${got} (${res.grpcMessage}) for ${JSON.stringify(headers)}`,
        );
      }),
      { numRuns },
    );
  } finally {
    session.close();
  }
  seen.assertMixed(numRuns);
}

describe("random header sets", () => {
  let server: RunningServer;
  const unhandled: unknown[] = [];
  const onUnhandled = (e: unknown) => unhandled.push(e);
  before(async () => {
    process.on("unhandledRejection", onUnhandled);
    server = await startTestServer();
  });
  after(async () => {
    process.off("unhandledRejection", onUnhandled);
    await server.close();
  });

  it("Connect over HTTP/1.1: every answer is the one the oracle predicts", async () => {
    await connectProperty(server.url, 200);
    assert.deepEqual(unhandled, []);
  });

  it("gRPC over HTTP/2: every answer's grpc-status is the one the oracle predicts", async () => {
    await grpcProperty(server.url, 200);
    assert.deepEqual(unhandled, []);
  });
});

/** The property failed because the server answered "ok" where the oracle wanted a refusal. */
const answeredOk = (e: unknown): boolean => {
  const cause = (e as { cause?: unknown }).cause;
  return cause instanceof Error && /^ok (for|\()/.test(cause.message);
};

describe("the oracle can fail", () => {
  // With the metadata features off, the server no longer refuses invalid
  // metadata: the same properties must catch it.
  let lax: RunningServer;
  before(async () => {
    lax = await startTestServer(undefined, { metadata: false });
  });
  after(() => lax.close());

  it("Connect: a server that lets invalid metadata through fails the property", async () => {
    await assert.rejects(connectProperty(lax.url, 60), answeredOk);
  });
  it("gRPC: a server that lets invalid metadata through fails the property", async () => {
    await assert.rejects(grpcProperty(lax.url, 60), answeredOk);
  });
});
