"""The worker's unix socket file: checked before binding, removed after.

Shared by both transports (gRPC's ``server.py`` and ``native_server.py``).
"""

from __future__ import annotations

import os
import stat

#: Longest unix socket path the kernel takes (sun_path is 108 bytes with NUL).
MAX_SOCKET_PATH = 107


def prepare_socket_path(socket_path: str) -> str:
    """Absolute form of ``socket_path`` with any stale socket file removed.

    Refuses paths the kernel cannot bind (too long) and paths that hold
    anything but a socket, which the worker must not delete.
    """
    path = os.path.abspath(socket_path)
    if len(path.encode()) > MAX_SOCKET_PATH:
        raise ValueError(
            f"socket path is {len(path.encode())} bytes, the limit is "
            f"{MAX_SOCKET_PATH}: {path}")
    try:
        mode = os.lstat(path).st_mode
    except FileNotFoundError:
        return path
    if not stat.S_ISSOCK(mode):
        raise FileExistsError(f"{path} exists and is not a socket")
    os.unlink(path)
    return path


def remove_socket_file(path: str) -> None:
    """Unlinks ``path`` if it is a socket; anything else there is kept."""
    try:
        if stat.S_ISSOCK(os.lstat(path).st_mode):
            os.unlink(path)
    except FileNotFoundError:
        pass
