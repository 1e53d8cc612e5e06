import {
  createServingState,
  registerGrpcServices,
  type ServingState,
} from "@hello-metadata/grpc-services";
import { serverMetadataInterceptor } from "@hello-metadata/metadata";
import { serve } from "@hello-metadata/node-server";
import { GreetService } from "./gen/greet/v1/greet_pb.js";
import routes from "./greet-service.js";
import type { Listening } from "./listen.js";

/** The engine serving Greet, and the state its health service reports. */
export interface GreetEngine extends Listening {
  readonly serving: ServingState;
}

/**
 * The engine: Connect, gRPC and gRPC-Web on one port (HTTP/1.1 and h2c),
 * with gRPC health checking and server reflection next to Greet.
 */
export async function serveGreet(port: number): Promise<GreetEngine> {
  const serving = createServingState();
  const server = await serve({
    port,
    host: "127.0.0.1",
    routes: (router) => {
      routes(router);
      registerGrpcServices(router, { serving, services: [GreetService] });
    },
    interceptors: [serverMetadataInterceptor()],
  });
  const close = () => {
    serving.stopServing(); // health answers NOT_SERVING while calls drain
    return server.close();
  };
  return { url: server.url, serving, close };
}
