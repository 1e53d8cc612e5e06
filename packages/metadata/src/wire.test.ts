import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { pairs } from "./md.js";
import { asRecord } from "./testing.js";
import { MetadataError } from "./validate.js";
import { MetadataSizeError, readMetadata, writeMetadata } from "./wire.js";

describe("writeMetadata", () => {
  it("writes text as is and bytes as unpadded base64, with an optional prefix", () => {
    const h = new Headers();
    writeMetadata(h, pairs("a", "1", "a", "2", "b-bin", new Uint8Array([255])), "trailer-");
    assert.equal(h.get("trailer-a"), "1, 2");
    assert.equal(h.get("trailer-b-bin"), "/w");
  });
  it("writes nothing when any entry is invalid", () => {
    const h = new Headers();
    assert.throws(() => writeMetadata(h, pairs("ok", "1", "te", "trailers")), MetadataError);
    assert.equal([...h.keys()].length, 0);
  });
});

describe("readMetadata", () => {
  it("drops protocol headers, decodes -bin values, keeps the rest", () => {
    const h = new Headers({
      "content-type": "application/grpc",
      "grpc-timeout": "1S",
      "x-a": "1",
      "x-b-bin": "AQI=, Aw",
    });
    assert.deepEqual(asRecord(readMetadata(h)), {
      "x-a": ["1"],
      "x-b-bin": [new Uint8Array([1, 2]), new Uint8Array([3])],
    });
  });
  it("counts the size as HPACK does, over metadata only, and names size and limit", () => {
    const h = new Headers({ "content-type": "application/grpc", "x-a": "12345" }); // 3 + 5 + 32 = 40
    assert.equal(readMetadata(h, { maxBytes: 40 }).length, 1);
    const err = (() => {
      try {
        readMetadata(h, { maxBytes: 39 });
      } catch (e) {
        return e;
      }
    })();
    assert.ok(err instanceof MetadataSizeError);
    assert.equal(err.size, 40);
    assert.equal(err.limit, 39);
    assert.match(err.message, /request metadata is 40 bytes, over the limit of 39 bytes/);
  });
});
