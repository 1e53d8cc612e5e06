// The fast path's encoder writes exactly what protobuf-es's toBinary writes,
// for generated messages of many schemas (proto3 and proto2, scalars of
// every type, enums, oneofs, nested and repeated messages, packed and
// unpacked lists, int64s, non-ASCII and lone-surrogate strings) — and falls
// back to toBinary for what it does not compile.
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import {
  create,
  type DescField,
  type DescMessage,
  type Message,
  ScalarType,
  toBinary,
} from "@bufbuild/protobuf";
import {
  FileDescriptorProtoSchema,
  FileDescriptorSetSchema,
  file_google_protobuf_api,
  file_google_protobuf_type,
  GeneratedCodeInfoSchema,
  SourceCodeInfoSchema,
  StructSchema,
  TimestampSchema,
  TypeSchema,
} from "@bufbuild/protobuf/wkt";
import fc from "fast-check";
import { encodeBinary, isCompiled } from "./binary-encoder.js";
import { UnaryRequestSchema, UnaryResponseSchema } from "./testing/gen/enginetest/v1/echo_pb.js";

const str = fc.oneof(
  fc.string({ maxLength: 12 }),
  fc.string({ unit: "grapheme", maxLength: 6 }),
  fc.constantFrom("", "héllo", "日本", "\ud800", "a\udfffb", "😀"),
);

function scalar(type: ScalarType, longAsString: boolean): fc.Arbitrary<unknown> {
  const long = (min: bigint, max: bigint) =>
    fc.bigInt({ min, max }).map((v) => (longAsString ? v.toString() : v));
  switch (type) {
    case ScalarType.STRING:
      return str;
    case ScalarType.BYTES:
      return fc.uint8Array({ maxLength: 8 });
    case ScalarType.BOOL:
      return fc.boolean();
    case ScalarType.DOUBLE:
      return fc.double({ noNaN: true });
    case ScalarType.FLOAT:
      return fc.float({ noNaN: true }).map(Math.fround);
    case ScalarType.INT32:
    case ScalarType.SINT32:
    case ScalarType.SFIXED32:
      return fc.integer({ min: -(2 ** 31), max: 2 ** 31 - 1 });
    case ScalarType.UINT32:
    case ScalarType.FIXED32:
      return fc.integer({ min: 0, max: 2 ** 32 - 1 });
    case ScalarType.INT64:
    case ScalarType.SINT64:
    case ScalarType.SFIXED64:
      return long(-(2n ** 63n), 2n ** 63n - 1n);
    case ScalarType.UINT64:
    case ScalarType.FIXED64:
      return long(0n, 2n ** 64n - 1n);
  }
}

/** A random message of `schema` as protobuf-es builds one, `depth` levels deep at most. */
function message(schema: DescMessage, depth: number): fc.Arbitrary<Message> {
  const parts: fc.Arbitrary<[string, unknown] | undefined>[] = [];
  const oneofsSeen = new Set<string>();
  for (const field of schema.fields) {
    if (field.oneof) {
      if (oneofsSeen.has(field.oneof.name)) continue;
      oneofsSeen.add(field.oneof.name);
      const members = field.oneof.fields;
      const oneofName = field.oneof.localName;
      parts.push(
        fc.oneof(
          fc.constant(undefined),
          ...members.map((m) =>
            arbitraryFor(m, depth).map(
              (value) => [oneofName, { case: m.localName, value }] as [string, unknown],
            ),
          ),
        ),
      );
      continue;
    }
    parts.push(
      fc.option(
        arbitraryFor(field, depth).map((v) => [field.localName, v] as [string, unknown]),
        { nil: undefined },
      ),
    );
  }
  return fc.tuple(...parts).map((entries) => {
    const init: { [k: string]: unknown } = {};
    for (const e of entries) if (e) init[e[0]] = e[1];
    return create(schema, init as never) as Message;
  });
}

function arbitraryFor(field: DescField, depth: number): fc.Arbitrary<unknown> {
  const one = (): fc.Arbitrary<unknown> => {
    if (
      field.fieldKind === "message" ||
      (field.fieldKind === "list" && field.listKind === "message")
    ) {
      return depth <= 0 ? fc.constant(create(field.message)) : message(field.message, depth - 1);
    }
    if (field.fieldKind === "enum" || (field.fieldKind === "list" && field.listKind === "enum")) {
      return fc.constantFrom(...field.enum.values.map((v) => v.number));
    }
    if (
      field.fieldKind === "scalar" ||
      (field.fieldKind === "list" && field.listKind === "scalar")
    ) {
      return scalar(field.scalar, field.longAsString);
    }
    return fc.constant(undefined);
  };
  if (field.fieldKind === "list") return fc.array(one(), { maxLength: 4 });
  if (field.fieldKind === "map") return fc.constant({});
  return one();
}

const schemas: DescMessage[] = [
  UnaryRequestSchema,
  UnaryResponseSchema,
  TypeSchema, // proto3: enums, repeated messages, nested Any, SourceContext
  file_google_protobuf_api.messages[0] as DescMessage, // Api
  file_google_protobuf_type.messages[1] as DescMessage, // Field: many enums, int32s, bools
  TimestampSchema, // int64
  FileDescriptorProtoSchema,
  GeneratedCodeInfoSchema,
  SourceCodeInfoSchema, // proto2: explicit presence, nested, repeated, packed false
];

/** The bytes, or the error's message (proto2 required fields left unset are an error). */
function outcome(encode: () => Uint8Array): Uint8Array | string {
  try {
    return encode();
  } catch (e) {
    return String(e);
  }
}

describe("encodeBinary", () => {
  for (const schema of schemas) {
    it(`writes exactly what toBinary writes: ${schema.typeName}`, () => {
      fc.assert(
        fc.property(message(schema, 2), (m) => {
          assert.deepEqual(
            outcome(() => encodeBinary(schema, m)),
            outcome(() => toBinary(schema, m as never)),
          );
        }),
        { numRuns: 300 },
      );
    });
  }

  it("compiles every schema above but the one that reaches proto2 required fields", () => {
    assert.deepEqual(
      schemas.filter((s) => !isCompiled(s)).map((s) => s.typeName),
      ["google.protobuf.FileDescriptorProto"],
    );
  });

  it("hands schemas it does not compile to toBinary (maps: Struct; sets of files)", () => {
    const s = create(StructSchema, { fields: { a: { kind: { case: "numberValue", value: 1 } } } });
    assert.deepEqual(encodeBinary(StructSchema, s as Message), toBinary(StructSchema, s));
    const set = create(FileDescriptorSetSchema, { file: [file_google_protobuf_type.proto] });
    assert.deepEqual(
      encodeBinary(FileDescriptorSetSchema, set as Message),
      toBinary(FileDescriptorSetSchema, set),
    );
  });

  it("hands a message with unknown fields to toBinary", () => {
    const m = create(TimestampSchema, { seconds: 5n }) as Message;
    (m as { $unknown?: unknown }).$unknown = [{ no: 99, wireType: 0, data: new Uint8Array([1]) }];
    assert.deepEqual(encodeBinary(TimestampSchema, m), toBinary(TimestampSchema, m as never));
  });

  it("the comparison can fail: a different message gives different bytes", () => {
    const a = create(TimestampSchema, { seconds: 1n }) as Message;
    const b = create(TimestampSchema, { seconds: 2n }) as Message;
    assert.notDeepEqual(encodeBinary(TimestampSchema, a), toBinary(TimestampSchema, b as never));
  });
});
