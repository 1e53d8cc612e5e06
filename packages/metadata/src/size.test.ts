import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { MD, pairs } from "./md.js";
import { metadataSize } from "./size.js";

describe("metadataSize", () => {
  it("counts name + value + 32 for every pair", () => {
    assert.equal(metadataSize(new MD()), 0);
    assert.equal(metadataSize(pairs("x-user", "junxi")), 6 + 5 + 32);
    assert.equal(metadataSize(pairs("k", "a", "k", "bc")), 1 + 1 + 32 + (1 + 2 + 32));
  });

  it("counts a binary value as its unpadded base64 length", () => {
    // 4 bytes are "AAECAw" unpadded (6 characters), "AAECAw==" padded.
    assert.equal(metadataSize(pairs("x-demo-bin", new Uint8Array([0, 1, 2, 3]))), 10 + 6 + 32);
  });
});
