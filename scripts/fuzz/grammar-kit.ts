// The building blocks the grammars share: bytes as strings whose characters
// are bytes (latin1, 0x00-0xff, so a header name or value can hold any byte
// and a report can still show it), arbitraries over them, "rarely", for the
// mutations a grammar should make in a few cases but not most, and the
// choice every grammar makes between a normal value and its mutations.
import fc from "fast-check";

/**
 * `fc.oneof` constraints for every choice in the grammars: the first
 * alternative is always the normal one, and cross-shrinking lets the
 * shrinker go back to it from a mutation that does not matter — without
 * it, a mutation once drawn can only shrink within its own alternative, and
 * a finding's minimal input keeps every irrelevant oddity it was born with.
 */
export const backToNormal = { withCrossShrink: true } as const;

/** One byte, 0x00-0xff, as a one-character latin1 string. */
export const anyByte: fc.Arbitrary<string> = fc
  .integer({ min: 0, max: 0xff })
  .map((b) => String.fromCharCode(b));

/**
 * Strings of bytes: mostly the given `typical` characters (so a grammar
 * still produces what a parser reads past), and about one character in 16
 * any byte at all.
 */
export function byteString(
  typical: string,
  constraints: { minLength?: number; maxLength?: number } = {},
): fc.Arbitrary<string> {
  const unit = fc.oneof(
    backToNormal,
    { arbitrary: fc.constantFrom(...typical), weight: 15 },
    { arbitrary: anyByte, weight: 1 },
  );
  return fc.string({ unit, ...constraints });
}

/** `value` in about one case of `oneIn`, undefined in the others. */
export function rarely<T>(value: fc.Arbitrary<T>, oneIn: number): fc.Arbitrary<T | undefined> {
  return fc.oneof(
    backToNormal,
    { arbitrary: fc.constant(undefined), weight: oneIn - 1 },
    { arbitrary: value, weight: 1 },
  );
}

/** `text` as bytes, one byte per character (characters above 0xff keep their low byte). */
export function latin1(text: string): Buffer {
  return Buffer.from(text, "latin1");
}

/**
 * One `item`, and in about one case of `oneIn` up to `moreAtMost` more
 * after it. The first is kept apart so that shrinking can drop the others
 * (back to none) without drawing a new first one.
 */
export function oneAndSometimesMore<T>(
  item: fc.Arbitrary<T>,
  oneIn: number,
  moreAtMost: number,
): fc.Arbitrary<T[]> {
  return fc
    .tuple(
      item,
      fc.oneof(
        backToNormal,
        { arbitrary: fc.constant([]), weight: oneIn - 1 },
        { arbitrary: fc.array(item, { minLength: 1, maxLength: moreAtMost }), weight: 1 },
      ),
    )
    .map(([first, more]) => [first, ...more]);
}
