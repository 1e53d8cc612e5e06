#!/usr/bin/python3
"""Calls HelloService's streaming methods with Debian's python3-grpcio.

usage: /usr/bin/python3 server/interop/python_stream_client.py ADDRESS METHOD
           [--name NAME ...] [--fail-code N] [--count N] [--interval-ms N]
           [--delay-ms N] [-H 'key: value' ...] [--timeout SECONDS]
           [--end close|hold|cancel]

METHOD is SayHelloStream (server streaming), SayHelloAll (client
streaming) or SayHelloChat (bidirectional). Each --name is one request
message (SayHelloStream sends the first); --fail-code goes on the last
request message. Metadata as in python_client.py: a key ending in -bin
takes its value as base64 and sends the bytes.

No generated stubs: requests are encoded by hand and sent with grpcio's
generic channel.unary_stream / stream_unary / stream_stream. Every call
runs one script: send the first request, wait for the response headers
(call.initial_metadata()), for SayHelloChat read the answer, send each
further request (SayHelloChat: reading each answer), then --end: close the
request side and read to the end, hold it open until the call ends (its
deadline), or cancel the call (SayHelloStream: after the first greeting).

It prints one JSON object on stdout:

  code, details          the gRPC status ("OK", "DEADLINE_EXCEEDED", ...) and
                         its message as grpcio decoded it
  headers, trailers      {key: [values]}, from initial_metadata() and
                         trailing_metadata(); -bin values as padded base64
  responses_base64       each response message's bytes
  messages               each response's greeting (field 1), for reading
  events                 [{event: headers|message|end, at_ms}], ms since the
                         call started
  headers_before_close   the headers arrived while the request side was open

Exit status: 0 when the call succeeded, 1 when it ended with a gRPC error,
2 on bad usage, 3 when grpcio is missing.
"""

from __future__ import annotations

import argparse
import base64
import queue
import sys
import time

import protowire
from python_client import metadata_dict, parse_header, to_json
from require_grpc import require_grpc

SERVICE = "/hello.v1.HelloService/"
METHODS = ("SayHelloStream", "SayHelloAll", "SayHelloChat")
_CLOSE = object()


def encode_requests(args) -> list[bytes]:
    """The request messages, with hello.proto's field numbers."""
    if args.method == "SayHelloStream":
        out = protowire.field_string(1, args.names[0])
        for number, value in ((2, args.count), (3, args.interval_ms), (4, args.fail_code), (5, args.delay_ms)):
            if value:
                out += protowire.field_varint(number, value)
        return [out]
    requests = []
    for i, name in enumerate(args.names):
        out = protowire.field_string(1, name)
        if args.fail_code and i == len(args.names) - 1:
            out += protowire.field_varint(2, args.fail_code)
        requests.append(out)
    return requests


class Recorder:
    """What the client saw, with times since the call started."""

    def __init__(self) -> None:
        self.started = time.monotonic()
        self.events: list[dict[str, object]] = []
        self.responses: list[bytes] = []
        self.headers_before_close = False

    def at(self, name: str) -> None:
        ms = round((time.monotonic() - self.started) * 1000, 3)
        self.events.append({"event": name, "at_ms": ms})

    def response(self, data: bytes) -> None:
        self.at("message")
        self.responses.append(data)


def run(grpc, channel, args, rec: Recorder):
    """Runs the script; returns the call (a grpc.Call) once it has ended."""
    requests = encode_requests(args)
    pending: queue.Queue = queue.Queue()

    def request_iterator():
        while True:
            item = pending.get()
            if item is _CLOSE:
                return
            yield item

    identity = {"request_serializer": lambda b: b, "response_deserializer": lambda b: b}
    kwargs = {"metadata": args.header, "timeout": args.timeout or None}
    path = SERVICE + args.method
    closed = False

    def close() -> None:
        nonlocal closed
        if not closed:
            closed = True
            pending.put(_CLOSE)

    if args.method == "SayHelloStream":
        call = channel.unary_stream(path, **identity)(requests[0], **kwargs)
        closed = True
    elif args.method == "SayHelloAll":
        pending.put(requests[0])
        call = channel.stream_unary(path, **identity).future(request_iterator(), **kwargs)
    else:
        pending.put(requests[0])
        call = channel.stream_stream(path, **identity)(request_iterator(), **kwargs)

    try:
        if call.initial_metadata() is not None:
            rec.at("headers")
            rec.headers_before_close = not closed
        streams_out = args.method != "SayHelloAll"
        if args.method == "SayHelloChat":
            rec.response(next(call))
        for request in requests[1:]:
            pending.put(request)
            if args.method == "SayHelloChat":
                rec.response(next(call))
        if args.end == "close":
            close()
        elif args.end == "cancel":
            if args.method == "SayHelloStream":
                rec.response(next(call))
            call.cancel()
        if streams_out:
            for data in call:
                rec.response(data)
        else:
            rec.response(call.result())
    except (grpc.RpcError, grpc.FutureCancelledError, StopIteration):
        pass  # the call ended (with an error, or cancelled): the call object holds how
    finally:
        close()  # never leave grpcio's request thread waiting
    return call


def main() -> int:
    parser = argparse.ArgumentParser(description="Call HelloService's streaming methods with python grpcio.")
    parser.add_argument("address", help="host:port, for example localhost:8080")
    parser.add_argument("method", choices=METHODS)
    parser.add_argument("--name", dest="names", action="append", default=[], help="a name (repeatable)")
    parser.add_argument("--fail-code", type=int, default=0, help="ask the server to fail with this code")
    parser.add_argument("--count", type=int, default=0, help="SayHelloStream: how many greetings")
    parser.add_argument("--interval-ms", type=int, default=0, help="SayHelloStream: how far apart")
    parser.add_argument("--delay-ms", type=int, default=0, help="SayHelloStream: wait before the first")
    parser.add_argument(
        "-H", "--header", type=parse_header, action="append", default=[], help="request metadata 'key: value'"
    )
    parser.add_argument("--timeout", type=float, default=10.0, help="deadline in seconds (0: none)")
    parser.add_argument("--end", choices=("close", "hold", "cancel"), default="close")
    args = parser.parse_args()
    if not args.names:
        args.names = ["Junxi"]

    grpc = require_grpc()
    if grpc is None:
        return 3

    with grpc.insecure_channel(args.address) as channel:
        rec = Recorder()
        call = run(grpc, channel, args, rec)
        rec.at("end")
        code = call.code()
        result = {
            "code": code.name,
            "details": call.details() or "",
            "headers": metadata_dict(call.initial_metadata()),
            "trailers": metadata_dict(call.trailing_metadata()),
            "responses_base64": [base64.b64encode(r).decode("ascii") for r in rec.responses],
            "messages": [protowire.string(protowire.parse(r), 1) for r in rec.responses],
            "events": rec.events,
            "headers_before_close": rec.headers_before_close,
        }
        print(to_json(result))
        return 0 if code == grpc.StatusCode.OK else 1


if __name__ == "__main__":
    sys.exit(main())
