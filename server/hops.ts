import type { ContextValues, HandlerContext } from "@connectrpc/connect";
import { appendToOutgoingContext, type MD } from "@hello-metadata/metadata";
import { appMetadataKeys } from "./metadata-keys.js";

/** What a hop needs to know about the server it runs on. */
export interface HopOptions {
  /** Incoming keys forwarded to the downstream; everything else stays here. */
  readonly forwardAllowList: readonly string[];
  /** This server's address, as it names itself in `x-hello-via`. */
  readonly self: () => string;
}

/**
 * Builds the downstream call's context from the incoming metadata with
 * `appendToOutgoingContext`: allow-listed keys go on, this hop adds its
 * address to `x-hello-via`, and every other key is reported as dropped.
 */
export function forwardContext(
  parent: ContextValues,
  incoming: MD,
  options: HopOptions,
): { values: ContextValues; dropped: string[] } {
  const allowed = new Set(options.forwardAllowList);
  const kv: (string | Uint8Array)[] = [];
  const dropped: string[] = [];
  for (const [key, values] of incoming.entries()) {
    if (key === appMetadataKeys.via) continue;
    if (!allowed.has(key)) {
      dropped.push(key);
      continue;
    }
    for (const v of values) kv.push(key, v);
  }
  for (const v of incoming.get(appMetadataKeys.via)) kv.push(appMetadataKeys.via, v);
  kv.push(appMetadataKeys.via, options.self());
  return { values: appendToOutgoingContext(parent, ...kv), dropped };
}

/** The remaining deadline in whole milliseconds, rounded down; undefined when none. */
export function deadlineOf(ctx: HandlerContext): bigint | undefined {
  const ms = ctx.timeoutMs();
  return ms === undefined ? undefined : BigInt(Math.max(0, Math.floor(ms)));
}

/**
 * The timeout for a downstream call: what is left of ours in whole
 * milliseconds, less 1 ms for the hop itself. Deadlines travel in whole
 * milliseconds and clocks tick in them, so without the allowance a fast hop
 * could hand on exactly the time it was given; with it, the downstream never
 * gets more time than we have and every hop's deadline is strictly smaller.
 */
export function forwardedTimeout(ctx: HandlerContext): number | undefined {
  const ms = ctx.timeoutMs();
  return ms === undefined ? undefined : Math.max(1, Math.floor(ms) - 1);
}
