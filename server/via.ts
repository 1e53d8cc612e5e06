import { createHmac, randomBytes, timingSafeEqual } from "node:crypto";

/**
 * The hop trail (`x-hello-via`) is only history when a server of the chain
 * wrote it: each hop signs the trail it sends with an HMAC
 * (`x-hello-via-mac`), and a server takes an incoming trail as earlier hops
 * only when the MAC checks out with its key. Anything else — a trail a
 * client made up, or one from a server with another key — is not trusted:
 * the trail starts at this server. Servers of one chain share a key
 * (`--hop-secret` / HOP_SECRET); a server without one makes its own, so a
 * server hopping to itself (the default downstream) always trusts its own
 * trail.
 */
export interface ViaSigner {
  /** The MAC for a trail, to send as `x-hello-via-mac`. */
  sign(trail: readonly string[]): string;
  /** Whether `mac` is this key's MAC for `trail`. */
  verify(trail: readonly string[], mac: string | undefined): boolean;
}

/** A signer with `secret`, or with 32 random bytes when none is given. */
export function createViaSigner(secret?: string): ViaSigner {
  const key = secret ? Buffer.from(secret, "utf8") : randomBytes(32);
  const mac = (trail: readonly string[]) =>
    createHmac("sha256", key).update(trail.join("\n")).digest("base64url");
  return {
    sign: mac,
    verify(trail, given) {
      if (given === undefined || trail.length === 0) return false;
      const want = Buffer.from(mac(trail));
      const got = Buffer.from(given);
      return got.length === want.length && timingSafeEqual(got, want);
    },
  };
}
