// How a delivery cuts a case's bytes into the writes that go on the wire.
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { piecesOf } from "./connection.js";

describe("piecesOf: how a delivery cuts a case's bytes", () => {
  const bytes = Buffer.from("0123456789");
  const cases = [
    { name: "whole is one piece", d: { kind: "whole" as const }, want: ["0123456789"] },
    {
      name: "cuts at per-mille positions, in order",
      d: { kind: "pieces" as const, cuts: [700, 200], gapMs: 0 },
      want: ["01", "23456", "789"],
    },
    {
      name: "repeated cuts and cuts that round to the start make no empty pieces",
      d: { kind: "pieces" as const, cuts: [1, 1, 500, 500], gapMs: 0 },
      want: ["01234", "56789"],
    },
    {
      name: "a cut keeps only the first part",
      d: { kind: "cut" as const, keepPerMille: 300 },
      want: ["012"],
    },
  ];
  for (const c of cases) {
    it(c.name, () => {
      assert.deepEqual(
        piecesOf(bytes, c.d).map((b) => b.toString()),
        c.want,
      );
    });
  }
});
