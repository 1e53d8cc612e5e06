import { decodeBinaryValues, encodeBinaryValue, isBinaryKey } from "./binary.js";
import { MD } from "./md.js";
import { isProtocolHeader } from "./reserved.js";
import { fieldOverheadBytes } from "./size.js";
import { checkKey, checkValue, MetadataError, validateMD } from "./validate.js";

/**
 * Writes `md` into HTTP `headers` (appending): text values as they are,
 * binary values as unpadded standard base64. `prefix` is prepended to every
 * key (Connect unary trailers travel as `trailer-<key>` headers).
 *
 * @throws MetadataError when `md` fails `validateMD` (invalid key, reserved
 *   key, non-printable value); nothing is written in that case.
 */
export function writeMetadata(headers: Headers, md: MD, prefix = ""): void {
  const invalid = validateMD(md);
  if (invalid) throw invalid;
  md.forEach((values, key) => {
    for (const v of values) {
      headers.append(prefix + key, typeof v === "string" ? v : encodeBinaryValue(v));
    }
  });
}

/** Options for {@link readMetadata}. */
export interface ReadOptions {
  /**
   * Also check text values (printable ASCII) and key characters. Servers
   * enable it for incoming metadata.
   */
  readonly validate?: boolean;
  /**
   * The most metadata accepted, counted as HPACK counts a header list
   * (RFC 7541 §4.1: name + value + 32 per field) over the metadata fields
   * only. Past it, `readMetadata` throws a MetadataSizeError.
   */
  readonly maxBytes?: number;
  /**
   * Lenient reading: an entry that cannot be read (a `-bin` value that is
   * not base64, or with `validate` an invalid key or value) is dropped and
   * passed here instead of being thrown. Clients read responses this way:
   * one bad entry must not fail a call that finished.
   */
  readonly onInvalid?: (error: MetadataError) => void;
}

/** Metadata over `ReadOptions.maxBytes`; `size` and `limit` are in bytes. */
export class MetadataSizeError extends MetadataError {
  override name = "MetadataSizeError";
  constructor(
    readonly size: number,
    readonly limit: number,
  ) {
    super(
      "",
      `request metadata is ${size} bytes, over the limit of ${limit} bytes (counted as HPACK does: name + value + 32 per entry)`,
    );
  }
}

/**
 * Reads metadata out of HTTP `headers`: keys lowercased (Headers already
 * does), protocol and transport headers dropped (see `isProtocolHeader`),
 * `-bin` values decoded (padded, unpadded or comma-joined base64).
 *
 * Repeated text headers reach us joined by ", " (HTTP field folding), so a
 * text key sent with several values arrives as one value; binary values are
 * split back apart, since base64 has no commas.
 *
 * @throws MetadataError naming the key when a binary value is not base64, or,
 *   with `validate`, when a key or text value is not valid metadata (unless
 *   `onInvalid` is given: then the entry is dropped and reported);
 *   MetadataSizeError when the metadata is over `maxBytes` (always thrown).
 */
export function readMetadata(headers: Headers, options: ReadOptions = {}): MD {
  const md = new MD();
  const max = options.maxBytes ?? Number.POSITIVE_INFINITY;
  const { validate, onInvalid } = options;
  let size = 0;
  headers.forEach((value, key) => {
    if (isProtocolHeader(key)) return;
    size += key.length + value.length + fieldOverheadBytes;
    if (size > max) return;
    const problem = validate
      ? (checkKey(key) ?? (isBinaryKey(key) ? undefined : checkValue(key, value)))
      : undefined;
    if (problem) {
      if (!onInvalid) throw problem;
      onInvalid(problem);
      return;
    }
    if (!isBinaryKey(key)) {
      md.append(key, value);
      return;
    }
    let bytes: Uint8Array[];
    try {
      bytes = decodeBinaryValues(key, value);
    } catch (e) {
      const error = new MetadataError(key, (e as Error).message);
      if (!onInvalid) throw error;
      onInvalid(error);
      return;
    }
    md.append(key, ...bytes);
  });
  if (size > max) throw new MetadataSizeError(size, max);
  return md;
}
