import type { ConnectRouter } from "@connectrpc/connect";
import { Health } from "../gen/grpc/health/v1/health_pb.js";
import { ServerReflection as ServerReflectionV1 } from "../gen/grpc/reflection/v1/reflection_pb.js";
import { ServerReflection as ServerReflectionV1alpha } from "../gen/grpc/reflection/v1alpha/reflection_pb.js";
import { HelloService } from "../gen/hello/v1/hello_pb.js";
import { createHealthService } from "./health.js";
import { createHelloService, type HelloServiceOptions } from "./hello-service.js";
import { createReflectionServices } from "./reflection.js";
import type { ServingState } from "./serving-state.js";

/** What the routes need from the server. */
export interface RouteOptions extends HelloServiceOptions {
  readonly serving: ServingState;
}

/**
 * Every RPC the server answers, on Connect, gRPC and gRPC-Web alike:
 * HelloService, gRPC health checking for it, and gRPC server reflection
 * (v1 and v1alpha) listing every service registered here.
 */
export function routes(options: RouteOptions): (router: ConnectRouter) => void {
  return (router) => {
    router.service(HelloService, createHelloService(options));
    router.service(Health, createHealthService(options.serving, [HelloService]));
    const reflection = createReflectionServices(() => router.handlers.map((h) => h.service));
    router.service(ServerReflectionV1, reflection.v1);
    router.service(ServerReflectionV1alpha, reflection.v1alpha);
  };
}
