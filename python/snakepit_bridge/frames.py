"""Frames of the native transport (``proto/native.proto``): each one a
4-byte big-endian length, then a serialized ``Envelope`` of that many bytes.

``FrameReader`` receives with ``recv_into`` into one buffer, allocated once
(64 KiB) and grown only while a single frame needs more: a fresh ``recv``
per read was measured to cost about 120 µs per call. ``encode`` is the
writing side. Imports protobuf only, never grpc.
"""

from __future__ import annotations

import socket
import struct
from typing import Any, Iterator

from google.protobuf.message import DecodeError

from snakepit_bridge._proto.native_pb2 import Envelope

#: The length prefix: 4 bytes, big-endian, unsigned.
LENGTH = struct.Struct(">I")
#: Size of the length prefix.
HEADER_BYTES = LENGTH.size
#: The reader's buffer before any frame needed more.
INITIAL_BUFFER_BYTES = 64 * 1024


class ProtocolError(Exception):
    """The peer broke the frame protocol; its connection cannot go on."""


class OversizedFrame(ProtocolError):
    """A frame's length is above the reader's ``max_message_bytes``."""


class MalformedEnvelope(ProtocolError):
    """A frame's bytes do not parse as an ``Envelope``."""


class TruncatedFrame(ProtocolError):
    """The connection ended in the middle of a frame."""


def encode(envelope: Any) -> bytes:
    """The frame of ``envelope``: its length prefix, then its bytes."""
    return frame_of(envelope.SerializeToString())


def frame_of(body: bytes) -> bytes:
    """The frame of an already serialized envelope."""
    return LENGTH.pack(len(body)) + body


class FrameReader:
    """Reads frames from a connected stream socket into one buffer.

    ``frames()`` yields each frame's envelope bytes as a ``memoryview`` into
    the buffer, valid only until the next frame is asked for;
    ``envelopes()`` parses them. Both end at a clean end of stream (EOF
    between frames) and raise a ``ProtocolError`` otherwise.
    """

    def __init__(self, sock: socket.socket, max_message_bytes: int,
                 initial_bytes: int = INITIAL_BUFFER_BYTES) -> None:
        if max_message_bytes < 0:
            raise ValueError("max_message_bytes must not be negative")
        self._sock = sock
        self._max = max_message_bytes
        self._initial = bytearray(max(initial_bytes, HEADER_BYTES))
        self._buffer = self._initial
        self._view = memoryview(self._buffer)

    @property
    def capacity(self) -> int:
        """Bytes the buffer holds now (for tests and diagnostics)."""
        return len(self._buffer)

    def envelopes(self) -> Iterator[Any]:
        """Each frame parsed as an ``Envelope``; ``MalformedEnvelope`` when
        one does not parse."""
        for frame in self.frames():
            envelope = Envelope()
            try:
                envelope.ParseFromString(frame)
            except (DecodeError, ValueError) as exc:
                raise MalformedEnvelope(
                    f"a frame of {len(frame)} bytes is not an Envelope: "
                    f"{exc}") from exc
            yield envelope

    def frames(self) -> Iterator[memoryview]:
        """Each complete frame's envelope bytes, in order."""
        start = end = 0
        unpack_from = LENGTH.unpack_from
        recv_into = self._sock.recv_into
        while True:
            # Every complete frame already in the buffer.
            needed = HEADER_BYTES
            while end - start >= HEADER_BYTES:
                (length,) = unpack_from(self._buffer, start)
                if length > self._max:
                    raise OversizedFrame(
                        f"a frame announces {length} bytes, more than the "
                        f"limit of {self._max} bytes (max_message_mb)")
                frame_end = start + HEADER_BYTES + length
                if frame_end > end:
                    needed = HEADER_BYTES + length
                    break
                yield self._view[start + HEADER_BYTES:frame_end]
                start = frame_end
            if start == end:
                start = end = 0
                self._use(self._initial)
            if start + needed > len(self._buffer):
                start, end = self._make_room(start, end, needed)
            received = recv_into(self._view[end:])
            if received == 0:
                if end > start:
                    raise TruncatedFrame(
                        f"the connection ended {end - start} bytes into a "
                        f"frame (of {needed} bytes with its length)"
                        if needed > HEADER_BYTES else
                        f"the connection ended {end - start} bytes into a "
                        "frame's length")
                return
            end += received

    def _make_room(self, start: int, end: int, needed: int) -> tuple[int, int]:
        """Moves the partial frame at ``start:end`` to the front of a buffer
        holding at least ``needed`` bytes; returns its new bounds."""
        kept = end - start
        if needed <= len(self._initial):
            target = self._initial
        elif needed <= len(self._buffer):
            target = self._buffer
        else:
            target = bytearray(needed)
        if target is self._buffer:
            # memoryview assignment copies with memmove: overlap is safe.
            self._view[:kept] = self._view[start:end]
        else:
            memoryview(target)[:kept] = self._view[start:end]
        self._use(target)
        return 0, kept

    def _use(self, buffer: bytearray) -> None:
        """Makes ``buffer`` the one received into (a large one is dropped
        once its frame has been read)."""
        if buffer is not self._buffer:
            self._buffer = buffer
            self._view = memoryview(buffer)
