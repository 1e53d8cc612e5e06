import { validateHeaderName, validateHeaderValue } from "node:http";

/**
 * A `Headers` for the server's unary fast path, with the Fetch API's
 * contract where callers can see it: names are case-insensitive and
 * lowercased, repeated values are joined with ", " (except `set-cookie`,
 * kept apart for `getSetCookie()`), values are trimmed, and `append`/`set`
 * refuse an invalid name or value with a TypeError as the Fetch API does
 * (using Node's own HTTP checks).
 *
 * One deliberate difference: iteration follows insertion order instead of
 * sorting the names, which is what makes it cheap (the undici `Headers`
 * builds and sorts an array on every `forEach`). No caller here depends on
 * the order.
 */
export class FastHeaders implements Headers {
  readonly #map = new Map<string, string>();
  #cookies: string[] | undefined;

  /**
   * @param trusted fields already validated by Node's HTTP parser (request
   *   headers), or written by this server itself; they are taken as they are.
   */
  constructor(trusted?: Record<string, string | string[] | undefined>) {
    if (!trusted) return;
    for (const name in trusted) {
      const value = trusted[name];
      if (value === undefined || name.charCodeAt(0) === 58) continue; // skip ":" pseudo-headers
      const key = name.toLowerCase();
      if (Array.isArray(value)) for (const v of value) this.#add(key, v);
      else this.#add(key, value);
    }
  }

  /** Headers holding one field, `name` (lowercase) with `value`, written by this server. */
  static of(name: string, value: string): FastHeaders {
    const h = new FastHeaders();
    h.#map.set(name, value);
    return h;
  }

  #add(key: string, value: string): void {
    if (key === "set-cookie") {
      this.#cookies = [...(this.#cookies ?? []), value];
      return;
    }
    const prev = this.#map.get(key);
    this.#map.set(key, prev === undefined ? value : `${prev}, ${value}`);
  }

  append(name: string, value: string): void {
    const key = checked(name, value);
    this.#add(key, value.trim());
  }

  set(name: string, value: string): void {
    const key = checked(name, value);
    if (key === "set-cookie") this.#cookies = [value.trim()];
    else this.#map.set(key, value.trim());
  }

  delete(name: string): void {
    const key = name.toLowerCase();
    if (key === "set-cookie") this.#cookies = undefined;
    else this.#map.delete(key);
  }

  get(name: string): string | null {
    const key = name.toLowerCase();
    if (key === "set-cookie") return this.#cookies ? this.#cookies.join(", ") : null;
    return this.#map.get(key) ?? null;
  }

  getSetCookie(): string[] {
    return this.#cookies ? [...this.#cookies] : [];
  }

  has(name: string): boolean {
    const key = name.toLowerCase();
    return key === "set-cookie" ? this.#cookies !== undefined : this.#map.has(key);
  }

  forEach(
    callback: (value: string, key: string, parent: Headers) => void,
    thisArg?: unknown,
  ): void {
    for (const [key, value] of this.#map) callback.call(thisArg, value, key, this);
    if (this.#cookies) for (const c of this.#cookies) callback.call(thisArg, c, "set-cookie", this);
  }

  // The iterators' types are whatever the platform's Headers declares
  // (the DOM's HeadersIterator, undici's SpecIterableIterator); generators
  // behave as both.
  entries(): ReturnType<Headers["entries"]> {
    return this.#entries() as ReturnType<Headers["entries"]>;
  }

  keys(): ReturnType<Headers["keys"]> {
    return this.#keys() as ReturnType<Headers["keys"]>;
  }

  values(): ReturnType<Headers["values"]> {
    return this.#values() as ReturnType<Headers["values"]>;
  }

  [Symbol.iterator](): ReturnType<Headers["entries"]> {
    return this.entries();
  }

  *#entries(): Generator<[string, string]> {
    yield* this.#map.entries();
    if (this.#cookies) for (const c of this.#cookies) yield ["set-cookie", c];
  }

  *#keys(): Generator<string> {
    for (const [key] of this.#entries()) yield key;
  }

  *#values(): Generator<string> {
    for (const [, value] of this.#entries()) yield value;
  }
}

function checked(name: string, value: string): string {
  try {
    validateHeaderName(name);
    validateHeaderValue(name, value);
  } catch (e) {
    throw new TypeError((e as Error).message);
  }
  return name.toLowerCase();
}
