import { encodeBinaryValue } from "../metadata/binary.js";
import type { MD } from "../metadata/md.js";

/**
 * The server's limit on request metadata, in bytes (8 KiB, as gRPC
 * implementations interoperate at; past it the call fails with
 * `ResourceExhausted`).
 */
export const metadataLimitBytes = 8192;

/**
 * The size of `md` as HPACK counts a header list (RFC 7541 §4.1) and as the
 * server counts against {@link metadataLimitBytes}: for every key/value pair,
 * the key's length + the value's length + 32. Binary values count as the
 * base64 text they travel as (unpadded). Headers the browser adds by itself
 * (`user-agent`) are not in `md` and so not counted here.
 */
export function metadataSize(md: MD): number {
  let size = 0;
  for (const [key, values] of md.entries()) {
    for (const v of values) {
      size += key.length + (typeof v === "string" ? v.length : encodeBinaryValue(v).length) + 32;
    }
  }
  return size;
}
