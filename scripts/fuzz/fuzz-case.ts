// A fuzz case of either protocol: how one is generated from a seed (so
// that any case of a run can be replayed alone and shrunk), the bytes it
// puts on the wire, and how a report shows it.
import fc from "fast-check";
import { type CallSpec, callOf, type RoutePick } from "./calls.js";
import { type Exchange, exchange, type Timing } from "./connection.js";
import { type Http1Case, http1Case, http1CaseBytes, http1Label } from "./http1-grammar.js";
import { http2CaseBytes, http2Frames, http2Label } from "./http2-compile.js";
import { type Http2Case, http2Case } from "./http2-grammar.js";
import { escapeBytes, hexBytes } from "./render.js";
import type { ServerSurface } from "./routes.js";

/** One generated case. */
export type FuzzCase = Http1Case | Http2Case;

/** The protocols a run generates cases for. */
export type Protocol = FuzzCase["protocol"];

/** The generator of a run: cases of each of `protocols`, equally often. */
export function caseArbitrary(protocols: readonly Protocol[]): fc.Arbitrary<FuzzCase> {
  const arbitraries = protocols.map(
    (p): fc.Arbitrary<FuzzCase> => (p === "h1" ? http1Case : http2Case),
  );
  if (arbitraries.length === 0) throw new Error("caseArbitrary: no protocol given");
  return fc.oneof(...arbitraries);
}

/**
 * How cases are drawn: without fast-check's bias towards small and edge
 * values, which would override the grammars' weights (the edge values are
 * in the grammars already). {@link caseOfSeed} and shrinking share it.
 */
export const drawParameters = { noBias: true } as const;

/**
 * The case a seed stands for: the first value fast-check generates with
 * that seed, which is also the first value `fc.check` with that seed,
 * {@link drawParameters} and `numRuns: 1` tries (and then shrinks).
 */
export function caseOfSeed(arbitrary: fc.Arbitrary<FuzzCase>, seed: number): FuzzCase {
  const [value] = fc.sample(arbitrary, { ...drawParameters, seed, numRuns: 1 });
  if (value === undefined) throw new Error(`no case for seed ${seed}`);
  return value;
}

/**
 * The seed of case `index` of the run seeded with `runSeed`: a 32-bit mix
 * (so nearby cases are unrelated), kept non-negative so that it can be
 * passed on a command line.
 */
export function caseSeed(runSeed: number, index: number): number {
  let h = Math.imul(runSeed ^ 0x9e3779b9, 0x85ebca6b) ^ Math.imul(index + 1, 0xc2b2ae35);
  h ^= h >>> 16;
  h = Math.imul(h, 0x7feb352d);
  h ^= h >>> 15;
  return h & 0x7fffffff;
}

/** Every byte the case writes, in order. */
export function caseBytes(c: FuzzCase, surface: ServerSurface): Buffer {
  return c.protocol === "h1" ? http1CaseBytes(c, surface) : http2CaseBytes(c, surface);
}

/** `h1 "POST" /hello.v1.HelloService/SayHello "application/json"`: the route the case's first request takes. */
export function caseLabel(c: FuzzCase, surface: ServerSurface): string {
  return c.protocol === "h1" ? http1Label(c, surface) : http2Label(c, surface);
}

/**
 * The case as a report shows it: for HTTP/1.x the bytes as escaped text,
 * for HTTP/2 one line per frame; then how they go out, and a hex dump of
 * every byte.
 */
export function describeCase(c: FuzzCase, surface: ServerSurface): string {
  const bytes = caseBytes(c, surface);
  const readable =
    c.protocol === "h1"
      ? escapeBytes(bytes)
      : http2Frames(c, surface)
          .map((f) => f.description)
          .join("\n");
  return [
    readable,
    `-- ${bytes.length} bytes, delivery ${JSON.stringify(c.delivery)}, ending ${c.ending}; hex:`,
    hexBytes(bytes),
  ].join("\n");
}

/** Sends one case to the server on `port` on a connection of its own. */
export function sendCase(
  c: FuzzCase,
  surface: ServerSurface,
  port: number,
  timing: Timing,
): Promise<Exchange> {
  return exchange(port, caseBytes(c, surface), c.delivery, c.ending, timing);
}

/**
 * The case with its first request (or stream) sent to another route, with
 * the method it had kept (not re-chosen for the new route's kind): for
 * asking which routes a finding's input kills.
 */
export function withRoute(c: FuzzCase, route: RoutePick, surface: ServerSurface): FuzzCase {
  const moved = (call: CallSpec): CallSpec => ({
    ...call,
    route,
    method: callOf(call, surface).method,
  });
  if (c.protocol === "h1") {
    return {
      ...c,
      requests: c.requests.map((r, i) => (i === 0 ? { ...r, call: moved(r.call) } : r)),
    };
  }
  return { ...c, streams: c.streams.map((s, i) => (i === 0 ? { ...s, call: moved(s.call) } : s)) };
}
