import type { DescService } from "@bufbuild/protobuf";
import { Code, ConnectError, type ServiceImpl } from "@connectrpc/connect";
import type { ServerReflection as ServerReflectionV1 } from "./gen/grpc/reflection/v1/reflection_pb.js";
import type { ServerReflection as ServerReflectionV1alpha } from "./gen/grpc/reflection/v1alpha/reflection_pb.js";
import { createSchemaIndex, type SchemaIndex } from "./schema-index.js";

/**
 * A reflection request of either version, as far as answering it goes
 * (v1 and v1alpha messages are the same but for their package).
 */
interface Query {
  readonly host: string;
  readonly messageRequest:
    | {
        readonly case:
          | "fileByFilename"
          | "fileContainingSymbol"
          | "allExtensionNumbersOfType"
          | "listServices";
        readonly value: string;
      }
    | {
        readonly case: "fileContainingExtension";
        readonly value: { readonly containingType: string; readonly extensionNumber: number };
      }
    | { readonly case: undefined; readonly value?: undefined };
}

/** A reflection response of either version, as an init object. */
interface Answer {
  validHost: string;
  originalRequest: Query;
  messageResponse:
    | { case: "fileDescriptorResponse"; value: { fileDescriptorProto: Uint8Array[] } }
    | {
        case: "allExtensionNumbersResponse";
        value: { baseTypeName: string; extensionNumber: number[] };
      }
    | { case: "listServicesResponse"; value: { service: { name: string }[] } }
    | { case: "errorResponse"; value: { errorCode: number; errorMessage: string } };
}

/** The two versions of the gRPC server reflection service, one implementation. */
export interface ReflectionServices {
  readonly v1: ServiceImpl<typeof ServerReflectionV1>;
  readonly v1alpha: ServiceImpl<typeof ServerReflectionV1alpha>;
}

/**
 * gRPC server reflection (`grpc.reflection.v1.ServerReflection` and
 * `grpc.reflection.v1alpha.ServerReflection`) over the services that
 * `services()` returns (called once, on the first request, so it can read
 * a router's handlers after every service is registered). The schema comes
 * from protobuf-es's generated descriptors of those services' files and
 * their imports.
 *
 * Each request on the stream gets one response, in order, echoing the
 * request and its host:
 * - `list_services`: every service's full name, sorted;
 * - `file_by_filename`, `file_containing_symbol`,
 *   `file_containing_extension`: the file as a serialized
 *   `FileDescriptorProto`, followed by the files it imports that this
 *   stream has not sent yet;
 * - `all_extension_numbers_of_type`: the extension numbers of a known
 *   message type (none, for these files);
 * - anything not found: an `error_response` with code NOT_FOUND (5) and the
 *   stream goes on;
 * - a request with no question ends the stream with `InvalidArgument`.
 */
export function createReflectionServices(
  services: () => Iterable<DescService>,
): ReflectionServices {
  let index: SchemaIndex | undefined;
  const answerAll = async function* (requests: AsyncIterable<Query>): AsyncGenerator<Answer> {
    index ??= createSchemaIndex(services());
    const sent = new Set<string>();
    for await (const req of requests) yield answer(index, req, sent);
  };
  return {
    v1: { serverReflectionInfo: answerAll },
    v1alpha: { serverReflectionInfo: answerAll },
  };
}

function answer(index: SchemaIndex, req: Query, sent: Set<string>): Answer {
  const reply = (messageResponse: Answer["messageResponse"]): Answer => ({
    validHost: req.host,
    originalRequest: copyQuery(req),
    messageResponse,
  });
  const notFound = (what: string): Answer =>
    reply({ case: "errorResponse", value: { errorCode: Code.NotFound, errorMessage: what } });
  const files = (file: Parameters<SchemaIndex["withDependencies"]>[0] | undefined, what: string) =>
    file
      ? reply({
          case: "fileDescriptorResponse",
          value: { fileDescriptorProto: index.withDependencies(file, sent) },
        })
      : notFound(what);

  const q = req.messageRequest;
  switch (q.case) {
    case "listServices":
      return reply({
        case: "listServicesResponse",
        value: { service: index.services.map((name) => ({ name })) },
      });
    case "fileByFilename":
      return files(index.fileByName(q.value), `file not found: ${q.value}`);
    case "fileContainingSymbol":
      return files(index.fileBySymbol(q.value), `symbol not found: ${q.value}`);
    case "fileContainingExtension": {
      const { containingType, extensionNumber } = q.value;
      return files(
        index.fileByExtension(containingType, extensionNumber),
        `extension not found: ${extensionNumber} of ${containingType}`,
      );
    }
    case "allExtensionNumbersOfType":
      if (!index.hasMessage(q.value)) return notFound(`message type not found: ${q.value}`);
      return reply({
        case: "allExtensionNumbersResponse",
        value: { baseTypeName: q.value, extensionNumber: index.extensionNumbers(q.value) },
      });
    case undefined:
      throw new ConnectError("reflection request names no question", Code.InvalidArgument);
  }
}

/** The request without its message type, so either version can echo it. */
function copyQuery(req: Query): Query {
  const q = req.messageRequest;
  if (q.case === "fileContainingExtension") {
    const { containingType, extensionNumber } = q.value;
    return {
      host: req.host,
      messageRequest: { case: q.case, value: { containingType, extensionNumber } },
    };
  }
  return { host: req.host, messageRequest: q.case === undefined ? { case: undefined } : q };
}
