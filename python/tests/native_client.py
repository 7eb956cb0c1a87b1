"""A host-side client of the native transport for tests: frames over a
real unix socket, with the worker package's own ``frames`` module. It can
play the host's side of host tools too: ``host_tools`` offers them, and
host calls are taken one by one (``NativeClient.host_call``, answered with
``host_result``) or served by functions (``NativeClient.call_serving``)."""

from __future__ import annotations

import json
import socket
from dataclasses import dataclass
from typing import Any, Callable, Iterator, Mapping

from snakepit_bridge._proto.native_pb2 import Envelope
from snakepit_bridge.frames import FrameReader, encode
from snakepit_bridge.native_server import NativeServer
from snakepit_bridge.tool_call import JSON_TYPE_URL

#: The client takes replies up to this size (above any worker's limit).
CLIENT_MAX_BYTES = 256 * 1024 * 1024


def execute(call_id: int, tool: str, /, **arguments: Any) -> Envelope:
    """An ``execute`` envelope calling ``tool`` with JSON ``arguments``."""
    envelope = Envelope(call_id=call_id)
    request = envelope.execute
    request.tool_name = tool
    for key, value in arguments.items():
        request.parameters[key].type_url = JSON_TYPE_URL
        request.parameters[key].value = json.dumps(value).encode()
    return envelope


def stream(call_id: int, tool: str, /, **arguments: Any) -> Envelope:
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


def with_binary(envelope: Envelope, **binary: bytes) -> Envelope:
    """``envelope`` (an ``execute``) with ``binary`` as binary arguments."""
    for key, value in binary.items():
        envelope.execute.binary_parameters[key] = value
    return envelope


def host_tools(*tools: tuple[str, str]) -> Envelope:
    """A ``host_tools`` envelope offering ``tools``, (name, description)
    pairs."""
    envelope = of_kind(0, "host_tools")
    for name, description in tools:
        envelope.host_tools.tools.add(name=name, description=description)
    return envelope


def host_result(call_id: int, value: Any = None, *,
                binary: bytes | None = None, json_text: bytes | None = None,
                error: tuple[str, str] | None = None) -> Envelope:
    """The ``host_result`` answering host call ``call_id``: ``value`` as
    JSON, ``binary`` raw, ``json_text`` as it is, or the failure ``error``
    (category, message)."""
    envelope = of_kind(call_id, "host_result")
    result = envelope.host_result
    if error is not None:
        result.error_category, result.error_message = error
        return envelope
    result.success = True
    if binary is not None:
        result.binary = binary
    elif json_text is not None:
        result.json = json_text
    else:
        result.json = json.dumps(value).encode()
    return envelope


class HostFailure(Exception):
    """Raised by a host tool of ``answer`` to fail with (category,
    message)."""

    def __init__(self, category: str, message: str) -> None:
        super().__init__(category, message)
        self.category = category
        self.message = message


#: Host tools by name: each is called with the host call's JSON arguments
#: and binary arguments (as ``bytes``) as keyword arguments.
HostTools = Mapping[str, Callable[..., Any]]


def arguments_of(call: Envelope) -> dict[str, Any]:
    """A ``host_call``'s JSON arguments and binary arguments, together."""
    return {**json.loads(call.host_call.args_json),
            **call.host_call.binary_args}


def answer(call: Envelope, tools: HostTools) -> Envelope:
    """How a host serving ``tools`` answers the ``host_call`` ``call``: with
    what its tool returns (``bytes`` raw), the ``HostFailure`` it raises,
    or ``unknown_command`` for a tool it does not have."""
    name = call.host_call.tool
    if name not in tools:
        return host_result(call.call_id, error=(
            "unknown_command", f"unknown host tool {name!r}"))
    try:
        value = tools[name](**arguments_of(call))
    except HostFailure as failure:
        return host_result(call.call_id,
                           error=(failure.category, failure.message))
    if isinstance(value, bytes):
        return host_result(call.call_id, binary=value)
    return host_result(call.call_id, value)


def result_of(reply: Envelope) -> Any:
    """The decoded JSON result of a successful ``result`` reply."""
    assert reply.WhichOneof("body") == "result", reply
    assert reply.result.success, reply.result
    assert reply.result.result.type_url == JSON_TYPE_URL
    return json.loads(reply.result.result.value)


class NativeClient:
    """One connection to a worker. Replies are matched to requests by call
    id; those read while waiting for another are kept, in arrival order.
    Host calls (the worker's requests, whose ids are apart from ours) are
    never taken for replies: they wait in ``host_calls``."""

    def __init__(self, address: str, timeout: float = 30.0) -> None:
        assert address.startswith("native:"), address
        self.sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        self.sock.settimeout(timeout)
        self.sock.connect(address.removeprefix("native:"))
        self._replies: Iterator[Any] = FrameReader(
            self.sock, CLIENT_MAX_BYTES).envelopes()
        self._kept: list[Envelope] = []
        #: ``host_call`` frames read and not taken yet, in arrival order.
        self.host_calls: list[Envelope] = []

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
            reply = self._next()
            if reply is None:
                continue
            if call_id is None or reply.call_id == call_id:
                return reply
            self._kept.append(reply)

    def host_call(self) -> Envelope:
        """The first ``host_call`` not yet taken; replies read meanwhile
        are kept."""
        while not self.host_calls:
            reply = self._next()
            if reply is not None:
                self._kept.append(reply)
        return self.host_calls.pop(0)

    def call_serving(self, envelope: Envelope, tools: HostTools) -> Envelope:
        """Sends one request and returns its (first) reply, serving host
        calls meanwhile (``receive_serving``)."""
        self.send(envelope)
        return self.receive_serving(envelope.call_id, tools)

    def receive_serving(self, call_id: int, tools: HostTools) -> Envelope:
        """The next reply to ``call_id``, answering every host call that
        comes meanwhile as a host serving ``tools`` would (``answer``)."""
        while True:
            while self.host_calls:
                self.send(answer(self.host_calls.pop(0), tools))
            for index, kept in enumerate(self._kept):
                if kept.call_id == call_id:
                    return self._kept.pop(index)
            reply = self._next()
            if reply is not None:
                self._kept.append(reply)

    def _next(self) -> Envelope | None:
        """The next frame; None for a ``host_call``, put in
        ``host_calls``. Fails if the worker closes the connection."""
        frame = next(self._replies, None)
        assert frame is not None, "the worker closed the connection"
        if frame.WhichOneof("body") == "host_call":
            self.host_calls.append(frame)
            return None
        return frame

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


@dataclass
class ServedInProcess:
    """An in-process native server, a client on it and what it logged
    (conftest's ``native_server`` starts them)."""

    server: NativeServer
    client: NativeClient
    logged: list[str]
