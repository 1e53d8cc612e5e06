import { encodeBinaryValue } from "./binary.js";
import type { MD } from "./md.js";

/**
 * The request metadata size gRPC implementations interoperate at: 8 KiB,
 * counted as {@link metadataSize} counts. grpc-go, grpc-java and grpc-core
 * accept at least this much by default, so metadata within it goes through
 * any of them; servers of this project refuse more with `ResourceExhausted`.
 */
export const interopMetadataBytes = 8 * 1024;

/** The per-field overhead HPACK adds to a header's size (RFC 7541 §4.1). */
export const fieldOverheadBytes = 32;

/**
 * The size of `md` as HPACK counts a header list (RFC 7541 §4.1), and as
 * `serverMetadataInterceptor({ maxBytes })` counts incoming metadata: for
 * every key/value pair, the key's length + the value's length + 32. Binary
 * values count as the base64 text they travel as (unpadded). Headers a
 * platform adds by itself (a browser's `user-agent`) are not in `md`, so a
 * caller that wants to stay under a limit should leave room for them.
 */
export function metadataSize(md: MD): number {
  let size = 0;
  md.forEach((values, key) => {
    for (const v of values) {
      const length = typeof v === "string" ? v.length : encodeBinaryValue(v).length;
      size += key.length + length + fieldOverheadBytes;
    }
  });
  return size;
}
