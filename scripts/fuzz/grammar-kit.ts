// The building blocks the grammars share: bytes as strings whose characters
// are bytes (latin1, 0x00-0xff, so a header name or value can hold any byte
// and a report can still show it), arbitraries over them, and "rarely",
// for the mutations a grammar should make in a few cases but not most.
import fc from "fast-check";

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
    { arbitrary: fc.constantFrom(...typical), weight: 15 },
    { arbitrary: anyByte, weight: 1 },
  );
  return fc.string({ unit, ...constraints });
}

/** `value` in about one case of `oneIn`, undefined in the others. */
export function rarely<T>(value: fc.Arbitrary<T>, oneIn: number): fc.Arbitrary<T | undefined> {
  return fc.oneof(
    { arbitrary: fc.constant(undefined), weight: oneIn - 1 },
    { arbitrary: value, weight: 1 },
  );
}

/** `text` as bytes, one byte per character (characters above 0xff keep their low byte). */
export function latin1(text: string): Buffer {
  return Buffer.from(text, "latin1");
}
