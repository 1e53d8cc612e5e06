import type { MD } from "./md.js";

/** Key-order-free view of an MD for deep comparisons in tests. */
export function asRecord(md: MD): Record<string, unknown[]> {
  return Object.fromEntries(md.entries());
}
