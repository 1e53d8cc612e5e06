import { isBinaryKey } from "./binary.js";
import { formatMD } from "./redact.js";

/** Any metadata value: text or, for `-bin` keys, bytes. */
export type AnyMDValue = string | Uint8Array;

/**
 * The value type that belongs to a metadata key: `Uint8Array` for binary keys
 * (those ending in `-bin`, in any case: `X-Trace-Bin` is binary), `string`
 * for all others. For a key whose text the compiler cannot know (a `string`
 * variable), it is {@link AnyMDValue}; every value is also checked at run
 * time, so a wrong kind throws a `TypeError` naming the key.
 */
export type MDValue<K extends string> = string extends K
  ? AnyMDValue
  : Lowercase<K> extends `${string}-bin`
    ? Uint8Array
    : string;

/** A plain-object form of metadata, accepted by {@link newMD}. */
export type MDRecord = Record<string, AnyMDValue | readonly AnyMDValue[]>;

/**
 * MD is gRPC metadata: a multimap from lowercase keys to ordered values, the
 * TypeScript form of grpc-go's `metadata.MD`.
 *
 * Contracts:
 * - Every key is lowercased on the way in (get, set, append, delete,
 *   constructors), so `get("X-Id")` and `get("x-id")` are the same.
 * - Keys ending in `-bin` hold `Uint8Array` values, all others hold `string`;
 *   a value of the wrong kind throws a `TypeError` naming the key.
 * - Values are kept in insertion order. `get` returns a copy of the array.
 * - MD does not validate key characters or value bytes: that happens when the
 *   metadata is sent (see `validateMD`), as in grpc-go.
 * - `toString()` and Node's `util.inspect` redact values (see `formatMD`), so
 *   logging an MD never prints a secret by accident.
 */
export class MD {
  readonly #map = new Map<string, AnyMDValue[]>();

  /** Number of keys, like `len(md)` in Go (not the number of values). */
  get length(): number {
    return this.#map.size;
  }

  /** Returns a copy of the values for `key` (lowercased); empty when absent. */
  get<K extends string>(key: K): MDValue<K>[] {
    return [...(this.#map.get(key.toLowerCase()) ?? [])] as MDValue<K>[];
  }

  /** Reports whether `key` (lowercased) has at least one value. */
  has(key: string): boolean {
    return this.#map.has(key.toLowerCase());
  }

  /**
   * Replaces the values of `key` (lowercased) with `values`. Setting no values
   * is a no-op: it neither clears nor creates the key (grpc-go's `MD.Set`).
   */
  set<K extends string>(key: K, ...values: MDValue<K>[]): this {
    if (values.length === 0) return this;
    const k = key.toLowerCase();
    this.#map.set(k, checkValues(k, values));
    return this;
  }

  /**
   * Adds `values` after any existing values of `key` (lowercased). Appending
   * no values is a no-op (grpc-go's `MD.Append`).
   */
  append<K extends string>(key: K, ...values: MDValue<K>[]): this {
    if (values.length === 0) return this;
    const k = key.toLowerCase();
    const existing = this.#map.get(k) ?? [];
    this.#map.set(k, [...existing, ...checkValues(k, values)]);
    return this;
  }

  /** Removes `key` (lowercased) and all of its values. */
  delete(key: string): this {
    this.#map.delete(key.toLowerCase());
    return this;
  }

  /** Returns a deep copy: later changes to either MD do not affect the other. */
  copy(): MD {
    const out = new MD();
    for (const [k, vs] of this.#map) {
      out.#map.set(
        k,
        vs.map((v) => (typeof v === "string" ? v : v.slice())),
      );
    }
    return out;
  }

  /** The keys, in first-insertion order. */
  keys(): string[] {
    return [...this.#map.keys()];
  }

  /** `[key, values]` pairs in first-insertion order; values are copies. */
  entries(): [string, AnyMDValue[]][] {
    return [...this.#map].map(([k, vs]) => [k, [...vs]]);
  }

  /**
   * Calls `callback` for each key in first-insertion order, like
   * `Map.forEach`, without copying: `values` must not be changed or kept.
   * Use `entries()` for copies.
   */
  forEach(callback: (values: readonly AnyMDValue[], key: string) => void): void {
    this.#map.forEach(callback);
  }

  /** Redacted form; see {@link formatMD}. */
  toString(): string {
    return formatMD(this);
  }

  /** Node's `util.inspect` hook, so `console.log(md)` is redacted too. */
  [Symbol.for("nodejs.util.inspect.custom")](): string {
    return formatMD(this);
  }
}

function checkValues(key: string, values: readonly unknown[]): AnyMDValue[] {
  const binary = isBinaryKey(key);
  for (const v of values) {
    if (binary ? !(v instanceof Uint8Array) : typeof v !== "string") {
      throw new TypeError(
        `metadata key ${JSON.stringify(key)} takes ${binary ? "Uint8Array" : "string"} values, got ${kindOf(v)}`,
      );
    }
  }
  if (!binary) return [...(values as string[])];
  return (values as Uint8Array[]).map((v) => v.slice());
}

function kindOf(v: unknown): string {
  if (v instanceof Uint8Array) return "Uint8Array";
  return v === null ? "null" : typeof v;
}

/**
 * Builds an MD from a record, lowercasing keys (grpc-go's `metadata.New`).
 * A single value or an array of values is accepted per key; keys that differ
 * only in case are merged in record order.
 */
export function newMD(record: MDRecord = {}): MD {
  const md = new MD();
  for (const [k, v] of Object.entries(record)) {
    const values: readonly AnyMDValue[] =
      typeof v === "string" || v instanceof Uint8Array ? [v] : v;
    md.append(k, ...values);
  }
  return md;
}

/**
 * Builds an MD from alternating keys and values (grpc-go's `metadata.Pairs`):
 * `pairs("k1", "v1", "k2", "v2")`. Keys are lowercased; a repeated key
 * collects its values in order.
 *
 * @throws Error when given an odd number of arguments, naming the count.
 * @throws TypeError when a key is not a string or a value does not fit its key.
 */
export function pairs(...kv: AnyMDValue[]): MD {
  if (kv.length % 2 === 1) {
    throw new Error(`metadata: pairs got an odd number of input pairs: ${kv.length}`);
  }
  const md = new MD();
  for (let i = 0; i < kv.length; i += 2) {
    const key = kv[i];
    if (typeof key !== "string") {
      throw new TypeError(`metadata: pairs argument ${i} must be a string key`);
    }
    md.append(key, kv[i + 1] as AnyMDValue);
  }
  return md;
}

/**
 * Joins any number of MDs into a new one (grpc-go's `metadata.Join`): for each
 * key, values are concatenated in argument order. The inputs are not changed.
 */
export function join(...mds: MD[]): MD {
  const out = new MD();
  for (const md of mds) {
    md.forEach((vs, k) => {
      out.append(k, ...vs);
    });
  }
  return out;
}
