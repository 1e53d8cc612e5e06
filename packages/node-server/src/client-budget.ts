/**
 * What one client address, and all of them together, may hold: open
 * connections (with a global cap kept under the process's descriptor
 * limit), new connections per second (a token bucket, so reconnect floods
 * cost the client that makes them), open HTTP/2 streams across the client's
 * connections, and a penalty box for addresses caught abusing the protocol
 * (rapid resets), whose new connections are refused for a while.
 */

/** The limits a {@link ClientBudget} enforces. */
export interface ClientLimits {
  readonly maxConnections: number;
  readonly maxConnectionsPerClient: number;
  /** Bucket size: how many connections a client may open in a burst. */
  readonly maxNewConnectionsPerClient: number;
  /** Bucket refill: new connections per second a client may open, sustained. */
  readonly newConnectionsPerClientPerSecond: number;
  readonly maxStreams: number;
  readonly maxStreamsPerClient: number;
}

/** Why a connection or stream was refused, for counting and logs. */
export type Refusal =
  | "connections"
  | "connections-per-client"
  | "connection-rate"
  | "penalty"
  | "streams"
  | "streams-per-client";

interface ClientState {
  connections: number;
  streams: number;
  tokens: number;
  refilledAt: number;
  penaltyUntil: number;
  penaltyMs: number;
}

/** The live counts and the decisions on them. */
export interface ClientBudget {
  /**
   * Takes a connection slot for `client`, or says why not. A `shared`
   * client (a trusted proxy, which carries many clients' connections)
   * counts against the process's cap only.
   */
  openConnection(client: string, shared?: boolean): Refusal | undefined;
  closeConnection(client: string): void;
  /** Takes a stream slot for `client`, or says why not. */
  openStream(client: string): Refusal | undefined;
  closeStream(client: string): void;
  /**
   * Refuses `client`'s new connections for a while: 1 s the first time,
   * doubling on each repeat within the window, up to 30 s.
   */
  penalize(client: string): void;
  /** Drops the state of clients that hold nothing and owe nothing (run now and then). */
  sweep(): void;
  /** Counts so far (for tests and metrics). */
  readonly stats: {
    readonly connections: number;
    readonly streams: number;
    readonly refused: Readonly<Record<Refusal, number>>;
  };
}

/** Creates the budget; `now` is injectable for tests of the bucket. */
export function createClientBudget(limits: ClientLimits, now = () => Date.now()): ClientBudget {
  const clients = new Map<string, ClientState>();
  let connections = 0;
  let streams = 0;
  const refused: Record<Refusal, number> = {
    connections: 0,
    "connections-per-client": 0,
    "connection-rate": 0,
    penalty: 0,
    streams: 0,
    "streams-per-client": 0,
  };
  const stateOf = (client: string): ClientState => {
    let s = clients.get(client);
    if (!s) {
      s = {
        connections: 0,
        streams: 0,
        tokens: limits.maxNewConnectionsPerClient,
        refilledAt: now(),
        penaltyUntil: 0,
        penaltyMs: 0,
      };
      clients.set(client, s);
    }
    return s;
  };
  const forget = (client: string, s: ClientState) => {
    // Keep the state while it still says something: open slots, a penalty, a spent bucket.
    if (s.connections > 0 || s.streams > 0 || s.penaltyUntil > now()) return;
    if (s.tokens < limits.maxNewConnectionsPerClient) return;
    clients.delete(client);
  };
  const refuse = (why: Refusal): Refusal => {
    refused[why]++;
    return why;
  };
  return {
    openConnection(client, shared = false) {
      if (shared) {
        if (connections >= limits.maxConnections) return refuse("connections");
        connections++;
        stateOf(client).connections++;
        return undefined;
      }
      const s = stateOf(client);
      const t = now();
      if (s.penaltyUntil > t) return refuse("penalty");
      const elapsed = (t - s.refilledAt) / 1000;
      s.tokens = Math.min(
        limits.maxNewConnectionsPerClient,
        s.tokens + elapsed * limits.newConnectionsPerClientPerSecond,
      );
      s.refilledAt = t;
      if (s.tokens < 1) return refuse("connection-rate");
      if (connections >= limits.maxConnections) return refuse("connections");
      if (s.connections >= limits.maxConnectionsPerClient) return refuse("connections-per-client");
      s.tokens -= 1;
      s.connections++;
      connections++;
      return undefined;
    },
    closeConnection(client) {
      const s = clients.get(client);
      if (!s || s.connections === 0) return;
      s.connections--;
      connections--;
      forget(client, s);
    },
    openStream(client) {
      const s = stateOf(client);
      if (streams >= limits.maxStreams) return refuse("streams");
      if (s.streams >= limits.maxStreamsPerClient) return refuse("streams-per-client");
      s.streams++;
      streams++;
      return undefined;
    },
    closeStream(client) {
      const s = clients.get(client);
      if (!s || s.streams === 0) return;
      s.streams--;
      streams--;
      forget(client, s);
    },
    penalize(client) {
      const s = stateOf(client);
      const t = now();
      const repeat = s.penaltyMs > 0 && s.penaltyUntil > t - 30_000;
      s.penaltyMs = repeat ? Math.min(s.penaltyMs * 2, 30_000) : 1_000;
      s.penaltyUntil = t + s.penaltyMs;
    },
    sweep() {
      const t = now();
      for (const [client, s] of clients) {
        const refilled =
          s.tokens + ((t - s.refilledAt) / 1000) * limits.newConnectionsPerClientPerSecond >=
          limits.maxNewConnectionsPerClient;
        if (s.connections === 0 && s.streams === 0 && s.penaltyUntil <= t && refilled) {
          clients.delete(client);
        }
      }
    },
    get stats() {
      return { connections, streams, refused };
    },
  };
}
