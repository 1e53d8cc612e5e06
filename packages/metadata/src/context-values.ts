import type { ContextKey, ContextValues } from "@connectrpc/connect";

/**
 * Returns a child of `parent` in the way Go's `context.WithValue` makes one:
 * the child reads through to the parent, writes to the child stay in the
 * child, and the parent is never changed. `delete` on the child hides the
 * parent's value (the key reads as its default) without touching the parent.
 */
export function deriveContextValues(parent: ContextValues): ContextValues {
  const own = new Map<symbol, unknown>();
  const child: ContextValues = {
    get<T>(key: ContextKey<T>): T {
      return own.has(key.id) ? (own.get(key.id) as T) : parent.get(key);
    },
    set<T>(key: ContextKey<T>, value: T) {
      own.set(key.id, value);
      return child;
    },
    delete(key: ContextKey<unknown>) {
      own.set(key.id, key.defaultValue);
      return child;
    },
  };
  return child;
}
