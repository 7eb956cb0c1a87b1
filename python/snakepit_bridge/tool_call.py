"""One ``ExecuteToolRequest`` to its ``ExecuteToolResponse``, and the
served adapter with its limits: what both transports share (gRPC's
``server.py`` and ``native_server.py``).

Imports protobuf only, never grpc, so that the native transport runs on
interpreters without grpcio.
"""

from __future__ import annotations

import json
import sys
import time
from dataclasses import dataclass, field
from typing import Any, Iterator, Union

from snakepit_bridge._proto import bridge_pb2
from snakepit_bridge.adapter import ToolContext
from snakepit_bridge.dispatch import adapter_tools, run_tool
from snakepit_bridge.errors import INVALID_ARGUMENTS, PYTHON_ERROR, ToolFailure
from snakepit_bridge.host_tools import DETACHED, HostAccess
from snakepit_bridge.interpreter import interpreter_facts
from snakepit_bridge.json_limits import (
    DEFAULT_MAX_JSON_DEPTH,
    DEFAULT_MAX_MESSAGE_BYTES,
    nesting_overflow,
)
from snakepit_bridge.sessions import SessionStore
from snakepit_bridge.streaming import Emit, emit_all, stream_chunks

#: type_url of every Any on the wire; its value holds raw JSON bytes.
JSON_TYPE_URL = "type.googleapis.com/google.protobuf.StringValue"

MIB = 1024 * 1024


def decode_parameters(parameters: Any, max_depth: int = DEFAULT_MAX_JSON_DEPTH,
                      ) -> dict[str, Any]:
    """Decodes the request's ``map<string, Any>`` of JSON bytes into a dict.

    Raises ``ToolFailure`` (``invalid_arguments``) naming the first bad key:
    not JSON, nested deeper than ``max_depth`` (checked before parsing), or
    too deep for this interpreter's recursion limit.
    """
    arguments: dict[str, Any] = {}
    for key, packed in parameters.items():
        # A value is nested one level below the arguments object.
        overflow = nesting_overflow(packed.value, max_depth - 1)
        if overflow is not None:
            raise ToolFailure(
                INVALID_ARGUMENTS, "ValueError",
                f"parameter {key!r} nests deeper than {max_depth} levels "
                f"(max_json_depth) at byte {overflow} of its value")
        try:
            arguments[key] = json.loads(packed.value)
        except RecursionError as exc:
            raise ToolFailure(
                INVALID_ARGUMENTS, type(exc).__name__,
                f"parameter {key!r} nests too deeply for the worker's "
                f"Python (recursion limit {sys.getrecursionlimit()})") from exc
        except ValueError as exc:
            raise ToolFailure(
                INVALID_ARGUMENTS, type(exc).__name__,
                f"parameter {key!r} is not valid JSON: {exc}") from exc
    return arguments


def add_binary_arguments(arguments: dict[str, Any], binary: Any) -> None:
    """Adds the request's ``binary_parameters`` to ``arguments`` as
    ``bytes``; a name that is a JSON argument too is ``invalid_arguments``."""
    for key, value in binary.items():
        if key in arguments:
            raise ToolFailure(
                INVALID_ARGUMENTS, "TypeError",
                f"argument {key!r} is given both as JSON and as bytes")
        arguments[key] = value


def request_arguments(request: Any,
                      max_depth: int = DEFAULT_MAX_JSON_DEPTH) -> dict[str, Any]:
    """The arguments of an ``ExecuteToolRequest``: its JSON ``parameters``
    (``decode_parameters``) and its ``binary_parameters``."""
    arguments = decode_parameters(request.parameters, max_depth)
    if request.binary_parameters:
        add_binary_arguments(arguments, request.binary_parameters)
    return arguments


def context_of(request: Any, sessions: SessionStore | None = None,
               host: HostAccess = DETACHED) -> ToolContext:
    """The ``ToolContext`` of an ``ExecuteToolRequest``, whose ``session``
    is looked up in ``sessions`` (only when a tool uses it) and whose host
    tools are reached through ``host``."""
    return ToolContext(
        session_id=request.session_id,
        metadata=dict(request.metadata),
        binary_parameters=dict(request.binary_parameters),
        tool_name=request.tool_name, sessions=sessions, host=host)


def _utf8(text: str) -> str:
    """``text`` as valid UTF-8: a lone surrogate (which an exception message
    may hold) becomes its escape instead of failing the whole reply."""
    return text.encode("utf-8", "backslashreplace").decode("utf-8")


def fill_failure(response: Any, failure: ToolFailure) -> None:
    """Makes ``response`` an unsuccessful one carrying ``failure``."""
    response.success = False
    response.error_message = _utf8(failure.summary)
    fill_tool_error(response.error, failure)


def fill_tool_error(error: Any, failure: ToolFailure) -> None:
    """Fills the ``ToolError`` ``error`` with ``failure``."""
    error.category = failure.category
    error.type = _utf8(failure.type)
    error.message = _utf8(failure.message)
    error.traceback = _utf8(failure.traceback)


def execute_request(adapter: object, request: Any,
                    max_json_depth: int = DEFAULT_MAX_JSON_DEPTH,
                    response: Any = None,
                    sessions: SessionStore | None = None,
                    host: HostAccess = DETACHED) -> Any:
    """Runs ``request`` on ``adapter`` and returns its response: ``response``
    (an empty ``ExecuteToolResponse`` to fill, e.g. inside an envelope, so
    that a large result is not copied) or a new one. Failures come back as
    ToolError values; ``execution_time_us`` counts argument decoding too.
    ``sessions`` holds the states ``context.session`` reaches; ``host`` is
    the context's way to the host's tools."""
    if response is None:
        response = bridge_pb2.ExecuteToolResponse()
    started = time.perf_counter_ns()
    try:
        arguments = request_arguments(request, max_json_depth)
        encoded = run_tool(adapter, request.tool_name, arguments,
                           lambda: context_of(request, sessions, host))
    except ToolFailure as failure:
        fill_failure(response, failure)
    else:
        response.success = True
        if isinstance(encoded, bytes):
            # No `result`: that tells the host the result is binary.
            response.binary_result = encoded
        else:
            _set_json_result(response, encoded)
    set_times(response, elapsed_us(started))
    return response


def request_chunks(adapter: object, request: Any,
                   max_json_depth: int = DEFAULT_MAX_JSON_DEPTH,
                   sessions: SessionStore | None = None,
                   host: HostAccess = DETACHED,
                   ) -> Iterator[Union[str, bytes]]:
    """Runs ``request`` on ``adapter`` as a stream: yields its encoded
    chunks (``streaming.stream_chunks``). Raises ``ToolFailure`` for bad
    arguments (on the first ``next``) and whatever ends the stream; closing
    it closes the tool's generator. ``sessions`` and ``host`` as for
    ``execute_request``."""
    arguments = request_arguments(request, max_json_depth)
    yield from stream_chunks(adapter, request.tool_name, arguments,
                             lambda: context_of(request, sessions, host))


def execute_stream(adapter: object, request: Any, emit: Emit,
                   response: Any,
                   max_json_depth: int = DEFAULT_MAX_JSON_DEPTH,
                   sessions: SessionStore | None = None,
                   host: HostAccess = DETACHED) -> bool:
    """Runs ``request`` on ``adapter`` as a stream (``request_chunks``),
    ``emit``-ting its chunks, and fills ``response`` with how it ended:
    success without a value, or the failure that ended it. Returns False,
    ``response`` untouched, when ``emit`` stopped the stream (cancelled).
    ``sessions`` and ``host`` as for ``execute_request``."""
    started = time.perf_counter_ns()
    try:
        if not emit_all(request_chunks(adapter, request, max_json_depth,
                                       sessions, host), emit):
            return False
    except ToolFailure as failure:
        fill_failure(response, failure)
    else:
        response.success = True
    set_times(response, elapsed_us(started))
    return True


def elapsed_us(started_ns: int) -> int:
    """Microseconds since ``started_ns`` (``time.perf_counter_ns``)."""
    return (time.perf_counter_ns() - started_ns) // 1000


def set_times(response: Any, us: int) -> None:
    """Sets the execution times of the ``ExecuteToolResponse`` ``response``
    to ``us`` microseconds."""
    response.execution_time_us = us
    response.execution_time_ms = us // 1000


def _set_json_result(response: Any, encoded: str) -> None:
    """Puts the JSON text ``encoded`` in ``response.result``."""
    result = response.result  # one wrapper: each access makes one
    result.type_url = JSON_TYPE_URL
    result.value = encoded.encode()


def oversized_result(size: int, limit: int, elapsed_us: int) -> Any:
    """The ``python_error``/``MessageTooLarge`` response that replaces a
    result of ``size`` bytes over the ``limit``: the worker keeps serving."""
    response = bridge_pb2.ExecuteToolResponse()
    fill_failure(response, message_too_large("the result", size, limit,
                                             "return less"))
    set_times(response, elapsed_us)
    return response


def message_too_large(what: str, size: int, limit: int,
                      remedy: str) -> ToolFailure:
    """The ``python_error``/``MessageTooLarge`` failure of ``what`` (e.g.
    "the result") taking ``size`` bytes, over the ``limit``; ``remedy`` is
    the tool's way out (e.g. "return less")."""
    return ToolFailure(
        PYTHON_ERROR, "MessageTooLarge",
        f"{what} is {size} bytes, more than the {limit / MIB:g} MiB limit on "
        f"messages ({limit} bytes); raise the pool's max_message_mb or "
        f"{remedy}")


@dataclass(frozen=True)
class ServedAdapter:
    """The adapter a worker serves, the limits it serves it with, and the
    states of its sessions."""

    adapter: Any
    #: The adapter's ``package.module.Class``, reported by describe.
    name: str
    #: Tool calls that may run at once (the thread profile's slots).
    max_workers: int
    #: Deepest nesting of an argument's JSON (``max_json_depth``).
    max_json_depth: int = DEFAULT_MAX_JSON_DEPTH
    #: Largest message taken or sent, in bytes (``max_message_mb``).
    max_message_bytes: int = DEFAULT_MAX_MESSAGE_BYTES
    #: The states of the sessions this worker serves, made with the object.
    sessions: SessionStore = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        if self.max_workers < 1:
            raise ValueError("max_workers must be at least 1")
        object.__setattr__(self, "sessions", SessionStore(self.adapter))

    def execute(self, request: Any, response: Any = None,
                host: HostAccess = DETACHED) -> Any:
        """``execute_request`` on this adapter with its JSON limit and
        sessions; ``host`` reaches the host's tools."""
        return execute_request(self.adapter, request, self.max_json_depth,
                               response, self.sessions, host)

    def chunks(self, request: Any, host: HostAccess = DETACHED,
               ) -> Iterator[Union[str, bytes]]:
        """``request_chunks`` on this adapter with its JSON limit and
        sessions; ``host`` reaches the host's tools."""
        return request_chunks(self.adapter, request, self.max_json_depth,
                              self.sessions, host)

    def stream(self, request: Any, emit: Emit, response: Any,
               host: HostAccess = DETACHED) -> bool:
        """``execute_stream`` on this adapter with its JSON limit and
        sessions; ``host`` reaches the host's tools."""
        return execute_stream(self.adapter, request, emit, response,
                              self.max_json_depth, self.sessions, host)

    def too_large(self, size: int, elapsed_us: int) -> Any:
        """The ``MessageTooLarge`` response for a result of ``size`` bytes
        above ``max_message_bytes``."""
        return oversized_result(size, self.max_message_bytes, elapsed_us)

    def saturated(self) -> str:
        """Why a call finding every slot taken is refused."""
        return f"worker busy: all {self.max_workers} tool slots in use"

    def worker_info(self, active_calls: list[str]) -> Any:
        """The ``WorkerInfo`` of describe: interpreter facts, adapter,
        tools, slots, the ids of the ``active_calls`` running now, and
        whether the adapter can snapshot sessions."""
        return bridge_pb2.WorkerInfo(
            **interpreter_facts(), adapter=self.name,
            tools=adapter_tools(self.adapter), max_workers=self.max_workers,
            busy_slots=len(active_calls), active_calls=active_calls,
            session_snapshots=self.sessions.supports_snapshots)
