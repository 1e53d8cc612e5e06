/** A child accepted by {@link el}: a node, or text (set as text, never parsed as HTML). */
export type Child = Node | string | number | null | undefined | false;

/**
 * Creates `<tag>` with `attrs` set as attributes (`data-*`, `aria-*`,
 * `class`, …; `undefined` and `false` skip the attribute) and `children`
 * appended, strings as text nodes. Nothing is ever parsed as HTML, so values
 * that came over the wire are safe to pass.
 */
export function el<K extends keyof HTMLElementTagNameMap>(
  tag: K,
  attrs: Record<string, string | number | boolean | undefined> = {},
  ...children: Child[]
): HTMLElementTagNameMap[K] {
  const e = document.createElement(tag);
  for (const [name, value] of Object.entries(attrs)) {
    if (value === undefined || value === false) continue;
    e.setAttribute(name, value === true ? "" : String(value));
  }
  for (const c of children) {
    if (c === null || c === undefined || c === false) continue;
    e.append(typeof c === "number" ? String(c) : c);
  }
  return e;
}

/**
 * Returns the element with `id`.
 *
 * @throws Error naming the id when the page has no such element (a mistake
 *   in index.html, caught on load rather than on first use).
 */
export function byId<T extends HTMLElement>(id: string): T {
  const e = document.getElementById(id);
  if (!e) throw new Error(`missing #${id}`);
  return e as T;
}

/** Milliseconds as the page shows them: one decimal, "ms" appended. */
export function ms(n: number): string {
  return `${n.toFixed(1)} ms`;
}
