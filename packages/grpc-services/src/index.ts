// @hello-metadata/grpc-services: the standard gRPC health and server
// reflection services, for any Connect-ES router. This file is the public API.

export * as healthV1 from "./gen/grpc/health/v1/health_pb.js";
export * as reflectionV1 from "./gen/grpc/reflection/v1/reflection_pb.js";
export * as reflectionV1alpha from "./gen/grpc/reflection/v1alpha/reflection_pb.js";
export { createHealthService } from "./health.js";
export type { ReflectionServices } from "./reflection.js";
export { createReflectionServices } from "./reflection.js";
export { registerGrpcServices } from "./register.js";
export type { ServingState } from "./serving-state.js";
export { createServingState } from "./serving-state.js";
