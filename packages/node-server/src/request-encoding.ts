import type { Compression } from "@connectrpc/connect/protocol";
import type { WireFormat } from "@hello-metadata/metadata/internal";

/** Why a request's compression is refused, and how to say what is accepted. */
export interface UnsupportedEncoding {
  /** The message, in Connect-ES's words: `unknown compression "snappy": supported encodings are gzip,br`. */
  readonly message: string;
  /** The response header naming what the server accepts, with its value (`grpc-accept-encoding: gzip,br`). */
  readonly accept: Readonly<Record<string, string>>;
}

/**
 * Checks the compression a request says its messages use — `grpc-encoding`
 * (gRPC, gRPC-Web), `connect-content-encoding` (Connect streaming) or
 * `content-encoding` (Connect unary) — against `supported`. An encoding the
 * server cannot read is refused with `unimplemented` and the accept header of
 * the protocol (`grpc-accept-encoding`, `connect-accept-encoding`,
 * `accept-encoding`) naming the supported ones, as the gRPC compression spec
 * and the Connect protocol ask. Connect-ES refuses it too, but its error's
 * accept header is a protocol header it drops on the way out, so clients
 * were never told what to use. Returns undefined when the request is fine
 * (no encoding, `identity`, or a supported one).
 */
export function unsupportedEncoding(
  header: Headers,
  format: WireFormat,
  supported: readonly Compression[],
): UnsupportedEncoding | undefined {
  const [name, acceptName] =
    format.protocol !== "connect"
      ? ["grpc-encoding", "grpc-accept-encoding"]
      : format.stream
        ? ["connect-content-encoding", "connect-accept-encoding"]
        : ["content-encoding", "accept-encoding"];
  const requested = header.get(name)?.trim();
  if (!requested || requested === "identity") return undefined;
  if (supported.some((c) => c.name === requested)) return undefined;
  const acceptable = supported.map((c) => c.name).join(",");
  return {
    message: `unknown compression ${JSON.stringify(requested)}: supported encodings are ${acceptable}`,
    accept: { [acceptName]: acceptable },
  };
}
