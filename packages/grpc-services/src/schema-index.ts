import type { DescFile, DescService } from "@bufbuild/protobuf";
import { toBinary } from "@bufbuild/protobuf";
import { nestedTypes } from "@bufbuild/protobuf/reflect";
import { FileDescriptorProtoSchema } from "@bufbuild/protobuf/wkt";

/**
 * What server reflection can tell about a set of services: the protobuf
 * files that define them and every file those import, found by file name,
 * by fully qualified symbol, or by extension.
 */
export interface SchemaIndex {
  /** Fully qualified names of the services, sorted. */
  readonly services: readonly string[];
  /** The file named `name` (as in an import, e.g. `hello/v1/hello.proto`). */
  fileByName(name: string): DescFile | undefined;
  /**
   * The file that defines `symbol`: a service, method, message, field,
   * oneof, enum, enum value (named in its enum's enclosing scope, as
   * protobuf scopes them) or extension, by its fully qualified name without
   * a leading dot.
   */
  fileBySymbol(symbol: string): DescFile | undefined;
  /** Whether `typeName` is a message type of an indexed file. */
  hasMessage(typeName: string): boolean;
  /** The file declaring extension `number` of message `typeName`. */
  fileByExtension(typeName: string, number: number): DescFile | undefined;
  /** The extension numbers declared for message `typeName`, ascending. */
  extensionNumbers(typeName: string): number[];
  /**
   * `file` serialized as a `google.protobuf.FileDescriptorProto`, then each
   * file it imports, directly or not, that is not in `skip`; every file
   * returned is added to `skip`. `file` itself is always returned first, as
   * gRPC reflection servers do (a client asked for it).
   */
  withDependencies(file: DescFile, skip: Set<string>): Uint8Array[];
}

/**
 * Indexes the files that define `services` and, transitively, the files
 * they import (protobuf-es keeps each generated file's imports as
 * `DescFile.dependencies`).
 */
export function createSchemaIndex(services: Iterable<DescService>): SchemaIndex {
  const files = new Map<string, DescFile>();
  const symbols = new Map<string, DescFile>();
  const messages = new Set<string>();
  const extensions = new Map<string, Map<number, DescFile>>();
  const serviceNames = new Set<string>();
  const encoded = new Map<string, Uint8Array>();

  const addFile = (file: DescFile): void => {
    if (files.has(file.proto.name)) return;
    files.set(file.proto.name, file);
    for (const type of nestedTypes(file)) {
      symbols.set(type.typeName, file);
      switch (type.kind) {
        case "message":
          messages.add(type.typeName);
          for (const part of [...type.fields, ...type.oneofs]) {
            symbols.set(`${type.typeName}.${part.name}`, file);
          }
          break;
        case "enum": {
          const scope = type.typeName.slice(0, type.typeName.length - type.name.length);
          for (const value of type.values) symbols.set(`${scope}${value.name}`, file);
          break;
        }
        case "service":
          for (const method of type.methods) symbols.set(`${type.typeName}.${method.name}`, file);
          break;
        case "extension": {
          const byNumber = extensions.get(type.extendee.typeName) ?? new Map<number, DescFile>();
          byNumber.set(type.number, file);
          extensions.set(type.extendee.typeName, byNumber);
          break;
        }
      }
    }
    for (const dep of file.dependencies) addFile(dep);
  };
  for (const service of services) {
    serviceNames.add(service.typeName);
    addFile(service.file);
  }

  const encode = (file: DescFile): Uint8Array => {
    let bytes = encoded.get(file.proto.name);
    if (!bytes) {
      bytes = toBinary(FileDescriptorProtoSchema, file.proto);
      encoded.set(file.proto.name, bytes);
    }
    return bytes;
  };

  return {
    services: [...serviceNames].sort(),
    fileByName: (name) => files.get(name),
    fileBySymbol: (symbol) => symbols.get(symbol),
    hasMessage: (typeName) => messages.has(typeName),
    fileByExtension: (typeName, number) => extensions.get(typeName)?.get(number),
    extensionNumbers: (typeName) =>
      [...(extensions.get(typeName)?.keys() ?? [])].sort((a, b) => a - b),
    withDependencies(file, skip) {
      const out = [encode(file)];
      skip.add(file.proto.name);
      const seen = new Set([file.proto.name]);
      const queue = [...file.dependencies];
      for (let dep = queue.shift(); dep; dep = queue.shift()) {
        if (seen.has(dep.proto.name)) continue;
        seen.add(dep.proto.name);
        if (!skip.has(dep.proto.name)) {
          out.push(encode(dep));
          skip.add(dep.proto.name);
        }
        queue.push(...dep.dependencies);
      }
      return out;
    },
  };
}
