import assert from "node:assert/strict";
import { describe, it } from "node:test";
import fc from "fast-check";
import { pairs } from "./md.js";
import { isProtocolHeader, isReservedKey } from "./reserved.js";
import { checkKey, checkValue, checkWritableKey, validateMD } from "./validate.js";

describe("keys", () => {
  const valid = ["a", "x-request-id", "under_score", "dots.ok", "0-9", "UPPER-Is-Lowercased"];
  const invalid = ["", "sp ace", "colon:", "slash/", "é", "tab\t", "bang!"];
  for (const k of valid)
    it(`accepts ${JSON.stringify(k)}`, () => assert.equal(checkKey(k), undefined));
  for (const k of invalid) {
    it(`refuses ${JSON.stringify(k)}, naming it`, () => {
      const err = checkKey(k);
      assert.ok(err);
      assert.equal(err.key, k);
    });
  }
  it("accepts exactly [0-9a-z_.-]+ after lowercasing", () => {
    fc.assert(
      fc.property(fc.string({ maxLength: 12 }), (k) => {
        assert.equal(checkKey(k) === undefined, /^[0-9a-z_.-]+$/.test(k.toLowerCase()));
      }),
    );
  });
});

describe("values", () => {
  it("never accepts a character outside 0x20-0x7E", () => {
    fc.assert(
      fc.property(fc.string({ unit: "binary", maxLength: 20 }), (v) => {
        const printable = [...v].every((c) => c.charCodeAt(0) >= 0x20 && c.charCodeAt(0) <= 0x7e);
        assert.equal(checkValue("k", v) === undefined, printable);
      }),
    );
  });
  for (const v of ["a\r\nb", "nul\0", "del\x7f", "é"]) {
    it(`refuses ${JSON.stringify(v)}`, () =>
      assert.match(checkValue("k", v)?.message ?? "", /non-printable/));
  }
});

describe("reserved keys", () => {
  const reserved = [
    ":path",
    "content-type",
    "te",
    "user-agent",
    "grpc-status",
    "grpc-message",
    "grpc-timeout",
    "grpc-encoding",
    "grpc-status-details-bin",
    "connect-timeout-ms",
    "connect-protocol-version",
    "trailer-x",
    "content-length",
    "transfer-encoding",
  ];
  for (const k of reserved) {
    it(`${k} cannot be written`, () => {
      assert.ok(isReservedKey(k));
      assert.match(checkWritableKey(k)?.message ?? "", /reserved for the protocol/);
    });
  }
  for (const k of [
    "grpc-previous-rpc-attempts",
    "grpc-retry-pushback-ms",
    "authorization",
    "x-grpc",
  ]) {
    it(`${k} is application metadata`, () => assert.equal(checkWritableKey(k), undefined));
  }
  it("protocol headers are dropped on read; user-agent, authorization and cookie are kept", () => {
    for (const k of [
      "content-type",
      "grpc-timeout",
      "connect-timeout-ms",
      "origin",
      "sec-fetch-mode",
      "accept",
    ]) {
      assert.ok(isProtocolHeader(k), k);
    }
    for (const k of ["user-agent", "authorization", "cookie", "x-request-id"])
      assert.ok(!isProtocolHeader(k), k);
  });
});

describe("validateMD", () => {
  it("names the first offending key", () => {
    assert.equal(validateMD(pairs("ok", "1", "bad key", "2"))?.key, "bad key");
    assert.equal(validateMD(pairs("ok", "line\nbreak"))?.key, "ok");
    assert.equal(validateMD(pairs("grpc-status", "0"))?.key, "grpc-status");
  });
  it("does not look inside binary values", () => {
    assert.equal(validateMD(pairs("b-bin", new Uint8Array([0, 10, 13, 255]))), undefined);
  });
});
