"""A streaming call of the native transport: an ``execute`` whose request
has ``stream`` set, with the host's credit.

The tool thread sends a ``chunk`` only against credit: a stream starts with
none, each ``credit`` frame (taken by the connection's reader thread) adds
to it, each chunk sent takes one. Without credit the tool thread waits, so
a slow host slows the generator down and the worker holds at most one
chunk of it. A ``cancel`` (or the end of the connection) wakes the tool
thread: the stream stops, its generator is closed and no result is sent.
"""

from __future__ import annotations

import threading
from typing import Any

from snakepit_bridge._proto.native_pb2 import Envelope
from snakepit_bridge.frames import frame_of
from snakepit_bridge.native_connection import Call, Connection
from snakepit_bridge.tool_call import message_too_large


class StreamCall(Call):
    """A streaming ``execute`` taken into a tool slot, until it ends."""

    __slots__ = ("_max_message_bytes", "_credit", "_cancelled", "_wakeup")

    def __init__(self, connection: Connection, call_id: int, request: Any,
                 max_message_bytes: int) -> None:
        super().__init__(connection, call_id, request)
        self._max_message_bytes = max_message_bytes
        self._credit = 0
        self._cancelled = False
        self._wakeup = threading.Condition(threading.Lock())

    def grant(self, chunks: int) -> None:
        """The host can take ``chunks`` more chunks (a ``credit`` frame)."""
        with self._wakeup:
            self._credit += chunks
            self._wakeup.notify()

    def cancel(self) -> None:
        """Stops the stream: the host cancelled it or went away."""
        with self._wakeup:
            self._cancelled = True
            self._wakeup.notify()

    def send_chunk(self, encoded: str | bytes) -> bool:
        """Sends one chunk (``bytes`` raw, else JSON text) once there is
        credit for it (``streaming.Emit``). Returns False, sending nothing,
        once the stream is cancelled; raises the ``MessageTooLarge``
        ``ToolFailure`` for a chunk over the message limit."""
        envelope = Envelope(call_id=self.call_id)
        if isinstance(encoded, bytes):
            envelope.chunk.binary = encoded
        else:
            envelope.chunk.json = encoded.encode()
        body = envelope.SerializeToString()
        if len(body) > self._max_message_bytes:
            raise message_too_large("a chunk", len(body),
                                    self._max_message_bytes, "yield less")
        with self._wakeup:
            while not self._credit and not self._cancelled:
                self._wakeup.wait()
            if self._cancelled:
                return False
            self._credit -= 1
        self.connection.write(frame_of(body))
        return True
