import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { createMethodUrl } from "@connectrpc/connect/protocol";
import { healthV1, reflectionV1 } from "@hello-metadata/grpc-services";
import { HelloService } from "../../gen/hello/v1/hello_pb.js";
import { rpcPath, servicePath } from "./rpc-path.js";

describe("rpcPath", () => {
  it("is the proto service name and the proto method name, not the local camelCase one", () => {
    assert.equal(rpcPath(HelloService.method.sayHello), "/hello.v1.HelloService/SayHello");
    assert.equal(
      rpcPath(reflectionV1.ServerReflection.method.serverReflectionInfo),
      "/grpc.reflection.v1.ServerReflection/ServerReflectionInfo",
    );
  });

  it("is what Connect-ES routes on (createMethodUrl with an empty base)", () => {
    for (const method of [
      HelloService.method.sayHello,
      HelloService.method.sayHelloStream,
      healthV1.Health.method.check,
    ]) {
      assert.equal(rpcPath(method), createMethodUrl("/", method));
    }
  });

  it("starts with its service's path", () => {
    assert.equal(servicePath(HelloService), "/hello.v1.HelloService/");
    assert.ok(rpcPath(HelloService.method.sayHelloStream).startsWith(servicePath(HelloService)));
  });
});
