import type { ConnectRouter } from "@connectrpc/connect";
import { registerGrpcServices, type ServingState } from "@hello-metadata/grpc-services";
import { HelloService } from "../gen/hello/v1/hello_pb.js";
import { createHelloService, type HelloServiceOptions } from "./hello-service.js";

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
    registerGrpcServices(router, { serving: options.serving, services: [HelloService] });
  };
}
