// The schema index behind server reflection, on a service whose file imports
// well-known types (directly and transitively) and declares an extension:
// what the app's own protos, which import nothing, cannot show.
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { create, createFileRegistry, fromBinary } from "@bufbuild/protobuf";
import {
  FileDescriptorProtoSchema,
  file_google_protobuf_api,
  file_google_protobuf_descriptor,
  file_google_protobuf_empty,
  FieldDescriptorProto_Label as Label,
  FieldDescriptorProto_Type as Type,
} from "@bufbuild/protobuf/wkt";
import { createSchemaIndex } from "./schema-index.js";

const imports = [
  file_google_protobuf_empty,
  file_google_protobuf_api,
  file_google_protobuf_descriptor,
];

const registry = createFileRegistry(
  create(FileDescriptorProtoSchema, {
    name: "test/v1/svc.proto",
    package: "test.v1",
    syntax: "proto3",
    dependency: imports.map((f) => f.proto.name),
    messageType: [
      {
        name: "Req",
        field: [
          {
            name: "api",
            jsonName: "api",
            number: 1,
            label: Label.OPTIONAL,
            type: Type.MESSAGE,
            typeName: ".google.protobuf.Api",
          },
        ],
        enumType: [{ name: "Mode", value: [{ name: "MODE_UNSPECIFIED", number: 0 }] }],
      },
    ],
    service: [
      {
        name: "Svc",
        method: [{ name: "Do", inputType: ".test.v1.Req", outputType: ".google.protobuf.Empty" }],
      },
    ],
    extension: [
      {
        name: "label",
        jsonName: "label",
        number: 50001,
        label: Label.OPTIONAL,
        type: Type.STRING,
        extendee: ".google.protobuf.MessageOptions",
      },
    ],
  }),
  (name) => imports.find((f) => f.proto.name === name),
);
const service = registry.getService("test.v1.Svc");
assert.ok(service);
const index = createSchemaIndex([service, service]);
const file = index.fileByName("test/v1/svc.proto");

const names = (files: Uint8Array[]) =>
  files.map((b) => fromBinary(FileDescriptorProtoSchema, b).name);

describe("createSchemaIndex", () => {
  it("lists each service once", () => {
    assert.deepEqual(index.services, ["test.v1.Svc"]);
  });

  it("indexes the service's file and every file it imports, transitively", () => {
    for (const name of [
      "test/v1/svc.proto",
      "google/protobuf/empty.proto",
      "google/protobuf/api.proto",
      "google/protobuf/type.proto", // imported by api.proto
      "google/protobuf/any.proto", // imported by type.proto
    ]) {
      assert.equal(index.fileByName(name)?.proto.name, name);
    }
    assert.equal(index.fileByName("google/protobuf/duration.proto"), undefined);
  });

  it("finds the defining file of each kind of symbol", () => {
    const cases: [string, string | undefined][] = [
      ["test.v1.Svc", "test/v1/svc.proto"],
      ["test.v1.Svc.Do", "test/v1/svc.proto"],
      ["test.v1.Req", "test/v1/svc.proto"],
      ["test.v1.Req.api", "test/v1/svc.proto"],
      ["test.v1.Req.Mode", "test/v1/svc.proto"],
      ["test.v1.Req.MODE_UNSPECIFIED", "test/v1/svc.proto"], // enum values live in the enum's scope
      ["test.v1.Req.Mode.MODE_UNSPECIFIED", undefined],
      ["test.v1.label", "test/v1/svc.proto"],
      ["google.protobuf.Any", "google/protobuf/any.proto"],
      ["google.protobuf.Syntax.SYNTAX_PROTO3", undefined],
      ["google.protobuf.SYNTAX_PROTO3", "google/protobuf/type.proto"],
      ["test.v1", undefined],
      [".test.v1.Svc", undefined],
    ];
    for (const [symbol, expected] of cases) {
      assert.equal(index.fileBySymbol(symbol)?.proto.name, expected, symbol);
    }
  });

  it("finds extensions by extended type and number", () => {
    assert.equal(
      index.fileByExtension("google.protobuf.MessageOptions", 50001)?.proto.name,
      "test/v1/svc.proto",
    );
    assert.equal(index.fileByExtension("google.protobuf.MessageOptions", 50002), undefined);
    assert.deepEqual(index.extensionNumbers("google.protobuf.MessageOptions"), [50001]);
    assert.deepEqual(index.extensionNumbers("test.v1.Req"), []);
    assert.equal(index.hasMessage("test.v1.Req"), true);
    assert.equal(index.hasMessage("test.v1.Svc"), false);
  });

  it("sends a file with its imports breadth-first, each once per stream", () => {
    assert.ok(file);
    const sent = new Set<string>();
    assert.deepEqual(names(index.withDependencies(file, sent)), [
      "test/v1/svc.proto",
      "google/protobuf/empty.proto",
      "google/protobuf/api.proto",
      "google/protobuf/descriptor.proto",
      "google/protobuf/source_context.proto",
      "google/protobuf/type.proto",
      "google/protobuf/any.proto",
    ]);
    // Asked again on the same stream: the file itself, but no import again.
    assert.deepEqual(names(index.withDependencies(file, sent)), ["test/v1/svc.proto"]);
    const api = index.fileByName("google/protobuf/api.proto");
    assert.ok(api);
    assert.deepEqual(names(index.withDependencies(api, new Set())), [
      "google/protobuf/api.proto",
      "google/protobuf/source_context.proto",
      "google/protobuf/type.proto",
      "google/protobuf/any.proto",
    ]);
  });

  it("serializes each file as protobuf-es describes it", () => {
    assert.ok(file);
    const [bytes] = index.withDependencies(file, new Set());
    assert.ok(bytes);
    const decoded = fromBinary(FileDescriptorProtoSchema, bytes);
    assert.deepEqual(
      decoded.dependency,
      imports.map((f) => f.proto.name),
    );
    assert.equal(decoded.service[0]?.method[0]?.outputType, ".google.protobuf.Empty");
  });
});
