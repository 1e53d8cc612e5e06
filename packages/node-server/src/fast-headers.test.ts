import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { FastHeaders } from "./fast-headers.js";

describe("FastHeaders keeps the Fetch API's contract", () => {
  it("lowercases, joins repeated values, trims, and skips pseudo-headers", () => {
    const h = new FastHeaders({ ":path": "/x", "X-A": "1", b: ["2", "3"] });
    h.append("X-A", " 4 ");
    assert.equal(h.get("x-a"), "1, 4");
    assert.equal(h.get("B"), "2, 3");
    assert.equal(h.has(":path"), false);
    h.set("x-a", "5");
    h.delete("B");
    assert.deepEqual([...h], [["x-a", "5"]]);
  });

  it("keeps set-cookie values apart", () => {
    const h = new FastHeaders();
    h.append("set-cookie", "a=1");
    h.append("set-cookie", "b=2");
    assert.deepEqual(h.getSetCookie(), ["a=1", "b=2"]);
  });

  it("refuses invalid names and values with a TypeError", () => {
    const h = new FastHeaders();
    assert.throws(() => h.append("bad name", "v"), TypeError);
    assert.throws(() => h.set("x", "a\r\nb"), TypeError);
  });

  it("converts to the platform Headers", () => {
    const h = new FastHeaders({ "x-a": "1" });
    assert.equal(new Headers(h).get("x-a"), "1");
  });
});
