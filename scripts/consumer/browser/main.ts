// The browser consumer: connect-web with the library's client interceptor
// and captureFetch, so a call's response headers and trailers arrive apart,
// on success and on error. It imports only the package entry points.
import { ConnectError, createClient } from "@connectrpc/connect";
import { createConnectTransport, createGrpcWebTransport } from "@connectrpc/connect-web";
import {
  appendToOutgoingContext,
  callOptions,
  captureFetch,
  clientMetadataInterceptor,
  header,
  MD,
  trailer,
} from "@hello-metadata/metadata";
import { GreetService } from "../src/gen/greet/v1/greet_pb.js";

const baseUrl = window.location.origin;
const connect = createConnectTransport({
  baseUrl,
  fetch: captureFetch(),
  interceptors: [clientMetadataInterceptor()],
});
const grpcWeb = createGrpcWebTransport({
  baseUrl,
  fetch: captureFetch(),
  interceptors: [clientMetadataInterceptor()],
});

/** Calls Greet; the answer (or error) and the metadata, headers and trailers apart. */
async function greet(useGrpcWeb: boolean, failCode: number): Promise<string> {
  const client = createClient(GreetService, useGrpcWeb ? grpcWeb : connect);
  const ctx = appendToOutgoingContext(undefined, "x-user", "junxi");
  const headers = new MD();
  const trailers = new MD();
  let answer: string;
  try {
    const res = await client.greet(
      { failCode },
      callOptions(ctx, header(headers), trailer(trailers)),
    );
    answer = res.greeting;
  } catch (e) {
    answer = ConnectError.from(e).message; // headers and trailers are filled on error too
  }
  return `${answer} (header x-greeted: ${headers.get("x-greeted")}, trailer x-outcome: ${trailers.get("x-outcome")})`;
}

const output = document.querySelector("output");
for (const button of document.querySelectorAll<HTMLButtonElement>("button[data-fail-code]")) {
  button.addEventListener("click", async () => {
    const grpcWebBox = document.querySelector<HTMLInputElement>("#grpc-web");
    const text = await greet(grpcWebBox?.checked ?? false, Number(button.dataset.failCode));
    if (output) output.textContent = text;
  });
}
