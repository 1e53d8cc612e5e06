#!/usr/bin/python3
"""Calls hello.v1.HelloService/SayHello with Debian's python3-grpcio.

usage: /usr/bin/python3 server/interop/python_client.py ADDRESS NAME
           [--fail-code N] [--delay-ms N] [-H 'key: value' ...] [--timeout SECONDS]

ADDRESS is host:port (for example localhost:8080). Each -H adds request
metadata; a key ending in -bin takes its value as standard base64 (padded
or not) and sends those bytes. --fail-code asks the server to fail with
that gRPC status code (SayHelloRequest.fail_code), --delay-ms to wait
before it answers (SayHelloRequest.delay_ms).

It needs no generated stubs: the request (field 1 name, field 3
fail_code, field 4 delay_ms) is encoded by hand and sent with grpcio's generic
channel.unary_unary. It prints one JSON object on stdout:

  code, details       the gRPC status ("OK", "NOT_FOUND", ...) and message
  headers, trailers   {key: [values]}, from call.initial_metadata() and
                      call.trailing_metadata(); -bin values as padded
                      standard base64
  message, received   the decoded SayHelloResponse fields (on success)
  response_base64     the raw response bytes (on success)

Exit status: 0 when the call succeeded, 1 when it ended with a gRPC error
(the JSON is printed all the same), 2 on bad usage, 3 when grpcio is
missing.
"""

from __future__ import annotations

import argparse
import base64
import binascii
import json
import sys

import protowire
from require_grpc import require_grpc

METHOD = "/hello.v1.HelloService/SayHello"


def encode_request(name: str, fail_code: int, delay_ms: int = 0) -> bytes:
    out = protowire.field_string(1, name)
    if fail_code:
        out += protowire.field_varint(3, fail_code)
    if delay_ms:
        out += protowire.field_varint(4, delay_ms)
    return out


def decode_response(data: bytes) -> dict[str, object]:
    fields = protowire.parse(data)
    received = [
        {"key": protowire.string(e, 1), "values": protowire.strings(e, 2)}
        for e in protowire.messages(fields, 2)
    ]
    return {
        "message": protowire.string(fields, 1),
        "received": received,
        "response_base64": base64.b64encode(data).decode("ascii"),
    }


def metadata_dict(metadata) -> dict[str, list[str]]:
    """grpcio metadata as {key: [values in order]}; bytes as base64."""
    out: dict[str, list[str]] = {}
    for key, value in metadata or ():
        if isinstance(value, bytes):
            value = base64.b64encode(value).decode("ascii")
        out.setdefault(key, []).append(value)
    return out


def to_json(value, depth: int = 0) -> str:
    """JSON with one line per entry down to the second level, then compact."""
    if depth >= 2 or not isinstance(value, (dict, list)) or not value:
        return json.dumps(value)
    pad = "  " * (depth + 1)
    if isinstance(value, dict):
        items = [f"{pad}{json.dumps(k)}: {to_json(v, depth + 1)}" for k, v in value.items()]
        return "{\n" + ",\n".join(items) + "\n" + "  " * depth + "}"
    items = [pad + to_json(v, depth + 1) for v in value]
    return "[\n" + ",\n".join(items) + "\n" + "  " * depth + "]"


def parse_header(text: str) -> tuple[str, str | bytes]:
    key, sep, value = text.partition(":")
    key, value = key.strip().lower(), value.strip()
    if not sep or not key:
        raise argparse.ArgumentTypeError(f"expected 'key: value', got {text!r}")
    if key.endswith("-bin"):
        try:
            return key, base64.b64decode(value + "=" * (-len(value) % 4), validate=True)
        except binascii.Error as e:
            raise argparse.ArgumentTypeError(f"{key}: not base64: {e}") from None
    return key, value


def main() -> int:
    parser = argparse.ArgumentParser(description="Call SayHello with python grpcio.")
    parser.add_argument("address", help="host:port, for example localhost:8080")
    parser.add_argument("name", help="the name to greet")
    parser.add_argument("--fail-code", type=int, default=0, help="ask the server to fail with this code")
    parser.add_argument("--delay-ms", type=int, default=0, help="ask the server to wait before it answers")
    parser.add_argument(
        "-H", "--header", type=parse_header, action="append", default=[], help="request metadata 'key: value'"
    )
    parser.add_argument("--timeout", type=float, default=10.0, help="deadline in seconds")
    args = parser.parse_args()

    grpc = require_grpc()
    if grpc is None:
        return 3

    with grpc.insecure_channel(args.address) as channel:
        say_hello = channel.unary_unary(
            METHOD,
            request_serializer=lambda b: b,
            response_deserializer=lambda b: b,
        )
        request = encode_request(args.name, args.fail_code, args.delay_ms)
        try:
            response, call = say_hello.with_call(request, metadata=args.header, timeout=args.timeout)
        except grpc.RpcError as error:
            # A failed call is also a grpc.Call: its metadata is still there.
            result = {
                "code": error.code().name,
                "details": error.details(),
                "headers": metadata_dict(error.initial_metadata()),
                "trailers": metadata_dict(error.trailing_metadata()),
            }
            print(to_json(result))
            return 1
        result = {
            "code": call.code().name,
            "details": call.details(),
            "headers": metadata_dict(call.initial_metadata()),
            "trailers": metadata_dict(call.trailing_metadata()),
            **decode_response(response),
        }
        print(to_json(result))
        return 0


if __name__ == "__main__":
    sys.exit(main())
