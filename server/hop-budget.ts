import { Code, ConnectError } from "@connectrpc/connect";

/**
 * What hops may hold of the downstream: calls in flight in the whole
 * process, and per client for the chains it started. Past either, a hop
 * fails at once with `ResourceExhausted` instead of queueing for a stream
 * slot — so half-finished chains can never wait on each other until they
 * all time out (60 concurrent `hops: 8` calls once filled one pooled
 * connection's 256 streams and wedged every caller's hops).
 */
export interface HopBudget {
  /**
   * Takes a slot for one downstream call made on behalf of `client`
   * (`undefined` for a call that continues someone else's chain: charged
   * to the process only). Returns the release function.
   *
   * @throws ConnectError `ResourceExhausted` when a budget is spent.
   */
  acquire(client: string | undefined): () => void;
  /** Downstream calls in flight now. */
  readonly inFlight: number;
}

/** Creates a budget of `maxInFlight` calls in all and `maxPerClient` per client. */
export function createHopBudget(limits: {
  readonly maxHopCallsInFlight: number;
  readonly maxHopCallsPerClient: number;
}): HopBudget {
  let inFlight = 0;
  const perClient = new Map<string, number>();
  return {
    get inFlight() {
      return inFlight;
    },
    acquire(client) {
      if (inFlight >= limits.maxHopCallsInFlight) {
        throw new ConnectError(
          `too many hops in flight on this server (${limits.maxHopCallsInFlight}); try again later`,
          Code.ResourceExhausted,
        );
      }
      const mine = client === undefined ? 0 : (perClient.get(client) ?? 0);
      if (client !== undefined && mine >= limits.maxHopCallsPerClient) {
        throw new ConnectError(
          `too many hops in flight for this client (${limits.maxHopCallsPerClient}); try again later`,
          Code.ResourceExhausted,
        );
      }
      inFlight++;
      if (client !== undefined) perClient.set(client, mine + 1);
      let released = false;
      return () => {
        if (released) return;
        released = true;
        inFlight--;
        if (client === undefined) return;
        const left = (perClient.get(client) ?? 1) - 1;
        if (left <= 0) perClient.delete(client);
        else perClient.set(client, left);
      };
    },
  };
}
