"""Host calls of the native transport: a running tool calls a host tool
with a ``host_call`` frame and waits for its ``host_result``; the
``host_tools`` frame tells which host tools there are.

Each connection has one ``HostCalls``: it numbers the connection's host
calls (a counter, so an id is never reused while its call waits; the ids
are apart from the host's, the direction tells them apart), keeps the
waiting ones by id, and is told by the connection's reader thread of each
``host_result`` (``settle``) and ``host_tools`` (``offer``). The reader
never waits: settling hands the result to the waiting side, which decodes
it. A tool thread waits on a future of its own; an async tool's future
belongs to its event loop, resolved with ``call_soon_threadsafe``. When the
connection closes, or the worker stops, every waiting call fails at once
(``end``), and later ones fail at once too.

Each tool call gets a ``HostLink``: its ``ToolContext.host``, naming the
call as the host calls' parent.
"""

from __future__ import annotations

import asyncio
import json
import threading
from concurrent.futures import Future
from typing import Any, Callable, Union

from snakepit_bridge._proto.native_pb2 import Envelope
from snakepit_bridge.dispatch import JSON_ENCODER
from snakepit_bridge.errors import INTERNAL, MESSAGE_TOO_LARGE, HostToolError
from snakepit_bridge.frames import frame_of
from snakepit_bridge.host_tools import HostTool
from snakepit_bridge.tool_call import message_too_large

#: What a waiting host call gets: the ``HostResult``, or the error that
#: ended its wait.
Outcome = Union[Any, HostToolError]
#: Hands a host call its ``Outcome``; called once, on the reader thread
#: (or the one ending the connection), and must not block.
Resolve = Callable[[Outcome], None]

_BYTES_LIKE = (bytes, bytearray, memoryview)


class HostCalls:
    """The host calls of one connection; thread-safe."""

    def __init__(self, write: Callable[[bytes], None],
                 max_message_bytes: int) -> None:
        self._write = write
        self._max_message_bytes = max_message_bytes
        # Guards _next_id, _waiting and _ended.
        self._lock = threading.Lock()
        self._next_id = 1
        self._waiting: dict[int, Resolve] = {}
        # (category, message) of every call once the connection has ended.
        self._ended: tuple[str, str] | None = None
        self._tools: tuple[HostTool, ...] = ()

    @property
    def tools(self) -> list[HostTool]:
        """The host tools of the last ``host_tools`` frame; none before."""
        return list(self._tools)

    def offer(self, tool_list: Any) -> None:
        """Takes a ``HostToolList`` (reader thread)."""
        self._tools = tuple(HostTool(spec.name, spec.description)
                            for spec in tool_list.tools)

    def start(self, parent_call_id: int, name: str,
              arguments: dict[str, Any], resolve: Resolve) -> None:
        """Sends the ``host_call`` of host tool ``name`` made by call
        ``parent_call_id``; ``resolve`` gets its outcome. Raises, sending
        nothing, ``TypeError`` for arguments JSON cannot hold and
        ``HostToolError`` when the call would be larger than a message may
        be or the connection has ended."""
        envelope = Envelope()
        host_call = envelope.host_call
        host_call.tool = _checked_name(name)
        host_call.parent_call_id = parent_call_id
        values: dict[str, Any] = {}
        for key, value in arguments.items():
            if isinstance(value, _BYTES_LIKE):
                host_call.binary_args[key] = bytes(value)
            else:
                values[key] = value
        host_call.args_json = _json_arguments(name, values)
        with self._lock:
            self._raise_if_ended()
            envelope.call_id = call_id = self._next_id
            self._next_id += 1
        body = envelope.SerializeToString()
        if len(body) > self._max_message_bytes:
            raise HostToolError(MESSAGE_TOO_LARGE, message_too_large(
                f"the call to host tool {name!r}", len(body),
                self._max_message_bytes, "send less").message)
        with self._lock:
            self._raise_if_ended()
            self._waiting[call_id] = resolve
        self._write(frame_of(body))

    def settle(self, call_id: int, result: Any) -> bool:
        """Hands host call ``call_id`` its ``HostResult`` (reader thread);
        False when no such call waits."""
        with self._lock:
            resolve = self._waiting.pop(call_id, None)
        if resolve is None:
            return False
        resolve(result)
        return True

    def end(self, category: str, message: str) -> None:
        """The connection is gone: every waiting call, and every later one,
        fails with ``HostToolError(category, message)``. Only the first end
        counts."""
        with self._lock:
            if self._ended is None:
                self._ended = (category, message)
            waiting = list(self._waiting.values())
            self._waiting.clear()
        for resolve in waiting:
            resolve(HostToolError(category, message))

    def _raise_if_ended(self) -> None:
        if self._ended is not None:
            raise HostToolError(*self._ended)


class HostLink:
    """A tool call's way to the host's tools (a ``host_tools.HostAccess``):
    the connection's ``HostCalls``, the call's id as their parent."""

    __slots__ = ("_calls", "_parent_call_id")

    def __init__(self, calls: HostCalls, parent_call_id: int) -> None:
        self._calls = calls
        self._parent_call_id = parent_call_id

    def call(self, name: str, arguments: dict[str, Any]) -> Any:
        """The result of host tool ``name``; blocks the calling thread."""
        future: Future[Outcome] = Future()
        self._calls.start(self._parent_call_id, name, arguments,
                          future.set_result)
        return value_of(name, future.result())

    async def call_async(self, name: str, arguments: dict[str, Any]) -> Any:
        """The result of host tool ``name``, awaited on the running loop."""
        loop = asyncio.get_running_loop()
        future: asyncio.Future[Outcome] = loop.create_future()
        self._calls.start(self._parent_call_id, name, arguments,
                          _resolver(loop, future))
        return value_of(name, await future)

    def tools(self) -> list[HostTool]:
        """The host tools the connection heard of."""
        return self._calls.tools


def value_of(name: str, outcome: Outcome) -> Any:
    """What host tool ``name`` returned: the decoded JSON value, ``bytes``
    for a binary result, None for neither; raises ``HostToolError`` for a
    failure (the host's category and message) or an ended wait."""
    if isinstance(outcome, HostToolError):
        raise outcome
    if not outcome.success:
        raise HostToolError(outcome.error_category or INTERNAL,
                            outcome.error_message
                            or f"host tool {name!r} failed")
    kind = outcome.WhichOneof("value")
    if kind == "binary":
        return outcome.binary
    if kind is None:
        return None
    try:
        return json.loads(outcome.json)
    except (ValueError, RecursionError) as exc:
        raise HostToolError(INTERNAL, f"host tool {name!r} answered with "
                            f"invalid JSON: {exc}") from exc


def _checked_name(name: Any) -> str:
    if not isinstance(name, str):
        raise TypeError("a host tool's name is a string, got "
                        f"{type(name).__name__}")
    return name


def _json_arguments(name: str, values: dict[str, Any]) -> bytes:
    """The JSON object of ``values``, encoded as results are; a TypeError
    naming the first value JSON cannot hold."""
    try:
        return JSON_ENCODER.encode(values).encode()
    except (TypeError, ValueError, RecursionError) as exc:
        culprit = ""
        for key, value in values.items():
            try:
                JSON_ENCODER.encode(value)
            except (TypeError, ValueError, RecursionError):
                culprit = f" (argument {key!r}, a {type(value).__name__})"
                break
        raise TypeError(f"the arguments of host tool {name!r} are not "
                        f"JSON-serializable{culprit}: {exc}") from exc


def _resolver(loop: asyncio.AbstractEventLoop,
              future: asyncio.Future[Outcome]) -> Resolve:
    """Resolves ``future`` on its own loop's thread."""
    def resolve(outcome: Outcome) -> None:
        try:
            loop.call_soon_threadsafe(_set_once, future, outcome)
        except RuntimeError:
            pass  # the loop is closed: nobody waits any more

    return resolve


def _set_once(future: asyncio.Future[Outcome], outcome: Outcome) -> None:
    if not future.done():  # else cancelled while it waited
        future.set_result(outcome)
