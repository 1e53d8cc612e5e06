import { type ContextValues, createContextKey, createContextValues } from "@connectrpc/connect";
import { deriveContextValues } from "./context-values.js";
import { type AnyMDValue, join, MD, pairs } from "./md.js";

/**
 * What a context holds for outgoing metadata, like grpc-go's `rawMD`: a base
 * MD set by `newOutgoingContext` plus the pairs appended after it, kept apart
 * so that appending stays cheap and never copies the base.
 */
interface RawOutgoing {
  readonly md: MD;
  readonly added: readonly (readonly AnyMDValue[])[];
}

const outgoingKey = createContextKey<RawOutgoing | undefined>(undefined, {
  description: "hello-metadata outgoing metadata",
});

/**
 * Returns a new context, derived from `values` (or from an empty one), whose
 * outgoing metadata is `md` (grpc-go's `NewOutgoingContext`). It replaces all
 * outgoing metadata of the parent, appended pairs included. `values` is not
 * changed; `md` must not be changed after this call.
 */
export function newOutgoingContext(values: ContextValues | undefined, md: MD): ContextValues {
  return deriveContextValues(values ?? createContextValues()).set(outgoingKey, { md, added: [] });
}

/**
 * Returns a new context, derived from `values`, with the pairs `kv` added to
 * its outgoing metadata (grpc-go's `AppendToOutgoingContext`). The parent is
 * not changed, so siblings derived from the same parent do not see each
 * other's pairs. Keys are lowercased when the metadata is read.
 *
 * @throws Error on an odd number of `kv` arguments, naming the count.
 */
export function appendToOutgoingContext(
  values: ContextValues | undefined,
  ...kv: AnyMDValue[]
): ContextValues {
  if (kv.length % 2 === 1) {
    throw new Error(
      `metadata: appendToOutgoingContext got an odd number of input pairs: ${kv.length}`,
    );
  }
  const parent = values ?? createContextValues();
  const raw = parent.get(outgoingKey);
  return deriveContextValues(parent).set(outgoingKey, {
    md: raw?.md ?? new MD(),
    added: [...(raw?.added ?? []), [...kv]],
  });
}

/**
 * Returns the outgoing metadata of `values` as one new MD: the base MD joined
 * with every appended pair in order, keys lowercased (grpc-go's
 * `FromOutgoingContext`). Returns undefined when no outgoing metadata was
 * ever set, so callers can tell "none" from "empty". The result is a copy.
 */
export function fromOutgoingContext(values: ContextValues | undefined): MD | undefined {
  const raw = values?.get(outgoingKey);
  if (!raw) return undefined;
  return join(raw.md, ...raw.added.map((kv) => pairs(...kv)));
}
