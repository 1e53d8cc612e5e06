// Property tests on the metadata parser: for any header set, readMetadata
// with validation returns exactly what an independent oracle expects — the
// metadata fields, decoded — or, when a field is not valid metadata, a
// MetadataError naming the first such field. Both outcomes must be a real
// part of every run, and the property is shown to fail on parsers that are
// wrong in either direction.
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import fc from "fast-check";
import type { MD } from "./md.js";
import { isProtocolHeader } from "./reserved.js";
import { MetadataError } from "./validate.js";
import { readMetadata } from "./wire.js";

const tokenChar = fc.constantFrom(
  ..."abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_.!#$%&'*+^`|~".split(""),
);
const name = fc.oneof(
  fc.string({ unit: tokenChar, minLength: 1, maxLength: 12 }),
  fc.string({ unit: tokenChar, minLength: 1, maxLength: 8 }).map((k) => `${k}-bin`),
  fc.constantFrom("content-type", "grpc-timeout", "user-agent", "x-request-id", "te"),
);
// Header values as Headers accepts them: latin1 without CR, LF, NUL.
const value = fc.oneof(
  fc.string({
    unit: fc
      .integer({ min: 0x20, max: 0xff })
      .filter((c) => c !== 0x7f)
      .map((c) => String.fromCharCode(c)),
    maxLength: 30,
  }),
  fc.string({ unit: fc.constantFrom(..."abcxyz-_. 0123456789".split("")), maxLength: 12 }),
  fc.base64String({ maxLength: 24 }),
  fc.base64String({ maxLength: 24 }).map((s) => s.replace(/=+$/, "")),
);
const headerSets = fc.array(fc.tuple(name, value), { maxLength: 8 });

type Values = (string | number[])[];
type Expected = { md: Map<string, Values> } | { errorKey: string };

/**
 * What reading `headers` must give, written from the rules (grpc-go's
 * ValidateKey and ValidatePair, standard base64 padded or not, comma-joined
 * binary values) without the library's own checks.
 */
function oracle(headers: Headers): Expected {
  const md = new Map<string, Values>();
  for (const [key, wire] of headers) {
    if (isProtocolHeader(key)) continue;
    if (!/^[0-9a-z_.-]+$/.test(key)) return { errorKey: key };
    if (!key.endsWith("-bin")) {
      if (!/^[\x20-\x7e]*$/.test(wire)) return { errorKey: key };
      md.set(key, [...(md.get(key) ?? []), wire]);
      continue;
    }
    const parts = wire.split(",").map((p) => p.trim());
    const bytes: number[][] = [];
    for (const part of parts) {
      const unpadded = part.replace(/={1,2}$/, "");
      const ok =
        /^[A-Za-z0-9+/]*$/.test(unpadded) &&
        unpadded.length % 4 !== 1 &&
        (unpadded.length === part.length || part.length % 4 === 0);
      if (!ok) return { errorKey: key };
      bytes.push(
        [...atob(unpadded.padEnd(Math.ceil(unpadded.length / 4) * 4, "="))].map((c) =>
          c.charCodeAt(0),
        ),
      );
    }
    md.set(key, [...(md.get(key) ?? []), ...bytes]);
  }
  return { md };
}

function plain(md: MD): Map<string, Values> {
  const out = new Map<string, Values>();
  md.forEach((values, key) => {
    out.set(
      key,
      values.map((v) => (typeof v === "string" ? v : [...v])),
    );
  });
  return out;
}

type Reader = (headers: Headers) => MD;

/** The property, for any reader; returns how many sets were read and how many refused. */
function check(read: Reader, numRuns: number): { read: number; refused: number } {
  const seen = { read: 0, refused: 0 };
  fc.assert(
    fc.property(headerSets, (fields) => {
      const headers = new Headers();
      for (const [k, v] of fields) headers.append(k, v.trim());
      const want = oracle(headers);
      let got: Expected;
      try {
        got = { md: plain(read(headers)) };
      } catch (e) {
        assert.ok(e instanceof MetadataError, `unexpected ${String(e)}`);
        got = { errorKey: e.key };
      }
      assert.deepEqual(got, want);
      if ("md" in want) seen.read++;
      else seen.refused++;
    }),
    { numRuns },
  );
  return seen;
}

describe("readMetadata, for any header set", () => {
  it("gives exactly the oracle's metadata, or a MetadataError naming the first bad field", () => {
    const seen = check((h) => readMetadata(h, { validate: true }), 1000);
    // Neither outcome may be vacuous: both are a real part of the run.
    assert.ok(seen.read > 200 && seen.refused > 200, JSON.stringify(seen));
  });

  it("the property fails for a parser that refuses everything", () => {
    const refuseAll: Reader = (h) => {
      const first = [...h.keys()][0] ?? "";
      throw new MetadataError(first, "refused");
    };
    assert.throws(() => check(refuseAll, 200), /Property failed/);
  });

  it("the property fails for a parser that lets invalid values through", () => {
    assert.throws(() => check((h) => readMetadata(h), 200), /Property failed/);
  });

  it("the property fails for a parser that keeps protocol headers", () => {
    const keepAll: Reader = (h) => {
      const md = readMetadata(h, { validate: true });
      const ct = h.get("content-type");
      if (ct !== null) md.append("content-type", ct);
      return md;
    };
    assert.throws(() => check(keepAll, 300), /Property failed/);
  });
});
