import { fastifyConnectPlugin } from "@connectrpc/connect-fastify";
import { serverMetadataInterceptor } from "@hello-metadata/metadata";
import { fastify } from "fastify";
import routes from "./greet-service.js";
import type { Listening } from "./listen.js";

/** connect-fastify: the routes as a fastify plugin, on h2c. */
export async function fastifyServer(): Promise<Listening> {
  const app = fastify({ http2: true });
  await app.register(fastifyConnectPlugin, {
    routes,
    interceptors: [serverMetadataInterceptor()],
  });
  const url = await app.listen({ host: "127.0.0.1", port: 0 });
  return { url, close: () => app.close() };
}
