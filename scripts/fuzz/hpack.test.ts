// The HPACK encoder against the examples of RFC 7541 Appendix C: the
// integer encodings of C.1 and the literal fields of C.2 that use a literal
// name, byte for byte.
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { encodeField, encodeHeaderBlock, encodeInteger } from "./hpack.js";

const hex = (b: Buffer) => b.toString("hex");

describe("HPACK integers (RFC 7541 C.1)", () => {
  const cases = [
    { name: "C.1.1: 10 in a 5-bit prefix fits the prefix", value: 10, prefix: 5, want: "0a" },
    {
      name: "C.1.2: 1337 in a 5-bit prefix continues in two bytes",
      value: 1337,
      prefix: 5,
      want: "1f9a0a",
    },
    { name: "C.1.3: 42 starting at an octet boundary", value: 42, prefix: 8, want: "2a" },
    {
      name: "a value equal to the prefix maximum needs a zero continuation",
      value: 31,
      prefix: 5,
      want: "1f00",
    },
  ];
  for (const c of cases) {
    it(c.name, () => assert.equal(hex(encodeInteger(c.value, c.prefix)), c.want));
  }
  it("keeps the flag bits above the prefix", () => {
    assert.equal(hex(encodeInteger(1337, 5, 0x20)), "3f9a0a");
  });
});

describe("HPACK literal fields with a literal name (RFC 7541 C.2)", () => {
  it("C.2.1: custom-key: custom-header, with incremental indexing", () => {
    assert.equal(
      hex(encodeField({ name: "custom-key", value: "custom-header", kind: "incremental" })),
      "400a637573746f6d2d6b65790d637573746f6d2d686561646572",
    );
  });
  it("C.2.3: password: secret, never indexed", () => {
    assert.equal(
      hex(encodeField({ name: "password", value: "secret", kind: "never-indexed" })),
      "100870617373776f726406736563726574",
    );
  });
  it("without indexing by default, and any byte goes out as it is", () => {
    assert.equal(
      hex(encodeField({ name: "X\u0000", value: "\r\n\u00ff" })),
      "0002580003" + "0d0aff",
    );
  });
  it("a block is the fields in order, after an optional table size update", () => {
    const block = encodeHeaderBlock([{ name: "a", value: "b" }], 0);
    assert.equal(hex(block), "20" + "0001610162");
  });
});
