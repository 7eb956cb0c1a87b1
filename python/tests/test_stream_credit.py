"""The native transport's ``StreamCall``: chunks sent only against the
host's credit, a cancel waking the waiting tool thread, the size limit."""

from __future__ import annotations

import socket
import threading
from typing import Iterator

import pytest

from snakepit_bridge.errors import ToolFailure
from snakepit_bridge.frames import FrameReader
from snakepit_bridge.native_connection import Connection
from snakepit_bridge.native_stream import StreamCall


@pytest.fixture
def pair() -> Iterator[tuple[Connection, FrameReader]]:
    """A ``Connection`` and a reader of what it writes."""
    ours, theirs = socket.socketpair()
    connection = Connection(ours)
    theirs.settimeout(10)
    try:
        yield connection, FrameReader(theirs, 1 << 20)
    finally:
        connection.close()
        theirs.close()


def test_stream_call_sends_only_against_credit(
        pair: tuple[Connection, FrameReader]) -> None:
    connection, reader = pair
    call = StreamCall(connection, 7, None, 1 << 20)
    sent: list[bool] = []
    sender = threading.Thread(target=lambda: sent.extend(
        [call.send_chunk('"a"'), call.send_chunk(b"\x01"),
         call.send_chunk('"c"')]))
    sender.start()
    sender.join(0.2)
    assert sender.is_alive() and sent == []
    call.grant(2)
    envelopes = reader.envelopes()
    first, second = next(envelopes), next(envelopes)
    assert (first.call_id, first.chunk.json) == (7, b'"a"')
    assert second.chunk.binary == b"\x01"
    sender.join(0.2)
    assert sender.is_alive(), "the third chunk must wait for credit"
    call.cancel()
    sender.join(10)
    assert sent == [True, True, False]
    assert not call.send_chunk('"late"')


def test_stream_call_refuses_a_chunk_over_the_limit(
        pair: tuple[Connection, FrameReader]) -> None:
    call = StreamCall(pair[0], 1, None, 100)
    with pytest.raises(ToolFailure) as info:
        call.send_chunk(b"x" * 100)
    assert info.value.type == "MessageTooLarge"
    assert info.value.message.startswith("a chunk is 1")
