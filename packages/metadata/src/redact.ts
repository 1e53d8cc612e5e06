import type { MD } from "./md.js";

/**
 * Keys whose values are safe to print by default: identifiers that exist to
 * be correlated across logs and carry no secret.
 */
export const defaultSafeKeys: readonly string[] = ["x-request-id", "traceparent"];

/** Options for {@link formatMD} and {@link redactMD}. */
export interface FormatOptions {
  /** Keys whose values are printed; all others are redacted. Default {@link defaultSafeKeys}. */
  readonly safeKeys?: readonly string[];
  /**
   * Whether the names of keys that are not safe are shown (default true).
   * With false, only safe keys appear by name and the others are counted,
   * for logs where even a header's name says too much (a tenant's custom
   * key, say).
   */
  readonly showKeys?: boolean;
  /**
   * The longest safe value printed, in characters (default 256); a longer
   * one is cut and marked with its full length, so a caller cannot flood a
   * log through a safe key.
   */
  readonly maxValueLength?: number;
}

/** What a safe key's values print as: text cut to the limit, bytes as their length only. */
function shown(values: readonly (string | Uint8Array)[], max: number): string[] {
  return values.map((v) => {
    if (typeof v !== "string") return `<${v.length} bytes>`;
    return v.length > max ? `${v.slice(0, max)}…<${v.length} chars>` : v;
  });
}

/**
 * Formats metadata for logs: `MD{x-request-id=[r-1], authorization=[REDACTED]}`.
 * Safe keys print their values (text cut at `maxValueLength`, binary values
 * as their length, `<16 bytes>`, never their content); every other value is
 * `[REDACTED]`. With `showKeys: false` the other keys are not named either,
 * only counted: `MD{x-request-id=[r-1], 2 more keys REDACTED}`.
 *
 * grpc-go's `MD.String()` prints every key and value as they are; this is
 * its shape with the values (and, if asked, the names) that are not ours to
 * log taken out.
 */
export function formatMD(md: MD, options: FormatOptions = {}): string {
  const safe = new Set(options.safeKeys ?? defaultSafeKeys);
  const showKeys = options.showKeys ?? true;
  const max = options.maxValueLength ?? 256;
  const parts: string[] = [];
  let hidden = 0;
  md.forEach((values, key) => {
    if (safe.has(key)) parts.push(`${key}=[${shown(values, max).join(", ")}]`);
    else if (showKeys) parts.push(`${key}=[REDACTED]`);
    else hidden++;
  });
  if (hidden > 0) parts.push(`${hidden} more ${hidden === 1 ? "key" : "keys"} REDACTED`);
  return `MD{${parts.join(", ")}}`;
}

/**
 * The structured twin of {@link formatMD} for JSON loggers: each safe key
 * maps to its values, each other key to `"[REDACTED]"`. With
 * `showKeys: false` the other keys are left out and counted under
 * `"[REDACTED keys]"` instead.
 */
export function redactMD(
  md: MD,
  options: FormatOptions = {},
): Record<string, string[] | "[REDACTED]" | number> {
  const safe = new Set(options.safeKeys ?? defaultSafeKeys);
  const showKeys = options.showKeys ?? true;
  const max = options.maxValueLength ?? 256;
  const out: Record<string, string[] | "[REDACTED]" | number> = {};
  let hidden = 0;
  md.forEach((values, key) => {
    if (safe.has(key)) out[key] = shown(values, max);
    else if (showKeys) out[key] = "[REDACTED]";
    else hidden++;
  });
  if (hidden > 0) out["[REDACTED keys]"] = hidden;
  return out;
}
