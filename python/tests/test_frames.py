"""The native transport's frame reader and encoder, on a scripted socket:
frames split at every byte boundary, coalesced, oversized, garbage and
truncated."""

from __future__ import annotations

import struct
from collections import deque
from typing import Any, Iterable

import pytest

from snakepit_bridge._proto import bridge_pb2
from snakepit_bridge._proto.native_pb2 import Envelope
from snakepit_bridge.frames import (
    FrameReader,
    MalformedEnvelope,
    OversizedFrame,
    TruncatedFrame,
    encode,
    frame_of,
)

LIMIT = 1 << 20


class ScriptedSocket:
    """``recv_into`` hands out the given chunks, one per call (cut to the
    room offered), then the end of the stream."""

    def __init__(self, chunks: Iterable[bytes]) -> None:
        self._chunks = deque(bytes(chunk) for chunk in chunks if chunk)
        self.reads = 0

    def recv_into(self, view: memoryview) -> int:
        assert len(view) > 0, "asked to read into no room"
        self.reads += 1
        if not self._chunks:
            return 0
        chunk = self._chunks.popleft()
        taken = min(len(view), len(chunk))
        view[:taken] = chunk[:taken]
        if taken < len(chunk):
            self._chunks.appendleft(chunk[taken:])
        return taken


def sample_envelopes() -> list[Any]:
    """Three envelopes of different kinds and sizes (one of 0 bytes)."""
    execute = Envelope(call_id=7)
    execute.execute.tool_name = "echo"
    execute.execute.parameters["x"].value = b'"' + b"y" * 300 + b'"'
    return [
        Envelope(call_id=1, ping=bridge_pb2.PingRequest(message="hello")),
        Envelope(),
        execute,
    ]


def read_all(chunks: Iterable[bytes], initial_bytes: int = 64 * 1024,
             limit: int = LIMIT) -> list[Any]:
    sock: Any = ScriptedSocket(chunks)
    reader = FrameReader(sock, limit, initial_bytes)
    return list(reader.envelopes())


def test_encode_prefixes_the_big_endian_length() -> None:
    envelope = sample_envelopes()[0]
    body = envelope.SerializeToString()
    assert encode(envelope) == struct.pack(">I", len(body)) + body
    assert frame_of(b"") == b"\0\0\0\0"


@pytest.mark.parametrize("initial_bytes", [8, 64 * 1024])
def test_frames_split_at_every_byte_boundary(initial_bytes: int) -> None:
    expected = sample_envelopes()
    stream = b"".join(encode(each) for each in expected)
    for cut in range(len(stream) + 1):
        assert read_all([stream[:cut], stream[cut:]],
                        initial_bytes) == expected, cut


def test_frames_split_at_every_pair_of_boundaries() -> None:
    expected = sample_envelopes()[:2] + sample_envelopes()[:2]
    stream = b"".join(encode(each) for each in expected)
    for first in range(len(stream) + 1):
        for second in range(first, len(stream) + 1):
            chunks = [stream[:first], stream[first:second], stream[second:]]
            assert read_all(chunks, 8) == expected, (first, second)


def test_a_byte_at_a_time() -> None:
    expected = sample_envelopes()
    stream = b"".join(encode(each) for each in expected)
    assert read_all([bytes([b]) for b in stream], 8) == expected


def test_coalesced_frames_come_from_one_read() -> None:
    expected = sample_envelopes() * 50
    sock = ScriptedSocket([b"".join(encode(each) for each in expected)])
    reader = FrameReader(sock, LIMIT)  # type: ignore[arg-type]
    assert list(reader.envelopes()) == expected
    assert sock.reads == 2  # the frames, then the end of the stream


def test_a_frame_larger_than_the_buffer_grows_it_once_then_it_shrinks() -> None:
    big = Envelope(call_id=2)
    big.execute.parameters["blob"].value = b"z" * 200_000
    small = sample_envelopes()[0]
    stream = encode(big) + encode(small)
    sock = ScriptedSocket([stream[i:i + 4096]
                           for i in range(0, len(stream), 4096)])
    reader = FrameReader(sock, LIMIT)  # type: ignore[arg-type]
    frames = reader.envelopes()
    assert next(frames) == big
    assert reader.capacity == len(encode(big))
    assert next(frames) == small
    assert reader.capacity == 64 * 1024
    assert next(frames, None) is None


def test_a_frame_of_exactly_the_limit_is_taken() -> None:
    envelope = Envelope(call_id=3)
    envelope.execute.tool_name = "t"
    body = envelope.SerializeToString()
    assert read_all([frame_of(body)], limit=len(body)) == [envelope]


def test_a_length_above_the_limit_is_a_protocol_error() -> None:
    with pytest.raises(OversizedFrame) as info:
        read_all([struct.pack(">I", LIMIT + 1) + b"x" * 10])
    assert f"{LIMIT + 1} bytes" in str(info.value)
    assert f"limit of {LIMIT} bytes" in str(info.value)
    assert "max_message_mb" in str(info.value)
    # Frames before it are still delivered.
    reader = FrameReader(ScriptedSocket(  # type: ignore[arg-type]
        [encode(sample_envelopes()[0]) + struct.pack(">I", 0xFFFFFFFF)]),
        LIMIT)
    frames = reader.envelopes()
    assert next(frames) == sample_envelopes()[0]
    with pytest.raises(OversizedFrame):
        next(frames)


@pytest.mark.parametrize("garbage", [b"\xff\xff\xff", b"\x0a\x05ab",
                                     b"\x12\x7f"])
def test_a_body_that_is_no_envelope_is_a_protocol_error(garbage: bytes) -> None:
    with pytest.raises(MalformedEnvelope) as info:
        read_all([frame_of(garbage)])
    assert f"frame of {len(garbage)} bytes is not an Envelope" in str(
        info.value)


def test_the_end_of_the_stream_inside_a_frame_is_a_truncated_frame() -> None:
    frame = encode(sample_envelopes()[2])
    for cut in range(1, len(frame)):
        with pytest.raises(TruncatedFrame, match=f"{cut} bytes into"):
            read_all([frame[:cut]])


def test_the_end_of_the_stream_between_frames_is_a_clean_end() -> None:
    assert read_all([]) == []
    assert read_all([encode(sample_envelopes()[0])]) == sample_envelopes()[:1]
