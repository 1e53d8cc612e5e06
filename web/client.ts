import { createClient } from "@connectrpc/connect";
import { createConnectTransport } from "@connectrpc/connect-web";
import { HelloService } from "../gen/hello/v1/hello_pb.js";
import { captureFetch, clientMetadataInterceptor } from "../metadata/index.js";

/**
 * The HelloService client the page uses: connect-web's Connect transport with
 * the metadata library's interceptor (outgoing metadata, header/trailer
 * capture) and fetch wrapper (header/trailer split on errors). The API is
 * `?api=<origin>` when given, else VITE_API_BASE (set by `npm run dev`), else
 * the page's own origin.
 */
export function createHelloClient(apiBase = apiFromLocation()) {
  return createClient(
    HelloService,
    createConnectTransport({
      baseUrl: apiBase,
      fetch: captureFetch(),
      interceptors: [clientMetadataInterceptor()],
    }),
  );
}

function apiFromLocation(): string {
  const api = new URLSearchParams(location.search).get("api");
  return api ?? import.meta.env.VITE_API_BASE ?? location.origin;
}
