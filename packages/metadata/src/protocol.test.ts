import assert from "node:assert/strict";
import { describe, it } from "node:test";
import fc from "fast-check";
import { decodeGrpcMessage, encodeGrpcMessage, wireFormatOf } from "./protocol.js";

describe("encodeGrpcMessage and decodeGrpcMessage", () => {
  const cases = [
    {
      name: "printable text stays as it is, spaces and commas included",
      text: "delay_ms must be at most 60000, got 70000",
      wire: "delay_ms must be at most 60000, got 70000",
    },
    { name: "% is encoded", text: "100% done", wire: "100%25 done" },
    { name: "non-ASCII is encoded as UTF-8 bytes", text: "héllo", wire: "h%C3%A9llo" },
    { name: "control characters are encoded", text: "a\nb\tc", wire: "a%0Ab%09c" },
    { name: "a space at either end is encoded (HTTP would drop it)", text: " x ", wire: "%20x%20" },
    { name: "a lone space", text: " ", wire: "%20" },
    { name: "nothing", text: "", wire: "" },
  ];
  for (const { name, text, wire } of cases) {
    it(name, () => {
      assert.equal(encodeGrpcMessage(text), wire);
      assert.equal(decodeGrpcMessage(wire), text);
    });
  }
  it("decodes encodeURIComponent's form too, and keeps a broken escape as it is", () => {
    assert.equal(decodeGrpcMessage("must%20be%2C%20got"), "must be, got");
    assert.equal(decodeGrpcMessage("50%zz"), "50%zz");
  });
  it("for any text: decoding the encoding gives it back, and the encoding is a valid field value", () => {
    fc.assert(
      fc.property(fc.string({ unit: "grapheme-composite" }), (text) => {
        const wire = encodeGrpcMessage(text);
        assert.match(wire, /^(?:[\x21-\x7e](?:[\x20-\x7e]*[\x21-\x7e])?)?$/);
        assert.equal(decodeGrpcMessage(wire), text);
      }),
    );
  });
});

describe("wireFormatOf", () => {
  const cases = [
    ["application/grpc", { protocol: "grpc", codec: "proto", stream: false, text: false }],
    ["application/grpc+json", { protocol: "grpc", codec: "json", stream: false, text: false }],
    [
      "application/grpc-web-text+json",
      { protocol: "grpc-web", codec: "json", stream: false, text: true },
    ],
    [
      "application/connect+proto",
      { protocol: "connect", codec: "proto", stream: true, text: false },
    ],
    [
      "application/json; charset=utf-8",
      { protocol: "connect", codec: "json", stream: false, text: false },
    ],
    ["text/plain", undefined],
  ] as const;
  for (const [ct, want] of cases) {
    it(`${ct}`, () => assert.deepEqual(wireFormatOf(ct), want));
  }
});
