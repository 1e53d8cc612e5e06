import type { Interceptor } from "@connectrpc/connect";

/** A call through a chain of interceptors and the implementation. */
type Next<Req, Res> = (req: Req) => Promise<Res>;

/** Chains, built once per method spec and interceptor list, not per call. */
const chains = new WeakMap<object, WeakMap<Interceptor[], Next<never, unknown>>>();

/**
 * The interceptors wrapped around `impl(spec)`, from the last to the first
 * as Connect-ES's `applyInterceptors` does, built on the first call for
 * this spec and interceptor list and reused after (pass a function defined
 * once, not a closure made per call). Interceptors are typed for any
 * request and response; a chain only ever passes the kind its spec's
 * method has.
 */
export function interceptorChain<Spec extends object, Req, Res>(
  spec: Spec,
  interceptors: Interceptor[],
  impl: (spec: Spec) => Next<Req, Res>,
): Next<Req, Res> {
  let perSpec = chains.get(spec);
  if (!perSpec) {
    perSpec = new WeakMap();
    chains.set(spec, perSpec);
  }
  const cached = perSpec.get(interceptors);
  if (cached) return cached as Next<Req, Res>;
  const chain = interceptors.reduceRight<Next<Req, Res>>(
    (inner, interceptor) =>
      interceptor(inner as unknown as Parameters<Interceptor>[0]) as unknown as Next<Req, Res>,
    impl(spec),
  );
  perSpec.set(interceptors, chain as Next<never, unknown>);
  return chain;
}
