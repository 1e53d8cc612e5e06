import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { inspect } from "node:util";
import fc from "fast-check";
import { join, MD, newMD, pairs } from "./md.js";
import { asRecord } from "./testing.js";

// The cases restate grpc-go's metadata_test.go as facts about MD.
describe("pairs", () => {
  const cases: { kv: string[]; want: Record<string, string[]> }[] = [
    { kv: [], want: {} },
    { kv: ["k1", "v1", "k1", "v2"], want: { k1: ["v1", "v2"] } },
    { kv: ["K1", "v1", "k1", "v2"], want: { k1: ["v1", "v2"] } },
  ];
  for (const { kv, want } of cases) {
    it(`pairs(${JSON.stringify(kv)})`, () => assert.deepEqual(asRecord(pairs(...kv)), want));
  }
  it("throws on an odd count, naming it", () => {
    assert.throws(() => pairs("k1", "v1", "k2"), /odd number of input pairs: 3/);
  });
  it("refuses a string on a -bin key and bytes on a text key", () => {
    assert.throws(() => pairs("trace-bin", "text"), /"trace-bin" takes Uint8Array/);
    assert.throws(() => pairs("trace", new Uint8Array([1])), /"trace" takes string/);
  });
});

describe("newMD", () => {
  it("lowercases keys and merges keys that differ only in case", () => {
    const md = newMD({ "X-A": "1", "x-a": ["2", "3"], "b-bin": new Uint8Array([7]) });
    assert.deepEqual(asRecord(md), { "x-a": ["1", "2", "3"], "b-bin": [new Uint8Array([7])] });
  });
});

describe("copy", () => {
  it("is deep: changing the original does not change the copy", () => {
    const orig = pairs("key", "val", "k-bin", new Uint8Array([1, 2]));
    const cpy = orig.copy();
    assert.deepEqual(asRecord(cpy), asRecord(orig));
    orig.set("key", "foo");
    (orig.get("k-bin")[0] as Uint8Array)[0] = 9;
    assert.deepEqual(cpy.get("key"), ["val"]);
    assert.deepEqual(cpy.get("k-bin"), [new Uint8Array([1, 2])]);
  });
  it("get returns a copy of the values array", () => {
    const md = pairs("k", "v");
    md.get("k").push("x");
    assert.deepEqual(md.get("k"), ["v"]);
  });
});

describe("join", () => {
  const cases: { name: string; mds: MD[]; want: MD }[] = [
    { name: "nothing joined is empty", mds: [], want: pairs() },
    { name: "one MD is copied as it is", mds: [pairs("foo", "bar")], want: pairs("foo", "bar") },
    {
      name: "a key in two MDs collects both values, first MD first",
      mds: [pairs("foo", "bar"), pairs("foo", "baz")],
      want: pairs("foo", "bar", "foo", "baz"),
    },
    {
      name: "distinct keys are all kept",
      mds: [pairs("foo", "bar"), pairs("foo", "baz"), pairs("zip", "zap")],
      want: pairs("foo", "bar", "foo", "baz", "zip", "zap"),
    },
  ];
  for (const { name, mds, want } of cases) {
    it(name, () => assert.deepEqual(asRecord(join(...mds)), asRecord(want)));
  }
  it("leaves its inputs unchanged", () => {
    const a = pairs("k", "1");
    join(a, pairs("k", "2"));
    assert.deepEqual(a.get("k"), ["1"]);
  });
});

describe("get", () => {
  const cases = [
    { md: pairs("My-Optional-Header", "42"), key: "My-Optional-Header", want: ["42"] },
    {
      md: pairs("Header", "42", "Header", "43", "Header", "44", "other", "1"),
      key: "HEADER",
      want: ["42", "43", "44"],
    },
    { md: pairs("HEADER", "10"), key: "HEADER", want: ["10"] },
    { md: pairs("a", "1"), key: "missing", want: [] },
  ];
  for (const { md, key, want } of cases) {
    it(`get(${key})`, () => assert.deepEqual(md.get(key), want));
  }
});

describe("set", () => {
  const cases = [
    {
      name: "replaces the values of an existing key, whatever its case",
      md: pairs("My-Optional-Header", "42", "other-key", "999"),
      key: "Other-Key",
      vals: ["1"],
      want: pairs("my-optional-header", "42", "other-key", "1"),
    },
    {
      name: "adds a new key with all its values, in order",
      md: pairs("My-Optional-Header", "42"),
      key: "Other-Key",
      vals: ["1", "2", "3"],
      want: pairs("my-optional-header", "42", "other-key", "1", "other-key", "2", "other-key", "3"),
    },
    {
      name: "setting no values neither clears nor creates the key",
      md: pairs("My-Optional-Header", "42"),
      key: "Other-Key",
      vals: [],
      want: pairs("my-optional-header", "42"),
    },
  ];
  for (const { name, md, key, vals, want } of cases) {
    it(name, () => assert.deepEqual(asRecord(md.set(key, ...vals)), asRecord(want)));
  }
});

describe("append", () => {
  const cases = [
    {
      name: "adds a new key",
      md: pairs("My-Optional-Header", "42"),
      key: "Other-Key",
      vals: ["1"],
      want: pairs("my-optional-header", "42", "other-key", "1"),
    },
    {
      name: "appends after the existing values of a key written in another case",
      md: pairs("My-Optional-Header", "42"),
      key: "my-OptIoNal-HeAder",
      vals: ["1", "2", "3"],
      want: pairs(
        "my-optional-header",
        "42",
        "my-optional-header",
        "1",
        "my-optional-header",
        "2",
        "my-optional-header",
        "3",
      ),
    },
    {
      name: "appending no values changes nothing",
      md: pairs("My-Optional-Header", "42"),
      key: "my-OptIoNal-HeAder",
      vals: [],
      want: pairs("my-optional-header", "42"),
    },
  ];
  for (const { name, md, key, vals, want } of cases) {
    it(name, () => assert.deepEqual(asRecord(md.append(key, ...vals)), asRecord(want)));
  }
});

describe("delete and length", () => {
  const cases = [
    {
      name: "removes the key and its values",
      md: pairs("My-Optional-Header", "42"),
      key: "My-Optional-Header",
      want: pairs(),
    },
    {
      name: "a missing key changes nothing",
      md: pairs("My-Optional-Header", "42"),
      key: "Other-Key",
      want: pairs("my-optional-header", "42"),
    },
    {
      name: "the key is found whatever its case",
      md: pairs("My-Optional-Header", "42"),
      key: "my-OptIoNal-HeAder",
      want: pairs(),
    },
  ];
  for (const { name, md, key, want } of cases) {
    it(name, () => {
      md.delete(key);
      assert.deepEqual(asRecord(md), asRecord(want));
      assert.equal(md.length, want.length);
    });
  }
  it("length counts keys, not values", () => {
    assert.equal(pairs("a", "1", "a", "2", "b", "3").length, 2);
  });
});

describe("printing", () => {
  it("redacts values in toString and util.inspect", () => {
    const md = pairs("authorization", "Bearer secret", "x-request-id", "r-1");
    for (const text of [String(md), inspect(md), `${md}`]) {
      assert.doesNotMatch(text, /secret/);
      assert.match(text, /authorization=\[REDACTED\]/);
      assert.match(text, /x-request-id=\[r-1\]/);
    }
  });
});

describe("join, as a property", () => {
  it("keeps every value, in argument order, per key", () => {
    const key = fc.constantFrom("a", "B", "c-d");
    const md = fc.array(fc.tuple(key, fc.string({ maxLength: 5 })), { maxLength: 8 }).map((kv) => {
      const m = new MD();
      for (const [k, v] of kv) m.append(k, v);
      return m;
    });
    fc.assert(
      fc.property(fc.array(md, { maxLength: 5 }), (mds) => {
        const joined = join(...mds);
        for (const k of ["a", "b", "c-d"]) {
          assert.deepEqual(
            joined.get(k),
            mds.flatMap((m) => m.get(k)),
          );
        }
      }),
    );
  });
});

describe("forEach", () => {
  it("visits keys in first-insertion order with their values", () => {
    const seen: [string, unknown[]][] = [];
    pairs("b", "1", "a", "2", "b", "3").forEach((values, key) => {
      seen.push([key, [...values]]);
    });
    assert.deepEqual(seen, [
      ["b", ["1", "3"]],
      ["a", ["2"]],
    ]);
  });
});

describe("the value type follows the key", () => {
  it("takes bytes for -bin keys in any case, text for others, either for a wide key", () => {
    const md = new MD();
    md.set("x-trace-bin", new Uint8Array([1]));
    md.set("X-Trace-Bin", new Uint8Array([2]));
    md.append("x-user", "junxi");
    const wide: string = "x-any";
    md.append(wide, "text");
    md.append(`${wide}-bin`, new Uint8Array([3]));
    const bytes: Uint8Array[] = md.get("X-TRACE-BIN");
    const text: string[] = md.get("X-User");
    assert.deepEqual([bytes, text], [[new Uint8Array([2])], ["junxi"]]);
    // @ts-expect-error a -bin key takes Uint8Array values, whatever its case
    assert.throws(() => md.set("X-Trace-Bin", "text"), TypeError);
    // @ts-expect-error a text key takes strings
    assert.throws(() => md.append("x-user", new Uint8Array([1])), TypeError);
  });
});
