// @hello-metadata/node-server: serve any Connect-ES router on Node. This file
// is the public API and nothing else.

export type { NodeAdapter, NodeAdapterOptions } from "./adapter.js";
export { createNodeAdapter } from "./adapter.js";
export { clientAddressKey } from "./call-context.js";
export type { EngineLog } from "./engine-log.js";
export type { ServerLimits } from "./limits.js";
export { defaultLimits } from "./limits.js";
export type { NodeRequest, NodeResponse, Responder } from "./node-request.js";
export type { OnePortOptions } from "./one-port.js";
export { createOnePortServer } from "./one-port.js";
export type { RequestSummary } from "./request-context.js";
export { currentRequest } from "./request-context.js";
export type { RunningServer, ServeOptions } from "./serve.js";
export { serve } from "./serve.js";
export { createStaticHandler } from "./static-files.js";
