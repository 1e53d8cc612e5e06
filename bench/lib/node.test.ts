import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { it } from "node:test";
import { ciNode24Version } from "./node.js";

it("the bench looks for the Node 24 that .ci/run pins", () => {
  const ci = readFileSync(new URL("../../.ci/run", import.meta.url), "utf8");
  assert.equal(/^node24_version=(\S+)$/m.exec(ci)?.[1], ciNode24Version);
});
