// Test helpers (not part of the package: excluded from its build).
import { create, createFileRegistry, type DescService } from "@bufbuild/protobuf";
import { FileDescriptorProtoSchema, file_google_protobuf_wrappers } from "@bufbuild/protobuf/wkt";
import type { MD } from "./md.js";

/** Key-order-free view of an MD for deep comparisons in tests. */
export function asRecord(md: MD): Record<string, unknown[]> {
  return Object.fromEntries(md.entries());
}

/**
 * A one-method service for in-memory calls (`createRouterTransport`):
 * `test.v1.Echo/Say(google.protobuf.StringValue) returns (google.protobuf.StringValue)`,
 * so library tests need no generated code of any app.
 */
export const echoService: DescService = (() => {
  const registry = createFileRegistry(
    create(FileDescriptorProtoSchema, {
      name: "test/v1/echo.proto",
      package: "test.v1",
      syntax: "proto3",
      dependency: [file_google_protobuf_wrappers.proto.name],
      service: [
        {
          name: "Echo",
          method: [
            {
              name: "Say",
              inputType: ".google.protobuf.StringValue",
              outputType: ".google.protobuf.StringValue",
            },
          ],
        },
      ],
    }),
    (name) =>
      name === file_google_protobuf_wrappers.proto.name ? file_google_protobuf_wrappers : undefined,
  );
  const service = registry.getService("test.v1.Echo");
  if (!service) throw new Error("test.v1.Echo did not build");
  return service;
})();
