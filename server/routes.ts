import type { ConnectRouter } from "@connectrpc/connect";
import { HelloService } from "../gen/hello/v1/hello_pb.js";
import { createHelloService } from "./hello-service.js";

/** Every RPC the server answers, on Connect, gRPC and gRPC-Web alike. */
export default function routes(router: ConnectRouter): void {
  router.service(HelloService, createHelloService());
}
