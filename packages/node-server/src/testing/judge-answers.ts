import assert from "node:assert/strict";
import { compareAnswers, describeDifferences } from "./compare-answers.js";
import {
  type Answers,
  type Case,
  type IntentionalDifference,
  intentionalDifferences,
} from "./intentional-differences.js";

/** How a case came out: the answers were equal, or differed as an intentional difference says. */
export type Verdict = "equal" | IntentionalDifference["name"];

/**
 * Judges the engine's and stock's answers to one case, and throws an
 * AssertionError naming every differing field unless
 * - no intentional difference applies and the answers are equal, or
 * - the first one that applies sees a difference, every differing field is
 *   one it names, and its own assertions of both answers hold.
 * An intentional difference said to differ every time that applies to
 * answers that are equal fails too: it no longer describes the engine.
 */
export async function judge(
  c: Case,
  answers: Answers,
  differences: readonly IntentionalDifference[] = intentionalDifferences,
): Promise<Verdict> {
  const found = compareAnswers(answers.engine, answers.stock);
  const shown = () => describeDifferences(found, { left: "engine", right: "stock" });
  const rule = differences.find((d) => d.applies(c));
  if (!rule) {
    assert.ok(
      found.length === 0,
      `${c.name}: the engine and stock answer differently:\n  ${shown()}`,
    );
    return "equal";
  }
  if (found.length === 0) {
    assert.ok(
      !rule.everyTime,
      `${c.name}: "${rule.name}" applies, but the answers are equal: remove or narrow it`,
    );
    return "equal";
  }
  if (rule.fields !== "all") {
    const allowed = new Set(rule.fields);
    const outside = found.filter((d) => !allowed.has(d.field));
    assert.ok(
      outside.length === 0,
      `${c.name}: "${rule.name}" explains ${rule.fields.join(", ")}, not:\n  ${describeDifferences(outside, { left: "engine", right: "stock" })}`,
    );
  }
  try {
    await rule.check(c, answers);
  } catch (e) {
    throw new assert.AssertionError({
      message: `${c.name}: "${rule.name}" does not hold: ${(e as Error).message}\n  ${shown()}`,
    });
  }
  return rule.name;
}
