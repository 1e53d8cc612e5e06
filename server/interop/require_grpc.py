"""Imports Debian's grpcio, or says exactly what to install."""

from __future__ import annotations

import sys
from types import ModuleType


def require_grpc() -> ModuleType | None:
    """Returns the grpc module, or None after printing how to get it."""
    try:
        import grpc
    except ImportError:
        print(
            f"{sys.executable} has no grpc module: install Debian's python3-grpcio "
            "(apt-get install python3-grpcio) and run this with /usr/bin/python3",
            file=sys.stderr,
        )
        return None
    return grpc
