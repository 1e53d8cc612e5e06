// Small number helpers for the report.

/** The median (mean of the middle two for an even count); NaN when empty. */
export function median(values: readonly number[]): number {
  const v = values.filter((x) => !Number.isNaN(x)).sort((a, b) => a - b);
  if (v.length === 0) return Number.NaN;
  const mid = Math.floor(v.length / 2);
  return v.length % 2 === 1 ? (v[mid] ?? Number.NaN) : ((v[mid - 1] ?? 0) + (v[mid] ?? 0)) / 2;
}

export const int = (n: number) =>
  Number.isFinite(n) ? Math.round(n).toLocaleString("en-US") : "—";

export const fixed = (n: number, digits: number) =>
  Number.isFinite(n)
    ? n.toLocaleString("en-US", { minimumFractionDigits: digits, maximumFractionDigits: digits })
    : "—";

/** A ratio as `0.85×`; `—` when either side is missing. */
export const ratio = (a: number, b: number) =>
  Number.isFinite(a) && Number.isFinite(b) && b > 0 ? `${(a / b).toFixed(2)}×` : "—";

export const percent = (share: number, digits = 0) =>
  Number.isFinite(share) ? `${(share * 100).toFixed(digits)}%` : "—";

export const signedPercent = (share: number, digits = 1) =>
  Number.isFinite(share) ? `${share >= 0 ? "+" : ""}${(share * 100).toFixed(digits)}%` : "—";

export const mib = (kib: number) => kib / 1024;

/** A markdown table; the first column left-aligned, the others right-aligned. */
export function markdownTable(
  head: readonly string[],
  rows: readonly (readonly string[])[],
): string {
  const widths = head.map((h, i) => Math.max(h.length, 3, ...rows.map((r) => (r[i] ?? "").length)));
  const line = (cells: readonly string[]) =>
    `| ${cells.map((c, i) => (i === 0 ? c.padEnd(widths[i] ?? 0) : c.padStart(widths[i] ?? 0))).join(" | ")} |`;
  const rule = `| ${widths.map((w, i) => (i === 0 ? "-".repeat(w) : `${"-".repeat(w - 1)}:`)).join(" | ")} |`;
  return [line(head), rule, ...rows.map(line)].join("\n");
}
