import { type ContextValues, createContextKey } from "@connectrpc/connect";
import type { AnyMDValue, MD } from "./md.js";

const incomingKey = createContextKey<MD | undefined>(undefined, {
  description: "hello-metadata incoming metadata",
});

/**
 * Stores `md` as the incoming metadata of `values` and returns `values`
 * (grpc-go's `NewIncomingContext`). The server interceptor calls this for
 * every request; tests may call it to build a handler context by hand.
 * `md` must not be changed after this call.
 */
export function newIncomingContext(values: ContextValues, md: MD): ContextValues {
  return values.set(incomingKey, md);
}

/**
 * Returns a copy of the metadata the caller sent (grpc-go's
 * `FromIncomingContext`): keys lowercased, `-bin` values decoded, protocol
 * and transport headers removed (see `isProtocolHeader` for the list).
 * Returns undefined when `values` is not a handler context the server
 * interceptor has seen. Changing the copy changes nothing else.
 *
 * Incoming metadata is never forwarded by itself: a downstream call sends
 * only what is put in its outgoing context.
 */
export function fromIncomingContext(values: ContextValues): MD | undefined {
  return values.get(incomingKey)?.copy();
}

/**
 * Returns the values of `key`, looked up case-insensitively, from the
 * incoming metadata (grpc-go's `ValueFromIncomingContext`); an empty array
 * when absent. The array is a copy.
 */
export function valueFromIncomingContext(values: ContextValues, key: string): AnyMDValue[] {
  return values.get(incomingKey)?.get(key) ?? [];
}
