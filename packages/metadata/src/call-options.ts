import {
  type CallOptions,
  type ContextValues,
  createContextKey,
  createContextValues,
} from "@connectrpc/connect";
import { deriveContextValues } from "./context-values.js";
import type { MD } from "./md.js";

/** Where a call's response metadata is copied to; see {@link header}. */
export interface CaptureTargets {
  header?: MD;
  trailer?: MD;
}

/** The capture targets of a call, in its context values. */
export const captureKey = createContextKey<CaptureTargets | undefined>(undefined, {
  description: "hello-metadata response capture",
});

/** A call option in grpc-go's sense; pass it to {@link callOptions}. */
export interface CallOption {
  /** @internal */
  readonly apply: (targets: CaptureTargets) => void;
}

/**
 * Asks for the response header metadata of a call to be stored in `md`
 * (grpc-go's `grpc.Header(&md)`). When the call ends, on success or error,
 * `md` holds exactly the headers the server sent as metadata: protocol
 * headers removed, `-bin` values decoded, trailers not mixed in. Whatever
 * `md` held before is replaced.
 */
export function header(md: MD): CallOption {
  return {
    apply: (t) => {
      t.header = md;
    },
  };
}

/**
 * Asks for the response trailer metadata of a call to be stored in `md`
 * (grpc-go's `grpc.Trailer(&md)`); see {@link header}. For a stream, `md` is
 * filled once the stream has ended.
 */
export function trailer(md: MD): CallOption {
  return {
    apply: (t) => {
      t.trailer = md;
    },
  };
}

/**
 * Builds Connect `CallOptions` from a context (typically made with
 * `appendToOutgoingContext`) and grpc-go-style call options:
 * `client.sayHello(req, callOptions(ctx, header(h), trailer(t)))`.
 * The context is not changed. Spread the result to add other options:
 * `{ ...callOptions(ctx), timeoutMs: 500 }`.
 */
export function callOptions(
  values: ContextValues | undefined,
  ...options: CallOption[]
): CallOptions & { contextValues: ContextValues } {
  const targets: CaptureTargets = {};
  for (const o of options) o.apply(targets);
  return {
    contextValues: deriveContextValues(values ?? createContextValues()).set(captureKey, targets),
  };
}
