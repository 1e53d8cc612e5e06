import { base64Decode, base64Encode } from "@bufbuild/protobuf/wire";

/** Suffix that marks a metadata key as binary (grpc-go's `binHdrSuffix`). */
export const binarySuffix = "-bin";

/** Reports whether `key` (already lowercased) names a binary value. */
export function isBinaryKey(key: string): boolean {
  return key.endsWith(binarySuffix);
}

/**
 * Encodes bytes the way gRPC puts a `-bin` value on the wire: standard base64
 * without padding (grpc-go's `base64.RawStdEncoding`).
 */
export function encodeBinaryValue(bytes: Uint8Array): string {
  return base64Encode(bytes, "std_raw");
}

const base64Chars = /^[A-Za-z0-9+/]*$/;

/**
 * Decodes one wire value of a `-bin` key into its byte strings.
 *
 * Accepts standard base64 padded or unpadded, and a comma-joined list of such
 * values (how HTTP folds repeated header fields), returning one `Uint8Array`
 * per element in order. Surrounding spaces are ignored.
 *
 * @throws Error naming `key` when an element is not valid standard base64
 *   (URL-safe characters, misplaced padding or an impossible length).
 */
export function decodeBinaryValues(key: string, wire: string): Uint8Array[] {
  return wire.split(",").map((part) => decodeOne(key, part.trim()));
}

function decodeOne(key: string, text: string): Uint8Array {
  const unpadded = text.replace(/={1,2}$/, "");
  const padded = unpadded.length !== text.length;
  if (
    !base64Chars.test(unpadded) ||
    unpadded.length % 4 === 1 ||
    (padded && text.length % 4 !== 0)
  ) {
    throw new Error(
      `invalid base64 in binary metadata ${JSON.stringify(key)}: ${JSON.stringify(abbreviate(text))}`,
    );
  }
  return base64Decode(unpadded);
}

function abbreviate(text: string): string {
  return text.length > 40 ? `${text.slice(0, 40)}…` : text;
}

/** Standard padded base64, for showing binary values in JSON and UIs. */
export function encodeStandardBase64(bytes: Uint8Array): string {
  return base64Encode(bytes, "std");
}
