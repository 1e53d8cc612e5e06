import type { ContextValues, HandlerContext } from "@connectrpc/connect";
import { appendToOutgoingContext, type MD } from "@hello-metadata/metadata";
import { appMetadataKeys } from "./metadata-keys.js";
import type { ViaSigner } from "./via.js";

/** What a hop needs to know about the server it runs on. */
export interface HopOptions {
  /** Incoming keys forwarded to the downstream; everything else stays here. */
  readonly forwardAllowList: readonly string[];
  /** This server's address, as it names itself in `x-hello-via`. */
  readonly self: () => string;
  /** Signs the trail this server sends and checks the one it receives (see via.ts). */
  readonly via: ViaSigner;
}

/**
 * The hop trail that arrived with a call, if a server of this chain wrote
 * it (its MAC checks out); otherwise none: the call comes from a client, and
 * the trail starts here.
 */
export function trustedTrail(incoming: MD, via: ViaSigner): string[] | undefined {
  const trail = incoming.get(appMetadataKeys.via).flatMap((v) => v.split(",").map((s) => s.trim()));
  const mac = incoming.get(appMetadataKeys.viaMac)[0];
  return via.verify(trail, mac) ? trail : undefined;
}

/**
 * Builds the downstream call's context from the incoming metadata with
 * `appendToOutgoingContext`: allow-listed keys go on, every other key is
 * reported as dropped, and this hop appends its address to the trusted
 * trail (`trail`, see trustedTrail) and signs the result. An untrusted
 * incoming trail is neither forwarded nor reported as dropped: it was
 * never history.
 */
export function forwardContext(
  parent: ContextValues,
  incoming: MD,
  trail: readonly string[] | undefined,
  options: HopOptions,
): { values: ContextValues; dropped: string[] } {
  const allowed = new Set(options.forwardAllowList);
  const kv: (string | Uint8Array)[] = [];
  const dropped: string[] = [];
  for (const [key, values] of incoming.entries()) {
    if (key === appMetadataKeys.via || key === appMetadataKeys.viaMac) continue;
    if (!allowed.has(key)) {
      dropped.push(key);
      continue;
    }
    for (const v of values) kv.push(key, v);
  }
  const sent = [...(trail ?? []), options.self()];
  for (const v of sent) kv.push(appMetadataKeys.via, v);
  kv.push(appMetadataKeys.viaMac, options.via.sign(sent));
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
 * A call without a deadline gives its hop `fallbackMs`, so no downstream
 * call waits forever.
 */
export function forwardedTimeout(ctx: HandlerContext, fallbackMs: number): number {
  const ms = ctx.timeoutMs();
  return ms === undefined ? fallbackMs : Math.max(1, Math.floor(ms) - 1);
}
