import fc from "fast-check";
import type { CallSpec, Compression, EchoInit } from "./call-probe.js";
import { echoPrefix } from "./echo-service.js";
import { refuseHeader } from "./stamp-interceptor.js";

/**
 * The generated half of the differential corpus: well-formed calls to the
 * echo service over every protocol, codec, RPC shape and HTTP version, with
 * random messages (small and over the 1 KiB at which answers get
 * compressed), request metadata, timeouts and compression.
 */

const tokenChar = fc.constantFrom(..."abcdefghijklmnopqrstuvwxyz0123456789-_.".split(""));
const token = fc.string({ unit: tokenChar, minLength: 1, maxLength: 8 });
const printable = fc.string({
  unit: fc.integer({ min: 0x20, max: 0x7e }).map((c) => String.fromCharCode(c)),
  maxLength: 24,
});

/** One metadata entry: echoed ASCII and binary keys, others the service ignores, rarely one the interceptor refuses. */
const metadataEntry: fc.Arbitrary<readonly [string, string]> = fc.oneof(
  {
    weight: 4,
    arbitrary: fc.tuple(
      token.map((k) => `${echoPrefix}${k}`),
      printable,
    ),
  },
  {
    weight: 2,
    arbitrary: fc.tuple(
      token.map((k) => `${echoPrefix}${k}-bin`),
      fc.uint8Array({ maxLength: 12 }).map((b) => Buffer.from(b).toString("base64")),
    ),
  },
  {
    weight: 1,
    arbitrary: fc.tuple(
      token.map((k) => `x-other-${k}`),
      printable,
    ),
  },
  { weight: 1, arbitrary: fc.tuple(fc.constant(refuseHeader), fc.constant("yes")) },
);

const largeText = fc.integer({ min: 1_100, max: 4_000 }).map((n) => "lorem ipsum ".repeat(n / 12));

const echo: fc.Arbitrary<EchoInit> = fc.record({
  text: fc.oneof({ weight: 5, arbitrary: fc.string({ maxLength: 24 }) }, largeText),
  data: fc.uint8Array({ maxLength: 24 }),
  repeat: fc.integer({ min: 0, max: 4 }),
  errorCode: fc.oneof({ weight: 4, arbitrary: fc.constant(0) }, fc.integer({ min: 1, max: 17 })),
  errorMessage: fc.string({ maxLength: 16 }),
});

/** Every {@link CallSpec}, each field chosen independently. */
export const callSpec: fc.Arbitrary<CallSpec> = fc.record({
  http: fc.constantFrom("1.1", "2"),
  protocol: fc.constantFrom("connect", "grpc", "grpc-web", "grpc-web-text"),
  codec: fc.constantFrom("proto", "json"),
  shape: fc.constantFrom("unary", "serverStream", "clientStream", "bidiStream"),
  get: fc.boolean(),
  messages: fc.oneof(
    { weight: 4, arbitrary: echo.map((m) => [m]) },
    fc.array(echo, { maxLength: 3 }),
  ),
  metadata: fc.uniqueArray(metadataEntry, { maxLength: 4, selector: ([k]) => k }),
  timeout: fc.constantFrom("none", "none", "long", "expired", "malformed"),
  compress: fc.constantFrom(undefined, undefined, "gzip", "br"),
  accept: fc.shuffledSubarray<Compression>(["gzip", "br"]),
});

/** A short name for a spec, for messages. */
export function describeSpec(spec: CallSpec): string {
  const get = spec.get && spec.protocol === "connect" && spec.shape === "unary" ? " GET" : "";
  const parts = [
    `HTTP/${spec.http} ${spec.protocol}${get} ${spec.codec} ${spec.shape}`,
    `${spec.messages.length} message(s)`,
    spec.timeout === "none" ? "" : `timeout ${spec.timeout}`,
    spec.compress ? `compressed ${spec.compress}` : "",
    spec.accept.length > 0 ? `accepts ${spec.accept.join(",")}` : "",
    spec.metadata.length > 0 ? `metadata ${spec.metadata.map(([k]) => k).join(",")}` : "",
  ];
  return parts.filter((p) => p !== "").join(", ");
}
