import { BlockList, isIP } from "node:net";

/**
 * Who the client of a request is when it arrives through a reverse proxy
 * the server trusts. Only a peer in the trusted list may name the client
 * (RFC 7239 `Forwarded: for=…`, else `X-Forwarded-For`); from anyone else
 * those headers are ignored, so a client cannot claim another's address to
 * dodge a per-client budget.
 */
export interface TrustedProxies {
  /** Whether `address` (the TCP peer) is a trusted proxy. */
  trusts(address: string): boolean;
  /**
   * The client a request stands for: the TCP `peer` itself, unless the peer
   * is trusted and the request names a client. Chains are read from the
   * right, skipping trusted proxies, so the first address no trusted proxy
   * vouches for is the client.
   */
  clientOf(
    peer: string,
    headers: { readonly [name: string]: string | string[] | undefined },
  ): string;
}

/**
 * Parses the trusted list: IPv4 and IPv6 addresses and CIDR ranges
 * (`10.0.0.0/8`, `::1`, `fd00::/8`). An IPv4-mapped IPv6 peer
 * (`::ffff:10.0.0.1`) matches its IPv4 form.
 *
 * @throws Error naming the entry that is neither an address nor a CIDR.
 */
export function createTrustedProxies(entries: readonly string[]): TrustedProxies {
  const list = new BlockList();
  for (const entry of entries) {
    const [address = "", bits] = entry.trim().split("/");
    const family = isIP(address);
    if (family === 0)
      throw new Error(`trusted proxy ${JSON.stringify(entry)} is not an IP address or CIDR`);
    const type = family === 4 ? "ipv4" : "ipv6";
    if (bits === undefined) list.addAddress(address, type);
    else {
      const prefix = Number(bits);
      if (!Number.isInteger(prefix) || prefix < 0 || prefix > (family === 4 ? 32 : 128)) {
        throw new Error(`trusted proxy ${JSON.stringify(entry)} has a bad prefix length`);
      }
      list.addSubnet(address, prefix, type);
    }
  }
  const trusts = (address: string): boolean => {
    if (entries.length === 0 || address === "") return false;
    const plain =
      address.startsWith("::ffff:") && isIP(address.slice(7)) === 4 ? address.slice(7) : address;
    const family = isIP(plain);
    if (family === 0) return false;
    return list.check(plain, family === 4 ? "ipv4" : "ipv6");
  };
  return {
    trusts,
    clientOf(peer, headers) {
      if (!trusts(peer)) return peer;
      const chain = forwardedFor(headers);
      for (let i = chain.length - 1; i >= 0; i--) {
        const hop = chain[i] ?? "";
        if (isIP(hop) === 0) return peer; // "unknown", an obfuscated name: nothing to go on
        if (!trusts(hop)) return hop;
      }
      return chain[0] ?? peer;
    },
  };
}

/** The addresses a request's forwarding headers name, client first: `Forwarded` wins over `X-Forwarded-For`. */
function forwardedFor(headers: {
  readonly [name: string]: string | string[] | undefined;
}): string[] {
  const forwarded = joined(headers.forwarded);
  if (forwarded) {
    const out: string[] = [];
    for (const element of forwarded.split(",")) {
      const m = /(?:^|;)\s*for\s*=\s*("?)([^";,]*)\1/i.exec(element);
      if (m?.[2] !== undefined) out.push(unbracket(m[2].trim()));
    }
    return out;
  }
  const xff = joined(headers["x-forwarded-for"]);
  return xff
    ? xff
        .split(",")
        .map((s) => unbracket(s.trim()))
        .filter(Boolean)
    : [];
}

function joined(v: string | string[] | undefined): string | undefined {
  return Array.isArray(v) ? v.join(",") : v;
}

/** `[2001:db8::1]:4711` → `2001:db8::1`; `192.0.2.1:4711` → `192.0.2.1`. */
function unbracket(node: string): string {
  if (node.startsWith("["))
    return node.slice(1, node.indexOf("]") > 0 ? node.indexOf("]") : undefined);
  const colon = node.indexOf(":");
  return colon > 0 && node.indexOf(":", colon + 1) < 0 ? node.slice(0, colon) : node;
}
