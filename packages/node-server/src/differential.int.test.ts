// The differential suite: the same requests, over real sockets, to the
// engine (`serve`: HTTP/1.1 and h2c on one port) and to stock connect-node
// (`connectNodeAdapter` on `http2.createServer` for h2c and on
// `http.createServer` for HTTP/1.1), both given the same router, the same
// interceptors, the same request size limit and the same compressions. The
// answers (status, headers, trailers, body bytes) must be equal, or differ
// exactly as one of the named intentional differences says
// (testing/intentional-differences.ts); any other difference fails.
//
// The corpus: named cases (testing/named-cases.ts: malformed and refused
// requests of every protocol, and the calls each intentional difference is
// about) and generated calls
// (testing/call-arbitrary.ts: protocol × codec × RPC shape × messages ×
// metadata × timeouts × compression). The last tests show the comparison
// can fail.
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import type { ConnectRouter } from "@connectrpc/connect";
import fc from "fast-check";
import { callSpec, describeSpec } from "./testing/call-arbitrary.js";
import { callProbe } from "./testing/call-probe.js";
import { echoRoutes } from "./testing/echo-service.js";
import {
  type Case,
  type IntentionalDifference,
  intentionalDifferences,
} from "./testing/intentional-differences.js";
import { judge, type Verdict } from "./testing/judge-answers.js";
import { namedCases } from "./testing/named-cases.js";
import {
  maxRequestBytes,
  type ServersUnderTest,
  startServersUnderTest,
} from "./testing/servers-under-test.js";
import { stampInterceptor } from "./testing/stamp-interceptor.js";
import { type Answer, send } from "./testing/wire-client.js";

/**
 * Generated calls per run (DIFFERENTIAL_RUNS=5000 for a longer hunt); each
 * is sent to both servers, gRPC-Web text ones to the engine twice.
 */
const generatedRuns = Number(process.env.DIFFERENTIAL_RUNS ?? 400);
/** Replays a reported run: DIFFERENTIAL_SEED (and DIFFERENTIAL_RUNS) as the failure printed them. */
const seed =
  process.env.DIFFERENTIAL_SEED === undefined
    ? {}
    : { seed: Number(process.env.DIFFERENTIAL_SEED) };

const routes = (router: ConnectRouter) => echoRoutes(router);

let servers: ServersUnderTest;
before(async () => {
  servers = await startServersUnderTest({
    routes,
    interceptors: [stampInterceptor],
    maxRequestBytes,
  });
});
after(() => servers.close());

const verdicts = new Map<Verdict, number>();

async function answersTo(c: Case): Promise<{ engine: Answer; stock: Answer }> {
  const [engine, stock] = await Promise.all([
    send(servers.engine, c.probe),
    send(servers.stockFor(c.probe.http), c.probe),
  ]);
  return { engine, stock };
}

const askEngine = (probe: Case["probe"]) => send(servers.engine, probe);

async function differential(c: Case): Promise<void> {
  const verdict = await judge(c, { ...(await answersTo(c)), askEngine });
  verdicts.set(verdict, (verdicts.get(verdict) ?? 0) + 1);
}

describe("named cases: malformed, refused, and what each intentional difference is about", () => {
  for (const c of namedCases) it(c.name, () => differential(c));
});

it(`generated calls (${generatedRuns}): every answer equal or intentionally different`, async () => {
  await fc.assert(
    fc.asyncProperty(callSpec, (spec) =>
      differential({ name: describeSpec(spec), probe: callProbe(spec), spec }),
    ),
    { numRuns: generatedRuns, includeErrorInReport: true, ...seed },
  );
});

it("every intentional difference was seen, and how often each verdict came", (t) => {
  for (const [verdict, count] of [...verdicts].sort()) t.diagnostic(`${verdict}: ${count}`);
  const unseen = intentionalDifferences.filter((d) => !verdicts.has(d.name)).map((d) => d.name);
  assert.deepEqual(unseen, [], "a listed difference the corpus never showed is stale");
  assert.ok((verdicts.get("equal") ?? 0) > generatedRuns / 2, "most calls are answered alike");
});

describe("the comparison can fail", () => {
  const unary = (text: string): Case => ({
    name: `Connect unary "${text}"`,
    probe: callProbe({
      http: "2",
      protocol: "grpc",
      codec: "proto",
      shape: "unary",
      get: false,
      messages: [{ text }],
      metadata: [],
      timeout: "none",
      compress: undefined,
      accept: [],
    }),
  });
  const everything: IntentionalDifference = {
    name: "applies to everything",
    reason: "a test",
    applies: () => true,
    fields: ["body"],
    everyTime: true,
    check: () => {},
  };

  it("answers to different requests are reported, field by field", async () => {
    const engine = await send(servers.engine, unary("a").probe);
    const stock = await send(servers.stockHttp2, unary("b").probe);
    await assert.rejects(
      judge(unary("a"), { engine, stock, askEngine }),
      /(answer differently|explains [^\n]*, not):\n {2}body:\n {4}engine: .*\n {4}stock: /,
    );
  });

  it("a header the other answer lacks is reported", async () => {
    const { engine, stock } = await answersTo(unary("a"));
    const extra = { ...stock, headers: { ...stock.headers, "x-only-here": ["1"] } };
    await assert.rejects(
      judge(unary("a"), { engine, stock: extra, askEngine }),
      /header:x-only-here:\n {4}engine: \(none\)\n {4}stock: \["1"\]/,
    );
  });

  it("an intentional difference that applies to equal answers fails (it is stale)", async () => {
    await assert.rejects(
      judge(unary("a"), { ...(await answersTo(unary("a"))), askEngine }, [everything]),
      /"applies to everything" applies, but the answers are equal/,
    );
  });

  it("a difference outside the fields an intentional difference names fails", async () => {
    const { engine, stock } = await answersTo(unary("a"));
    const otherStatus = { ...stock, status: 500 };
    await assert.rejects(
      judge(unary("a"), { engine, stock: otherStatus, askEngine }, [everything]),
      /explains body, not:\n {2}status:/,
    );
  });

  it("an intentional difference whose assertions do not hold fails", async () => {
    const { engine, stock } = await answersTo(unary("a"));
    const failing: IntentionalDifference = {
      ...everything,
      fields: "all",
      check: () => assert.fail("not this difference"),
    };
    await assert.rejects(
      judge(unary("a"), { engine, stock: { ...stock, status: 500 }, askEngine }, [failing]),
      /"applies to everything" does not hold: not this difference/,
    );
  });
});
