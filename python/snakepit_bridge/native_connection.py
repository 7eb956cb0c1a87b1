"""One accepted connection of the native transport: its socket and the
lock that keeps replies whole; and a call taken from it.

Replies come from the reader thread (pong, info, errors) and from the tool
threads (results), in any order: each is encoded whole and written with one
``sendall`` under the connection's write lock, so frames never interleave.
Once the connection is closed, replies are dropped.

The connection also carries the host calls its tools make
(``native_host_calls``): closing it fails those still waiting.
"""

from __future__ import annotations

import socket
import threading
from typing import Any

from snakepit_bridge._proto.native_pb2 import Envelope, FrameError
from snakepit_bridge.errors import CONNECTION_CLOSED
from snakepit_bridge.frames import encode
from snakepit_bridge.json_limits import DEFAULT_MAX_MESSAGE_BYTES
from snakepit_bridge.native_host_calls import HostCalls


def error_envelope(call_id: int, category: str, message: str) -> Any:
    """The ``error`` reply to request ``call_id``."""
    return Envelope(call_id=call_id, error=FrameError(category=category,
                                                      message=message))


class Call:
    """An ``execute`` taken into a tool slot, until its reply is written."""

    __slots__ = ("connection", "call_id", "request")

    def __init__(self, connection: Connection, call_id: int,
                 request: Any) -> None:
        #: Where the reply goes.
        self.connection = connection
        #: The host's id of the call, echoed by the reply.
        self.call_id = call_id
        #: The ``ExecuteToolRequest``.
        self.request = request


class Connection:
    """A connected host socket, and the host calls made over it."""

    def __init__(self, sock: socket.socket,
                 max_message_bytes: int = DEFAULT_MAX_MESSAGE_BYTES) -> None:
        self.sock = sock
        self._write_lock = threading.Lock()
        self._open = True
        #: The host calls of the tools this connection's calls run; a host
        #: call is at most ``max_message_bytes`` long.
        self.host_calls = HostCalls(self.write, max_message_bytes)

    def send(self, envelope: Any) -> None:
        """Writes ``envelope`` as one frame; dropped if the connection is
        closed or the host has gone."""
        self.write(encode(envelope))

    def write(self, frame: bytes) -> None:
        """Writes one whole frame (see ``send``)."""
        with self._write_lock:
            if not self._open:
                return
            try:
                self.sock.sendall(frame)
            except OSError:
                self._open = False

    def send_error(self, call_id: int, category: str, message: str) -> None:
        """Answers request ``call_id`` with a ``FrameError``."""
        self.send(error_envelope(call_id, category, message))

    def close(self, category: str = CONNECTION_CLOSED,
              message: str = "the connection to the host closed") -> None:
        """Ends the connection: a reader blocked on it wakes up, replies
        still to come are dropped, and host calls waiting or to come fail
        with ``HostToolError(category, message)`` (the first close's). Safe
        to call more than once."""
        self.host_calls.end(category, message)
        self._open = False
        try:
            self.sock.shutdown(socket.SHUT_RDWR)
        except OSError:
            pass
        # Under the lock: a sendall in progress has failed after the
        # shutdown, and none starts once _open is false.
        with self._write_lock:
            self.sock.close()
