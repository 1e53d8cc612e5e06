import type { Socket } from "node:net";

/**
 * The admitted connections of each client, so that a process whose
 * connection cap is full makes room for a newcomer instead of shutting it
 * out. Without it, idle connections from a few addresses (each within its
 * per-client cap) fill the process's cap and every other client is
 * refused: the per-client cap bounds what one address holds, not who gets
 * in.
 *
 * Room is made by closing the least active connection (fewest bytes read
 * from it) of the client holding the most, and only if that client holds
 * at least two more than the newcomer, so shares even out and a client
 * with few connections is never the one that pays.
 */
export interface ConnectionShares {
  /** Counts `socket` as one of `client`'s connections (until {@link remove}). */
  add(client: string, socket: Socket): void;
  /** Forgets `socket`; call when it closes. Idempotent. */
  remove(client: string, socket: Socket): void;
  /**
   * Picks the connection to close for a newcomer from `client`: the least
   * active one of the client holding the most, if that client holds at
   * least two more than `client`. The connection is forgotten here (the
   * caller closes it); undefined when nobody holds enough to give one up.
   */
  evictFor(client: string): { readonly client: string; readonly socket: Socket } | undefined;
}

export function createConnectionShares(): ConnectionShares {
  const byClient = new Map<string, Set<Socket>>();
  const remove = (client: string, socket: Socket) => {
    const set = byClient.get(client);
    if (!set?.delete(socket)) return;
    if (set.size === 0) byClient.delete(client);
  };
  return {
    add(client, socket) {
      let set = byClient.get(client);
      if (!set) {
        set = new Set();
        byClient.set(client, set);
      }
      set.add(socket);
    },
    remove,
    evictFor(client) {
      const mine = byClient.get(client)?.size ?? 0;
      let top: string | undefined;
      let topSize = mine + 1;
      for (const [c, set] of byClient) {
        if (set.size > topSize) {
          top = c;
          topSize = set.size;
        }
      }
      if (top === undefined) return undefined;
      const set = byClient.get(top) as Set<Socket>;
      let victim: Socket | undefined;
      for (const s of set) {
        if (victim === undefined || s.bytesRead < victim.bytesRead) victim = s;
      }
      if (victim === undefined) return undefined;
      remove(top, victim);
      return { client: top, socket: victim };
    },
  };
}
