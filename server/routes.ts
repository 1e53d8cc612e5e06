import type { ConnectRouter } from "@connectrpc/connect";
import { HelloService } from "../gen/hello/v1/hello_pb.js";
import { createHelloService, type HelloServiceOptions } from "./hello-service.js";
import type { ServingState } from "./serving-state.js";

/** What the routes need from the server. */
export interface RouteOptions extends HelloServiceOptions {
  readonly serving: ServingState;
}

/** Every RPC the server answers, on Connect, gRPC and gRPC-Web alike. */
export function routes(options: RouteOptions): (router: ConnectRouter) => void {
  return (router) => {
    router.service(HelloService, createHelloService(options));
  };
}
