"""A host-side client of the native transport for tests: frames over a
real unix socket, with the worker package's own ``frames`` module."""

from __future__ import annotations

import json
import socket
from typing import Any, Iterator

from snakepit_bridge._proto.native_pb2 import Envelope
from snakepit_bridge.frames import FrameReader, encode
from snakepit_bridge.tool_call import JSON_TYPE_URL

#: The client takes replies up to this size (above any worker's limit).
CLIENT_MAX_BYTES = 256 * 1024 * 1024


def execute(call_id: int, tool: str, **arguments: Any) -> Envelope:
    """An ``execute`` envelope calling ``tool`` with JSON ``arguments``."""
    envelope = Envelope(call_id=call_id)
    request = envelope.execute
    request.tool_name = tool
    for key, value in arguments.items():
        request.parameters[key].type_url = JSON_TYPE_URL
        request.parameters[key].value = json.dumps(value).encode()
    return envelope


def stream(call_id: int, tool: str, **arguments: Any) -> Envelope:
    """An ``execute`` envelope calling ``tool`` as a stream."""
    envelope = execute(call_id, tool, **arguments)
    envelope.execute.stream = True
    return envelope


def credit(call_id: int, chunks: int) -> Envelope:
    """A ``credit`` envelope granting stream ``call_id`` more chunks."""
    envelope = Envelope(call_id=call_id)
    envelope.credit.chunks = chunks
    return envelope


def of_kind(call_id: int, kind: str) -> Envelope:
    """An envelope whose body is an empty message of ``kind`` (an empty
    message given to the constructor would leave the body unset)."""
    envelope = Envelope(call_id=call_id)
    getattr(envelope, kind).SetInParent()
    return envelope


def ping(call_id: int, message: str = "") -> Envelope:
    """A ``ping`` envelope."""
    envelope = of_kind(call_id, "ping")
    envelope.ping.message = message
    return envelope


def describe(call_id: int) -> Envelope:
    """A ``describe`` envelope."""
    return of_kind(call_id, "describe")


def cancel(call_id: int) -> Envelope:
    """A ``cancel`` envelope for call ``call_id``."""
    return of_kind(call_id, "cancel")


def in_session(session_id: str, envelope: Envelope) -> Envelope:
    """``envelope`` (an ``execute``) sent in session ``session_id``."""
    envelope.execute.session_id = session_id
    return envelope


def close_session(call_id: int, session_id: str) -> Envelope:
    """A ``close_session`` envelope."""
    envelope = of_kind(call_id, "close_session")
    envelope.close_session.session_id = session_id
    return envelope


def snapshot_session(call_id: int, session_id: str) -> Envelope:
    """A ``snapshot_session`` envelope."""
    envelope = of_kind(call_id, "snapshot_session")
    envelope.snapshot_session.session_id = session_id
    return envelope


def restore_session(call_id: int, state: Any) -> Envelope:
    """A ``restore_session`` envelope carrying ``state`` (a SessionState,
    e.g. a ``session_state`` reply's)."""
    envelope = of_kind(call_id, "restore_session")
    envelope.restore_session.CopyFrom(state)
    return envelope


def result_of(reply: Envelope) -> Any:
    """The decoded JSON result of a successful ``result`` reply."""
    assert reply.WhichOneof("body") == "result", reply
    assert reply.result.success, reply.result
    assert reply.result.result.type_url == JSON_TYPE_URL
    return json.loads(reply.result.result.value)


class NativeClient:
    """One connection to a worker. Replies are matched to requests by call
    id; those read while waiting for another are kept, in arrival order."""

    def __init__(self, address: str, timeout: float = 30.0) -> None:
        assert address.startswith("native:"), address
        self.sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        self.sock.settimeout(timeout)
        self.sock.connect(address.removeprefix("native:"))
        self._replies: Iterator[Any] = FrameReader(
            self.sock, CLIENT_MAX_BYTES).envelopes()
        self._kept: list[Envelope] = []

    def send(self, *envelopes: Envelope) -> None:
        """Writes each envelope as a frame, all in one write."""
        self.sock.sendall(b"".join(encode(each) for each in envelopes))

    def receive(self, call_id: int | None = None) -> Envelope:
        """The first reply not yet returned (to ``call_id`` when given);
        fails if the worker closes the connection first."""
        for index, kept in enumerate(self._kept):
            if call_id is None or kept.call_id == call_id:
                return self._kept.pop(index)
        while True:
            reply = next(self._replies, None)
            assert reply is not None, "the worker closed the connection"
            if call_id is None or reply.call_id == call_id:
                return reply
            self._kept.append(reply)

    def call(self, envelope: Envelope) -> Envelope:
        """Sends one request and returns its reply."""
        self.send(envelope)
        return self.receive(envelope.call_id)

    def at_end(self) -> bool:
        """True when the worker has closed the connection (clean EOF)."""
        return next(self._replies, None) is None

    def close(self) -> None:
        """Closes the socket."""
        self.sock.close()
