import { createContextKey } from "@connectrpc/connect";

/**
 * The address of the client a call came from, in the call's context values
 * (`ctx.values.get(clientAddressKey)`): the TCP peer, or, behind a trusted
 * proxy, the client the proxy names. Empty when unknown. Handlers and
 * interceptors use it for per-client budgets and logs.
 */
export const clientAddressKey = createContextKey<string>("", {
  description: "@hello-metadata/node-server: the client's address",
});
