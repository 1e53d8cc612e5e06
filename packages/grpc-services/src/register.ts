import type { DescService } from "@bufbuild/protobuf";
import type { ConnectRouter } from "@connectrpc/connect";
import { Health } from "./gen/grpc/health/v1/health_pb.js";
import { ServerReflection as ServerReflectionV1 } from "./gen/grpc/reflection/v1/reflection_pb.js";
import { ServerReflection as ServerReflectionV1alpha } from "./gen/grpc/reflection/v1alpha/reflection_pb.js";
import { createHealthService } from "./health.js";
import { createReflectionServices } from "./reflection.js";
import type { ServingState } from "./serving-state.js";

/**
 * Registers gRPC health checking and server reflection (v1 and v1alpha) on
 * `router`: health reports `serving` for `""` and for each of `services`;
 * reflection lists every service the router has when it is first asked,
 * so register it after your own services or before — both work.
 */
export function registerGrpcServices(
  router: ConnectRouter,
  options: { readonly serving: ServingState; readonly services: readonly DescService[] },
): ConnectRouter {
  router.service(Health, createHealthService(options.serving, options.services));
  const reflection = createReflectionServices(() => router.handlers.map((h) => h.service));
  router.service(ServerReflectionV1, reflection.v1);
  router.service(ServerReflectionV1alpha, reflection.v1alpha);
  return router;
}
