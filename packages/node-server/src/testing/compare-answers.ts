import type { Answer } from "./wire-client.js";

/**
 * Compares two servers' answers to the same request, field by field: the
 * status, every header and trailer, the body bytes, how the exchange failed.
 *
 * Before comparing, headers are normalized: names are lowercase (they
 * already are in an {@link Answer}), the order of fields is ignored (the
 * order of one field's values is not), and what belongs to the connection
 * rather than the answer is dropped ({@link ignoredHeaders}: `date`, the
 * hop-by-hop fields). `content-length` is compared only when both answers
 * have it: one server may send a length where the other sends the same
 * bytes chunked.
 */

/** One field in which two answers differ: `status`, `header:<name>`, `trailer:<name>`, `body`, `reset`, `failure`. */
export interface Difference {
  readonly field: string;
  readonly left: string;
  readonly right: string;
}

/** Header fields that describe the connection or the moment, not the answer. */
export const ignoredHeaders: ReadonlySet<string> = new Set([
  "date",
  "connection",
  "keep-alive",
  "proxy-connection",
  "transfer-encoding",
  "upgrade",
  "te",
  "trailer",
]);

/** Every field in which `left` and `right` differ, in a stable order; empty when they are equal. */
export function compareAnswers(left: Answer, right: Answer): Difference[] {
  const out: Difference[] = [];
  const add = (field: string, l: unknown, r: unknown) => {
    const ls = show(l);
    const rs = show(r);
    if (ls !== rs) out.push({ field, left: ls, right: rs });
  };
  add("failure", left.failure, right.failure);
  add("reset", left.resetCode, right.resetCode);
  add("status", left.status, right.status);
  const bothHaveLength =
    left.headers["content-length"] !== undefined && right.headers["content-length"] !== undefined;
  for (const [kind, l, r] of [
    ["header", left.headers, right.headers],
    ["trailer", left.trailers, right.trailers],
  ] as const) {
    const names = new Set([...Object.keys(l), ...Object.keys(r)]);
    for (const name of [...names].sort()) {
      if (ignoredHeaders.has(name)) continue;
      if (name === "content-length" && !bothHaveLength) continue;
      add(`${kind}:${name}`, l[name], r[name]);
    }
  }
  if (!left.body.equals(right.body)) {
    out.push({ field: "body", left: showBody(left.body), right: showBody(right.body) });
  }
  return out;
}

/** The differences as lines for an assertion message, `left` and `right` named. */
export function describeDifferences(
  differences: readonly Difference[],
  names: { readonly left: string; readonly right: string },
): string {
  return differences
    .map((d) => `${d.field}:\n    ${names.left}: ${d.left}\n    ${names.right}: ${d.right}`)
    .join("\n  ");
}

function show(value: unknown): string {
  return value === undefined ? "(none)" : JSON.stringify(value);
}

function showBody(body: Buffer): string {
  if (body.length === 0) return "(empty)";
  const text = body.toString("latin1");
  const printable = /^[\x20-\x7e\r\n\t]*$/.test(text);
  const shown = printable ? JSON.stringify(text) : `hex ${body.toString("hex")}`;
  return `${body.length} bytes: ${shown.length > 400 ? `${shown.slice(0, 400)}…` : shown}`;
}
