// A minimal HPACK encoder (RFC 7541) for a client that must be able to say
// anything: literal header fields with a literal name, never Huffman, so
// every name and value goes out byte for byte — uppercase names, NUL, CR,
// LF, bytes over 0x7f, pseudo-headers in any order and number. Nothing is
// checked; whatever the peer makes of it is the point.

/** How a literal field asks to be stored (RFC 7541 §6.2). */
export type LiteralKind = "without-indexing" | "incremental" | "never-indexed";

/** One header field: its name and value as bytes (latin1 strings). */
export interface HeaderField {
  readonly name: string;
  readonly value: string;
  /** Default "without-indexing". */
  readonly kind?: LiteralKind;
}

/**
 * An HPACK integer (RFC 7541 §5.1) with an N-bit prefix; `flags` are the
 * bits above the prefix in the first byte.
 */
export function encodeInteger(value: number, prefixBits: number, flags = 0): Buffer {
  const max = (1 << prefixBits) - 1;
  if (value < max) return Buffer.from([flags | value]);
  const out = [flags | max];
  let rest = value - max;
  while (rest >= 128) {
    out.push((rest % 128) + 128);
    rest = Math.floor(rest / 128);
  }
  out.push(rest);
  return Buffer.from(out);
}

/** A string literal, not Huffman-coded: length with a 7-bit prefix, then the bytes. */
function encodeString(text: string): Buffer {
  const bytes = Buffer.from(text, "latin1");
  return Buffer.concat([encodeInteger(bytes.length, 7), bytes]);
}

const firstByte: Record<LiteralKind, { flags: number; prefix: number }> = {
  incremental: { flags: 0x40, prefix: 6 },
  "without-indexing": { flags: 0x00, prefix: 4 },
  "never-indexed": { flags: 0x10, prefix: 4 },
};

/** One literal field with a literal name (index 0): its representation's bytes. */
export function encodeField(field: HeaderField): Buffer {
  const { flags, prefix } = firstByte[field.kind ?? "without-indexing"];
  return Buffer.concat([
    encodeInteger(0, prefix, flags),
    encodeString(field.name),
    encodeString(field.value),
  ]);
}

/**
 * A header block of `fields` in order, each a literal with a literal name.
 * With `tableSizeUpdate`, the block starts with a dynamic table size update
 * to that size (RFC 7541 §6.3).
 */
export function encodeHeaderBlock(
  fields: readonly HeaderField[],
  tableSizeUpdate?: number,
): Buffer {
  const parts = fields.map(encodeField);
  if (tableSizeUpdate !== undefined) parts.unshift(encodeInteger(tableSizeUpdate, 5, 0x20));
  return Buffer.concat(parts);
}
