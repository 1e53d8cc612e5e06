import assert from "node:assert/strict";
import { describe, it } from "node:test";
import fc from "fast-check";
import { decodeBinaryValues, encodeBinaryValue } from "./binary.js";

describe("binary values", () => {
  it("emit unpadded standard base64", () => {
    assert.equal(encodeBinaryValue(new Uint8Array([0xfb, 0xff])), "+/8");
    assert.equal(encodeBinaryValue(new Uint8Array([])), "");
  });

  it("round-trip every byte string", () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 300 }), (bytes) => {
        const [decoded] = decodeBinaryValues("k-bin", encodeBinaryValue(bytes));
        assert.deepEqual(decoded, bytes);
      }),
    );
  });

  it("decode padded and unpadded input the same", () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 100 }), (bytes) => {
        const raw = encodeBinaryValue(bytes);
        const padded = raw + "=".repeat((4 - (raw.length % 4)) % 4);
        assert.deepEqual(decodeBinaryValues("k-bin", padded), decodeBinaryValues("k-bin", raw));
      }),
    );
  });

  it("split comma-joined values, in order", () => {
    fc.assert(
      fc.property(
        fc.array(fc.uint8Array({ maxLength: 40 }), { minLength: 1, maxLength: 6 }),
        (list) => {
          const wire = list.map(encodeBinaryValue).join(", ");
          assert.deepEqual(decodeBinaryValues("k-bin", wire), list);
        },
      ),
    );
  });

  const bad = ["a", "ab=c", "-_8", "abc==", "a===", "ab c", "%%%%"];
  for (const text of bad) {
    it(`reject ${JSON.stringify(text)} with an error naming the key`, () => {
      assert.throws(
        () => decodeBinaryValues("trace-bin", text),
        /invalid base64 in binary metadata "trace-bin"/,
      );
    });
  }
});
