import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { compareAnswers } from "./compare-answers.js";
import type { Answer } from "./wire-client.js";

const base: Answer = {
  status: 200,
  headers: { "content-type": ["application/proto"], "x-echo-a": ["1"] },
  trailers: {},
  body: Buffer.from([1, 2, 3]),
};

/** Each row: a change to one of two otherwise equal answers, and the fields that must be reported. */
const rows: {
  readonly name: string;
  readonly left?: Partial<Answer>;
  readonly right: Partial<Answer>;
  readonly fields: readonly string[];
}[] = [
  { name: "equal answers: nothing", right: {}, fields: [] },
  { name: "another status", right: { status: 500 }, fields: ["status"] },
  {
    name: "another header value",
    right: { headers: { ...base.headers, "x-echo-a": ["2"] } },
    fields: ["header:x-echo-a"],
  },
  {
    name: "a header only one side has",
    right: { headers: { ...base.headers, "x-more": ["1"] } },
    fields: ["header:x-more"],
  },
  {
    name: "the order of one field's values counts",
    left: { headers: { ...base.headers, "x-list": ["a", "b"] } },
    right: { headers: { ...base.headers, "x-list": ["b", "a"] } },
    fields: ["header:x-list"],
  },
  {
    name: "the order of the fields does not",
    right: { headers: { "x-echo-a": ["1"], "content-type": ["application/proto"] } },
    fields: [],
  },
  {
    name: "date and hop-by-hop fields are not compared",
    right: {
      headers: {
        ...base.headers,
        date: ["Mon, 01 Jan 2024 00:00:00 GMT"],
        connection: ["close"],
        "keep-alive": ["timeout=5"],
        "transfer-encoding": ["chunked"],
      },
    },
    fields: [],
  },
  {
    name: "content-length is compared when both send it",
    left: { headers: { ...base.headers, "content-length": ["3"] } },
    right: { headers: { ...base.headers, "content-length": ["4"] } },
    fields: ["header:content-length"],
  },
  {
    name: "content-length is not compared when one side sends the body chunked",
    right: { headers: { ...base.headers, "content-length": ["3"] } },
    fields: [],
  },
  {
    name: "a trailer is not a header",
    left: { trailers: { "grpc-status": ["0"] } },
    right: { headers: { ...base.headers, "grpc-status": ["0"] } },
    fields: ["header:grpc-status", "trailer:grpc-status"],
  },
  { name: "one byte of the body", right: { body: Buffer.from([1, 2, 4]) }, fields: ["body"] },
  { name: "a reset stream", right: { resetCode: 8 }, fields: ["reset"] },
  {
    name: "an exchange that failed",
    right: { status: undefined, failure: "ECONNRESET" },
    fields: ["failure", "status"],
  },
];

describe("compareAnswers", () => {
  for (const row of rows) {
    it(row.name, () => {
      const found = compareAnswers({ ...base, ...row.left }, { ...base, ...row.right });
      assert.deepEqual(
        found.map((d) => d.field),
        row.fields,
      );
    });
  }

  it("says what each side had", () => {
    const [found] = compareAnswers(base, { ...base, status: 415 });
    assert.deepEqual(found, { field: "status", left: "200", right: "415" });
  });
});
