import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { encodeStandardBase64 } from "@hello-metadata/metadata";
import fc from "fast-check";
import { valueToBytes } from "./value-bytes.js";

describe("valueToBytes", () => {
  it("reads hex with or without separators, any case", () => {
    const want = new Uint8Array([0x00, 0xff, 0x10]);
    for (const typed of ["00ff10", "00 FF 10", "00:ff:10", ""]) {
      assert.deepEqual(valueToBytes("k-bin", typed, "hex"), typed === "" ? new Uint8Array() : want);
    }
  });

  it("refuses odd or non-hex digits with a message that says hex", () => {
    assert.throws(() => valueToBytes("k-bin", "0ff", "hex"), /not hex/);
    assert.throws(() => valueToBytes("k-bin", "zz", "hex"), /not hex/);
  });

  it("reads base64 padded and unpadded, and refuses a comma or URL-safe characters", () => {
    assert.deepEqual(valueToBytes("k-bin", "AP8Q", "base64"), new Uint8Array([0, 255, 16]));
    assert.deepEqual(valueToBytes("k-bin", "AP8=", "base64"), new Uint8Array([0, 255]));
    assert.deepEqual(valueToBytes("k-bin", "AP8", "base64"), new Uint8Array([0, 255]));
    assert.throws(() => valueToBytes("k-bin", "AP8Q,AA", "base64"), /comma/);
    assert.throws(() => valueToBytes("k-bin", "-_8", "base64"), /invalid base64/);
  });

  it("reads text as UTF-8", () => {
    assert.deepEqual(valueToBytes("k-bin", "é", "text"), new Uint8Array([0xc3, 0xa9]));
  });

  it("round-trips every byte string through hex and base64", () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 64 }), (bytes) => {
        const hex = [...bytes].map((b) => b.toString(16).padStart(2, "0")).join(" ");
        assert.deepEqual(valueToBytes("k-bin", hex, "hex"), bytes);
        assert.deepEqual(valueToBytes("k-bin", encodeStandardBase64(bytes), "base64"), bytes);
      }),
    );
  });
});
