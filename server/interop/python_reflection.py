#!/usr/bin/python3
"""Lists a server's services and methods through gRPC server reflection.

usage: /usr/bin/python3 server/interop/python_reflection.py ADDRESS [--v1alpha]

Debian ships no grpcio-reflection module, so this speaks the reflection
protocol (grpc.reflection.v1.ServerReflection/ServerReflectionInfo, a
bidirectional stream) with grpcio's generic channel.stream_stream and
hand-encoded messages: one list_services request, then one
file_containing_symbol request per service, whose FileDescriptorProto
answers name the methods. --v1alpha asks the older
grpc.reflection.v1alpha service instead.

It prints one JSON object: {"services": [{"name", "file", "methods":
[{"name", "input", "output", "clientStreaming", "serverStreaming"}]}]}.
Exit status: 0 on success, 1 when the server answered with an error, 3 when
grpcio is missing.
"""

from __future__ import annotations

import argparse
import json
import queue
import sys

import protowire
from require_grpc import require_grpc

# ServerReflectionRequest fields.
FILE_CONTAINING_SYMBOL = 4
LIST_SERVICES = 7
# ServerReflectionResponse fields.
FILE_DESCRIPTOR_RESPONSE = 4
LIST_SERVICES_RESPONSE = 6
ERROR_RESPONSE = 7


class ReflectionError(Exception):
    pass


def ask(stream, request: bytes) -> dict[int, list[int | bytes]]:
    """Sends one request on the open stream and parses its one response."""
    stream.send(request)
    try:
        response = protowire.parse(next(stream.responses))
    except StopIteration:
        raise ReflectionError("the server ended the stream without answering") from None
    for error in protowire.messages(response, ERROR_RESPONSE):
        code = error.get(1, [0])[-1]
        raise ReflectionError(f"error {code}: {protowire.string(error, 2)}")
    return response


class Stream:
    """A bidirectional call fed from a queue, answered one request at a time."""

    def __init__(self, call_factory):
        self._queue: queue.Queue[bytes | None] = queue.Queue()
        self.responses = call_factory(iter(self._queue.get, None))

    def send(self, request: bytes) -> None:
        self._queue.put(request)

    def close(self) -> None:
        self._queue.put(None)


def methods_of(file_descriptor: bytes, service: str) -> tuple[str, list[dict[str, object]]]:
    """The file's name and the methods of `service` in it."""
    fields = protowire.parse(file_descriptor)
    package = protowire.string(fields, 2)
    for svc in protowire.messages(fields, 6):  # FileDescriptorProto.service
        full = f"{package}.{protowire.string(svc, 1)}" if package else protowire.string(svc, 1)
        if full != service:
            continue
        methods = []
        for m in protowire.messages(svc, 2):  # ServiceDescriptorProto.method
            methods.append(
                {
                    "name": protowire.string(m, 1),
                    "input": protowire.string(m, 2).lstrip("."),
                    "output": protowire.string(m, 3).lstrip("."),
                    "clientStreaming": bool(m.get(5, [0])[-1]),
                    "serverStreaming": bool(m.get(6, [0])[-1]),
                }
            )
        return protowire.string(fields, 1), methods
    raise ReflectionError(f"{service} is not in the file the server sent")


def main() -> int:
    parser = argparse.ArgumentParser(description="List services and methods via gRPC reflection.")
    parser.add_argument("address", help="host:port, for example localhost:8080")
    parser.add_argument("--v1alpha", action="store_true", help="use grpc.reflection.v1alpha")
    parser.add_argument("--timeout", type=float, default=10.0, help="deadline in seconds")
    args = parser.parse_args()

    grpc = require_grpc()
    if grpc is None:
        return 3

    version = "v1alpha" if args.v1alpha else "v1"
    method = f"/grpc.reflection.{version}.ServerReflection/ServerReflectionInfo"
    with grpc.insecure_channel(args.address) as channel:
        info = channel.stream_stream(
            method, request_serializer=lambda b: b, response_deserializer=lambda b: b
        )
        stream = Stream(lambda requests: info(requests, timeout=args.timeout))
        try:
            listed = ask(stream, protowire.field_string(LIST_SERVICES, ""))
            names = [
                protowire.string(s, 1)
                for r in protowire.messages(listed, LIST_SERVICES_RESPONSE)
                for s in protowire.messages(r, 1)
            ]
            services = []
            for name in names:
                answer = ask(stream, protowire.field_string(FILE_CONTAINING_SYMBOL, name))
                files = [
                    bytes(f)
                    for r in protowire.messages(answer, FILE_DESCRIPTOR_RESPONSE)
                    for f in r.get(1, [])
                    if isinstance(f, bytes)
                ]
                if not files:
                    raise ReflectionError(f"no file for {name}")
                # The first file is the one that defines the symbol.
                file_name, methods = methods_of(files[0], name)
                services.append({"name": name, "file": file_name, "methods": methods})
        except ReflectionError as e:
            print(f"reflection failed: {e}", file=sys.stderr)
            return 1
        except grpc.RpcError as e:
            print(f"reflection failed: {e.code().name}: {e.details()}", file=sys.stderr)
            return 1
        finally:
            stream.close()
    print(json.dumps({"services": services}, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
