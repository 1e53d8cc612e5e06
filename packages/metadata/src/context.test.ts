import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { createContextKey, createContextValues } from "@connectrpc/connect";
import {
  fromIncomingContext,
  newIncomingContext,
  valueFromIncomingContext,
} from "./incoming-context.js";
import { pairs } from "./md.js";
import {
  appendToOutgoingContext,
  fromOutgoingContext,
  newOutgoingContext,
} from "./outgoing-context.js";
import { asRecord } from "./testing.js";

describe("outgoing context", () => {
  it("appends after newOutgoingContext, in order (grpc-go TestAppendToOutgoingContext)", () => {
    let ctx = newOutgoingContext(createContextValues(), pairs("k1", "v1", "k2", "v2"));
    ctx = appendToOutgoingContext(ctx, "k1", "v3");
    ctx = appendToOutgoingContext(ctx, "k1", "v4");
    const md = fromOutgoingContext(ctx);
    assert.ok(md);
    assert.deepEqual(asRecord(md), asRecord(pairs("k1", "v1", "k1", "v3", "k1", "v4", "k2", "v2")));
  });

  it("works without a base MD", () => {
    const md = fromOutgoingContext(appendToOutgoingContext(undefined, "K1", "v1"));
    assert.deepEqual(md && asRecord(md), { k1: ["v1"] });
  });

  it("returns undefined when nothing was ever set", () => {
    assert.equal(fromOutgoingContext(createContextValues()), undefined);
  });

  it("siblings do not see each other (grpc-go TestAppendToOutgoingContext_Repeated)", () => {
    // Each round appends to the same parent twice; each child must hold the
    // parent's values plus its own one, never its sibling's.
    let ctx = createContextValues();
    const kept: string[] = [];
    for (let i = 0; i < 100; i += 2) {
      const ctx1 = appendToOutgoingContext(ctx, "k", String(i));
      const ctx2 = appendToOutgoingContext(ctx, "k", String(i + 1));
      assert.deepEqual(fromOutgoingContext(ctx1)?.get("k"), [...kept, String(i)]);
      assert.deepEqual(fromOutgoingContext(ctx2)?.get("k"), [...kept, String(i + 1)]);
      kept.push(String(i));
      ctx = ctx1;
    }
    assert.equal(fromOutgoingContext(ctx)?.get("k").length, 50);
  });

  it("leaves the parent unchanged", () => {
    const parent = appendToOutgoingContext(undefined, "a", "1");
    appendToOutgoingContext(parent, "b", "2");
    assert.deepEqual(asRecord(fromOutgoingContext(parent) ?? pairs()), { a: ["1"] });
  });

  it("newOutgoingContext overwrites appended pairs", () => {
    let ctx = appendToOutgoingContext(undefined, "old", "1");
    ctx = newOutgoingContext(ctx, pairs("new", "2"));
    ctx = appendToOutgoingContext(ctx, "later", "3");
    assert.deepEqual(asRecord(fromOutgoingContext(ctx) ?? pairs()), { new: ["2"], later: ["3"] });
  });

  it("returns a merged copy: changing it changes nothing", () => {
    const ctx = newOutgoingContext(undefined, pairs("k", "v"));
    fromOutgoingContext(ctx)?.set("k", "changed");
    assert.deepEqual(fromOutgoingContext(ctx)?.get("k"), ["v"]);
  });

  it("throws on an odd number of pairs", () => {
    assert.throws(() => appendToOutgoingContext(undefined, "a"), /odd number of input pairs: 1/);
  });

  it("keeps other context values visible to the child, without changing the parent", () => {
    const local = createContextKey("none", { description: "local" });
    const parent = createContextValues().set(local, "parent");
    const child = appendToOutgoingContext(parent, "k", "v");
    assert.equal(child.get(local), "parent");
    child.set(local, "child");
    assert.equal(parent.get(local), "parent");
    child.delete(local);
    assert.equal(child.get(local), "none");
    assert.equal(parent.get(local), "parent");
  });
});

describe("incoming context", () => {
  const md = pairs("X-My-Header-1", "42", "X-My-Header-2", "43-1", "X-My-Header-2", "43-2");
  const ctx = newIncomingContext(createContextValues(), md);

  it("fromIncomingContext returns a lowercased copy (grpc-go TestFromIncomingContext)", () => {
    const got = fromIncomingContext(ctx);
    assert.ok(got);
    assert.deepEqual(asRecord(got), { "x-my-header-1": ["42"], "x-my-header-2": ["43-1", "43-2"] });
    got.set("new_key", "foo");
    got.set("x-my-header-1", "mutated");
    assert.deepEqual(asRecord(fromIncomingContext(ctx) ?? pairs()), {
      "x-my-header-1": ["42"],
      "x-my-header-2": ["43-1", "43-2"],
    });
  });

  const cases = [
    { key: "x-my-header-1", want: ["42"] },
    { key: "X-MY-HEADER-2", want: ["43-1", "43-2"] },
    { key: "x-unknown", want: [] },
  ];
  for (const { key, want } of cases) {
    it(`valueFromIncomingContext(${key}) is case-insensitive`, () =>
      assert.deepEqual(valueFromIncomingContext(ctx, key), want));
  }

  it("is undefined outside a handler", () => {
    assert.equal(fromIncomingContext(createContextValues()), undefined);
  });

  it("is never outgoing: a handler context sends nothing by itself", () => {
    assert.equal(fromOutgoingContext(ctx), undefined);
  });
});
