import type { DescService } from "@bufbuild/protobuf";
import { Code, ConnectError, type ServiceImpl } from "@connectrpc/connect";
import {
  type Health,
  type HealthCheckResponse,
  HealthCheckResponse_ServingStatus as Status,
} from "./gen/grpc/health/v1/health_pb.js";
import type { ServingState } from "./serving-state.js";

type StatusMessage = Pick<HealthCheckResponse, "status">;

/**
 * The standard gRPC health service (`grpc.health.v1.Health`), reporting the
 * server's {@link ServingState}: SERVING until shutdown begins, NOT_SERVING
 * after. Known service names are `""` (the whole server) and the full name
 * of each service in `services`; they all share the server's state.
 *
 * - `Check` answers the current status; an unknown service is `NotFound`.
 * - `Watch` sends the current status at once, then each change. Once it
 *   has sent NOT_SERVING it ends the stream (OK), so a graceful shutdown
 *   never waits for open watches. For an unknown service it sends
 *   SERVICE_UNKNOWN and stays open, as the spec asks, until shutdown begins
 *   (then it ends without another message) or the caller cancels.
 */
export function createHealthService(
  serving: ServingState,
  services: readonly DescService[],
): ServiceImpl<typeof Health> {
  const known = new Set(["", ...services.map((s) => s.typeName)]);
  return {
    check(req) {
      if (!known.has(req.service)) {
        throw new ConnectError(`unknown service ${JSON.stringify(req.service)}`, Code.NotFound);
      }
      return statusOf(serving.serving);
    },

    async *watch(req, ctx) {
      // Subscribe before the first message, so no change is missed while
      // the caller reads it.
      const changes = subscribe(serving, ctx.signal);
      try {
        if (!known.has(req.service)) {
          yield { status: Status.SERVICE_UNKNOWN };
          if (!serving.serving) return;
          // Until shutdown begins (false) or the caller cancels (undefined).
          while ((await changes.next()) === true) {}
          return;
        }
        let current = serving.serving;
        yield statusOf(current);
        while (current) {
          const next = await changes.next();
          if (next === undefined) return;
          if (next === current) continue;
          current = next;
          yield statusOf(current);
        }
      } finally {
        changes.close();
      }
    },
  };
}

function statusOf(serving: boolean): StatusMessage {
  return { status: serving ? Status.SERVING : Status.NOT_SERVING };
}

/** The changes of a {@link ServingState}, from the moment of subscribing. */
interface Subscription {
  /** The next value of `serving`, in order; `undefined` once the signal aborted. */
  next(): Promise<boolean | undefined>;
  /** Stops listening. Idempotent. */
  close(): void;
}

/** Subscribes to `serving` at once; the subscription ends when `signal` aborts. */
function subscribe(serving: ServingState, signal: AbortSignal): Subscription {
  const queue: boolean[] = [];
  let wake: (() => void) | undefined;
  const onAbort = () => wake?.();
  const unsubscribe = serving.onChange((now) => {
    queue.push(now);
    wake?.();
  });
  signal.addEventListener("abort", onAbort);
  return {
    async next() {
      while (queue.length === 0 && !signal.aborted) {
        await new Promise<void>((resolve) => {
          wake = resolve;
        });
        wake = undefined;
      }
      return signal.aborted ? undefined : queue.shift();
    },
    close() {
      unsubscribe();
      signal.removeEventListener("abort", onAbort);
    },
  };
}
