// RPC paths from the generated descriptors, so that no path is written by
// hand: a renamed service or method changes every caller at once, and a
// typo is a type error instead of a 404.
import type { DescMethod, DescService } from "@bufbuild/protobuf";

/**
 * The path every protocol (Connect, gRPC, gRPC-Web) routes `method` on:
 * `/<package>.<Service>/<Method>`, e.g. `/hello.v1.HelloService/SayHello`
 * for `HelloService.method.sayHello`. The names are the proto names (the
 * descriptor's `typeName` and `name`), not the camelCase local names — the
 * same string Connect-ES's `createMethodUrl("/", method)` gives. Append it
 * to a base URL without a trailing slash.
 */
export function rpcPath(method: DescMethod): string {
  return `${servicePath(method.parent)}${method.name}`;
}

/**
 * The prefix all of `service`'s method paths share, slash included, e.g.
 * `/hello.v1.HelloService/`: for matching any call to the service, or for
 * building the path of a method it does not have.
 */
export function servicePath(service: DescService): string {
  return `/${service.typeName}/`;
}
