import type { MD } from "./md.js";

/**
 * Keys whose values are safe to print by default: identifiers that exist to
 * be correlated across logs and carry no secret.
 */
export const defaultSafeKeys: readonly string[] = ["x-request-id", "traceparent"];

/** Options for {@link formatMD}. */
export interface FormatOptions {
  /** Keys whose values are printed; all others show as `[REDACTED]`. */
  readonly safeKeys?: readonly string[];
}

/**
 * Formats metadata for logs in grpc-go's `MD.String` shape,
 * `MD{key=[v1, v2], other=[REDACTED]}`, but redacting every value whose key
 * is not in `safeKeys` (default {@link defaultSafeKeys}). Binary values on a
 * safe key print as their length (`<16 bytes>`), never their content. Keys
 * are always shown: which metadata arrived is useful, what it said is not
 * ours to log.
 */
export function formatMD(md: MD, options: FormatOptions = {}): string {
  const safe = new Set(options.safeKeys ?? defaultSafeKeys);
  const parts: string[] = [];
  md.forEach((values, key) => {
    if (!safe.has(key)) {
      parts.push(`${key}=[REDACTED]`);
      return;
    }
    const shown = values.map((v) => (typeof v === "string" ? v : `<${v.length} bytes>`));
    parts.push(`${key}=[${shown.join(", ")}]`);
  });
  return `MD{${parts.join(", ")}}`;
}

/**
 * The structured twin of {@link formatMD} for JSON loggers: each key maps to
 * its values when safe, or to `"[REDACTED]"`.
 */
export function redactMD(
  md: MD,
  options: FormatOptions = {},
): Record<string, string[] | "[REDACTED]"> {
  const safe = new Set(options.safeKeys ?? defaultSafeKeys);
  const out: Record<string, string[] | "[REDACTED]"> = {};
  md.forEach((values, key) => {
    out[key] = safe.has(key)
      ? values.map((v) => (typeof v === "string" ? v : `<${v.length} bytes>`))
      : "[REDACTED]";
  });
  return out;
}
