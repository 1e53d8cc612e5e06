/** How a binary (`-bin`) value is typed into the editor. */
export type ValueEncoding = "hex" | "base64" | "text";

import { decodeBinaryValues } from "@hello-metadata/metadata";

/**
 * Converts what was typed for a binary metadata value into its bytes:
 * - `hex`: pairs of hex digits, case-insensitive; spaces and colons between
 *   bytes are ignored (`00 ff 10`, `00:FF:10`, `00ff10` are the same bytes);
 * - `base64`: standard base64, padded or not (the library's decoder, so the
 *   same input is accepted as on the wire); a comma is refused, since it
 *   would make two values;
 * - `text`: the UTF-8 bytes of the text.
 *
 * @throws Error with a one-line message for the editor when the input is not
 *   valid for its encoding.
 */
export function valueToBytes(key: string, value: string, encoding: ValueEncoding): Uint8Array {
  if (encoding === "text") return new TextEncoder().encode(value);
  if (encoding === "hex") {
    const digits = value.replace(/[\s:]/g, "");
    if (!/^(?:[0-9a-fA-F]{2})*$/.test(digits)) {
      throw new Error(`${JSON.stringify(value)} is not hex: want pairs of 0-9, a-f (e.g. 00ff10)`);
    }
    const out = new Uint8Array(digits.length / 2);
    for (let i = 0; i < out.length; i++)
      out[i] = Number.parseInt(digits.slice(2 * i, 2 * i + 2), 16);
    return out;
  }
  if (value.includes(",")) throw new Error("one base64 value per row: remove the comma");
  const [bytes] = decodeBinaryValues(key, value.trim());
  return bytes ?? new Uint8Array();
}
