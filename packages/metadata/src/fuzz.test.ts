// Property tests on the metadata parser: whatever headers arrive, reading
// them either yields valid metadata or fails with a MetadataError that
// names a key — never anything else.
import assert from "node:assert/strict";
import { it } from "node:test";
import fc from "fast-check";
import { isBinaryKey } from "./binary.js";
import { checkKey, checkValue, MetadataError } from "./validate.js";
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
  fc.base64String({ maxLength: 24 }),
  fc.base64String({ maxLength: 24 }).map((s) => s.replace(/=+$/, "")),
);

it("readMetadata: valid metadata or a MetadataError naming the key, for any header set", () => {
  fc.assert(
    fc.property(fc.array(fc.tuple(name, value), { maxLength: 12 }), (fields) => {
      const headers = new Headers();
      for (const [k, v] of fields) headers.append(k, v.trim());
      try {
        const md = readMetadata(headers, { validate: true });
        for (const [key, values] of md.entries()) {
          assert.equal(checkKey(key), undefined);
          if (!isBinaryKey(key))
            for (const v of values) assert.equal(checkValue(key, v as string), undefined);
          else for (const v of values) assert.ok(v instanceof Uint8Array);
        }
      } catch (e) {
        assert.ok(e instanceof MetadataError, `unexpected ${String(e)}`);
        assert.ok(
          fields.some(([k]) => k.toLowerCase() === e.key),
          `the error names a sent key: ${e.key}`,
        );
      }
    }),
    { numRuns: 500 },
  );
});
