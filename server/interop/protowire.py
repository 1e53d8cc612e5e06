"""Just enough of the protobuf wire format for the interop clients.

The clients call the server with grpcio's generic API and no generated
stubs, so they encode and decode the few messages they need by hand:
varints (wire type 0) and length-delimited fields (wire type 2) are all
those messages use; 64- and 32-bit fields are skipped.
"""

from __future__ import annotations


def varint(n: int) -> bytes:
    """Encodes a non-negative integer as a base-128 varint."""
    if n < 0:
        raise ValueError("negative varint")
    out = bytearray()
    while True:
        byte = n & 0x7F
        n >>= 7
        if n:
            out.append(byte | 0x80)
        else:
            out.append(byte)
            return bytes(out)


def field_bytes(number: int, value: bytes) -> bytes:
    """A length-delimited field (strings, bytes, messages)."""
    return varint(number << 3 | 2) + varint(len(value)) + value


def field_string(number: int, value: str) -> bytes:
    return field_bytes(number, value.encode("utf-8"))


def field_varint(number: int, value: int) -> bytes:
    return varint(number << 3) + varint(value)


def parse(data: bytes) -> dict[int, list[int | bytes]]:
    """Splits a message into its fields: number -> values in wire order.

    Varint fields give ints, length-delimited fields give bytes (decode
    strings and nested messages further as the schema says).
    """
    fields: dict[int, list[int | bytes]] = {}
    i = 0

    def read_varint() -> int:
        nonlocal i
        shift = result = 0
        while True:
            if i >= len(data):
                raise ValueError("truncated varint")
            byte = data[i]
            i += 1
            result |= (byte & 0x7F) << shift
            if not byte & 0x80:
                return result
            shift += 7

    while i < len(data):
        key = read_varint()
        number, wire_type = key >> 3, key & 7
        value: int | bytes
        if wire_type == 0:
            value = read_varint()
        elif wire_type == 2:
            size = read_varint()
            if i + size > len(data):
                raise ValueError("truncated field")
            value = data[i : i + size]
            i += size
        elif wire_type == 1:
            i += 8
            continue
        elif wire_type == 5:
            i += 4
            continue
        else:
            raise ValueError(f"unsupported wire type {wire_type}")
        fields.setdefault(number, []).append(value)
    return fields


def strings(fields: dict[int, list[int | bytes]], number: int) -> list[str]:
    """The values of a string field, decoded as UTF-8."""
    return [bytes(v).decode("utf-8") for v in fields.get(number, []) if isinstance(v, bytes)]


def string(fields: dict[int, list[int | bytes]], number: int) -> str:
    """The last value of a string field, or "" (proto3's default)."""
    values = strings(fields, number)
    return values[-1] if values else ""


def messages(fields: dict[int, list[int | bytes]], number: int) -> list[dict[int, list[int | bytes]]]:
    """The values of a message field, parsed."""
    return [parse(bytes(v)) for v in fields.get(number, []) if isinstance(v, bytes)]
