// How a finding shows the bytes of its input: as escaped text a person
// can read line by line, and as a hex dump that can be replayed exactly.

/** How many bytes of an input a report shows before it says how many more there were. */
const shownBytes = 2048;

/**
 * `bytes` as readable text: printable ASCII as is, `\r` `\n` `\t` and
 * backslash escaped (a line break follows each `\n`, so requests read line
 * by line), every other byte as `\xNN`. Past 2 KiB it stops and says how
 * many bytes are left out.
 */
export function escapeBytes(bytes: Uint8Array): string {
  let out = "";
  const n = Math.min(bytes.length, shownBytes);
  for (let i = 0; i < n; i++) {
    const b = bytes[i] as number;
    if (b === 0x5c) out += "\\\\";
    else if (b === 0x0d) out += "\\r";
    else if (b === 0x0a) out += "\\n\n";
    else if (b === 0x09) out += "\\t";
    else if (b >= 0x20 && b < 0x7f) out += String.fromCharCode(b);
    else out += `\\x${b.toString(16).padStart(2, "0")}`;
  }
  if (bytes.length > n) out += `… (${bytes.length - n} more bytes)`;
  return out;
}

/** `bytes` as a hex dump, 32 bytes a line; past 2 KiB it says how many bytes are left out. */
export function hexBytes(bytes: Uint8Array): string {
  const lines: string[] = [];
  const n = Math.min(bytes.length, shownBytes);
  for (let i = 0; i < n; i += 32) {
    lines.push(Buffer.from(bytes.subarray(i, Math.min(i + 32, n))).toString("hex"));
  }
  if (bytes.length > n) lines.push(`… (${bytes.length - n} more bytes)`);
  return lines.join("\n");
}
