import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { pairs } from "./md.js";
import { formatMD, redactMD } from "./redact.js";

const md = pairs(
  "authorization",
  "Bearer secret",
  "x-request-id",
  "r-1",
  "x-tenant",
  "acme",
  "trace-bin",
  new Uint8Array([1, 2, 3]),
);

describe("formatMD", () => {
  const cases = [
    {
      name: "safe keys show their values, every other value is redacted, keys are shown",
      options: {},
      want: "MD{authorization=[REDACTED], x-request-id=[r-1], x-tenant=[REDACTED], trace-bin=[REDACTED]}",
    },
    {
      name: "with showKeys false, keys that are not safe are only counted",
      options: { showKeys: false },
      want: "MD{x-request-id=[r-1], 3 more keys REDACTED}",
    },
    {
      name: "a binary value on a safe key prints as its length, never its bytes",
      options: { safeKeys: ["trace-bin"], showKeys: false },
      want: "MD{trace-bin=[<3 bytes>], 3 more keys REDACTED}",
    },
    {
      name: "a safe value longer than maxValueLength is cut and marked with its length",
      options: { safeKeys: ["authorization"], showKeys: false, maxValueLength: 6 },
      want: "MD{authorization=[Bearer…<13 chars>], 3 more keys REDACTED}",
    },
  ];
  for (const { name, options, want } of cases) {
    it(name, () => assert.equal(formatMD(md, options), want));
  }
  it("an empty MD and one hidden key read naturally", () => {
    assert.equal(formatMD(pairs()), "MD{}");
    assert.equal(formatMD(pairs("x-a", "1"), { showKeys: false }), "MD{1 more key REDACTED}");
  });
});

describe("redactMD", () => {
  it("is formatMD's structure, for JSON logs", () => {
    assert.deepEqual(redactMD(md), {
      authorization: "[REDACTED]",
      "x-request-id": ["r-1"],
      "x-tenant": "[REDACTED]",
      "trace-bin": "[REDACTED]",
    });
    assert.deepEqual(redactMD(md, { showKeys: false }), {
      "x-request-id": ["r-1"],
      "[REDACTED keys]": 3,
    });
  });
});
