"""Runs one tool call on an adapter and turns every failure into a ToolFailure.

Independent of gRPC so that it can be tested directly: the server only
decodes the request, calls ``run_tool`` and encodes the outcome.
"""

from __future__ import annotations

import asyncio
import functools
import inspect
import json
import traceback
from typing import Any, Callable, Union

from snakepit_bridge.adapter import ToolContext, discover_tools
from snakepit_bridge.errors import (
    INVALID_ARGUMENTS,
    PYTHON_ERROR,
    UNKNOWN_COMMAND,
    InvalidArgumentsError,
    ToolFailure,
    UnknownToolError,
)
from snakepit_bridge.thread_safety import ThreadSafeAdapter

#: Parameter name through which a tool asks for its ``ToolContext``.
CONTEXT_PARAM = "context"

#: ``json.dumps(result, allow_nan=False)`` without building an encoder per
#: call, as ``dumps`` does when given any option. Results, chunks,
#: snapshots and host calls' arguments all go through it.
JSON_ENCODER = json.JSONEncoder(allow_nan=False)

#: A call's context, or a function building it: a tool that does not take
#: the context never pays for it.
ContextSource = Union[ToolContext, Callable[[], ToolContext]]


def adapter_tools(adapter: object) -> list[str]:
    """Command names of ``adapter``: its ``tools()`` when it has one."""
    lister = getattr(adapter, "tools", None)
    if callable(lister):
        return [str(name) for name in lister()]
    return sorted(discover_tools(type(adapter)))


def run_tool(adapter: object, tool_name: str, arguments: dict[str, Any],
             context: ContextSource) -> str | bytes:
    """Calls ``tool_name`` with ``arguments`` and returns the result as JSON
    text, or as ``bytes`` when the tool returned ``bytes``, ``bytearray`` or
    ``memoryview`` (they travel raw, see ``encode_result``).

    Raises ``ToolFailure`` with category ``unknown_command`` (no such tool),
    ``invalid_arguments`` (arguments do not fit the signature) or
    ``python_error`` (the tool raised, or returned something JSON cannot hold).
    A ``ThreadSafeAdapter`` sees the call in ``active_requests()`` while it
    runs and counts it in ``request_count``. ``context`` is the call's
    ``ToolContext``, or a function building it, called only for a tool that
    takes it (and for an ``execute_tool`` fallback).
    """
    if isinstance(adapter, ThreadSafeAdapter):
        with adapter.track_request(tool_name):
            result = call_tool(adapter, tool_name, arguments, context)
    else:
        result = call_tool(adapter, tool_name, arguments, context)
    return encode_result(tool_name, result)


def call_tool(adapter: object, tool_name: str, arguments: dict[str, Any],
              context: ContextSource) -> Any:
    """What ``tool_name`` returns for ``arguments``, not encoded (a
    generator tool's generator, unstarted; an ``async def`` tool's value,
    see ``_awaited``); raises ``ToolFailure`` like ``run_tool``."""
    attr = discover_tools(type(adapter)).get(tool_name)
    if attr is not None:
        return _call_method(getattr(adapter, attr), tool_name, arguments, context)
    fallback = getattr(adapter, "execute_tool", None)
    if not callable(fallback):
        raise _unknown(adapter, tool_name, "")
    return _call_fallback(adapter, fallback, tool_name, arguments, context)


def encode_result(tool_name: str, result: Any) -> str | bytes:
    """JSON text of ``result``; a ``python_error``/``TypeError`` if it has none.
    A bytes-like result comes back as ``bytes``: the binary result.

    NaN and infinities are refused: they are not JSON and the host's parser
    would reject them; so is a result nested too deeply for ``json.dumps``
    (``RecursionError``). A generator is refused too, and closed unstarted:
    a generator tool must be called as a stream (``streaming``).
    """
    if isinstance(result, (bytes, bytearray, memoryview)):
        return bytes(result)
    try:
        return JSON_ENCODER.encode(result)
    except (TypeError, ValueError, RecursionError) as exc:
        if inspect.isgenerator(result) or inspect.isasyncgen(result):
            # An unstarted async generator has no frame to clean up.
            if inspect.isgenerator(result):
                result.close()
            raise ToolFailure(
                PYTHON_ERROR, "TypeError",
                f"tool {tool_name!r} is a generator: call it as a "
                "stream") from None
        raise _not_json(f"result of tool {tool_name!r}", result, exc) from exc


def encode_chunk(tool_name: str, value: Any) -> str | bytes:
    """A value a streaming tool yielded, encoded like ``encode_result``
    encodes a result: ``bytes`` for a bytes-like value, else JSON text."""
    return encode_value(f"a chunk of tool {tool_name!r}", value)


def encode_value(what: str, value: Any) -> str | bytes:
    """``value`` encoded like a result: ``bytes`` for a bytes-like value,
    else JSON text; a ``python_error``/``TypeError`` naming ``what`` (e.g.
    "a chunk of tool 'x'") when JSON cannot hold it."""
    if isinstance(value, (bytes, bytearray, memoryview)):
        return bytes(value)
    try:
        return JSON_ENCODER.encode(value)
    except (TypeError, ValueError, RecursionError) as exc:
        raise _not_json(what, value, exc) from exc


def _not_json(what: str, value: Any, exc: BaseException) -> ToolFailure:
    """The ``python_error``/``TypeError`` for ``value`` (``what``, e.g.
    "result of tool 'x'") that JSON cannot hold, ``exc`` telling why."""
    return ToolFailure(
        PYTHON_ERROR, "TypeError",
        f"{what} is not JSON-serializable ({type(value).__name__}): {exc}")


def _call_method(method: Callable[..., Any], tool_name: str,
                 arguments: dict[str, Any], context: ContextSource) -> Any:
    """Calls ``method`` with ``arguments``. Arguments that do not fit its
    signature are ``invalid_arguments``; other errors are ``python_error``.

    The signature is checked only when the call raises ``TypeError`` (a
    call whose arguments do not fit raises it before the body runs): binding
    every call first cost most of the dispatch time."""
    signature, wants_context = _signature_of(method)
    if wants_context:
        if CONTEXT_PARAM in arguments:
            raise ToolFailure(
                INVALID_ARGUMENTS, "TypeError",
                f"tool {tool_name!r}: argument {CONTEXT_PARAM!r} is reserved "
                "for the call context")
        arguments = {**arguments, CONTEXT_PARAM: _built(context)}
    try:
        return _awaited(method(**arguments))
    except TypeError as exc:
        try:
            signature.bind(**arguments)
        except TypeError as mismatch:
            raise ToolFailure(INVALID_ARGUMENTS, "TypeError",
                              f"tool {tool_name!r}: {mismatch}") from exc
        raise python_error(exc) from exc
    except (Exception, SystemExit) as exc:
        raise python_error(exc) from exc


def _awaited(value: Any) -> Any:
    """``value``; for a coroutine (what an ``async def`` tool returns), what
    it returns, run to its end on a private event loop on the calling
    thread (the tool thread has no loop of its own)."""
    if inspect.iscoroutine(value):
        return asyncio.run(value)
    return value


@functools.lru_cache(maxsize=1024)
def _cached_signature(method: Callable[..., Any]) -> tuple[inspect.Signature,
                                                           bool]:
    signature = inspect.signature(method)
    return signature, _accepts_context(signature)


def _signature_of(method: Callable[..., Any]) -> tuple[inspect.Signature,
                                                       bool]:
    """``method``'s signature and whether it takes the context, computed
    once per method (bound methods of one object are equal and hash alike)."""
    try:
        return _cached_signature(method)
    except TypeError:  # an unhashable callable
        return _cached_signature.__wrapped__(method)


def _call_fallback(adapter: object, fallback: Callable[..., Any], tool_name: str,
                   arguments: dict[str, Any], context: ContextSource) -> Any:
    try:
        return _awaited(fallback(tool_name, arguments, _built(context)))
    except UnknownToolError as exc:
        raise _unknown(adapter, tool_name, str(exc)) from exc
    except InvalidArgumentsError as exc:
        raise ToolFailure(INVALID_ARGUMENTS, type(exc).__name__,
                          str(exc) or f"bad arguments for tool {tool_name!r}",
                          _format_traceback(exc)) from exc
    except (Exception, SystemExit) as exc:
        raise python_error(exc) from exc


def _built(context: ContextSource) -> ToolContext:
    return context() if callable(context) else context


def _accepts_context(signature: inspect.Signature) -> bool:
    param = signature.parameters.get(CONTEXT_PARAM)
    return param is not None and param.kind in (
        inspect.Parameter.POSITIONAL_OR_KEYWORD, inspect.Parameter.KEYWORD_ONLY)


def _unknown(adapter: object, tool_name: str, detail: str) -> ToolFailure:
    available = ", ".join(adapter_tools(adapter)) or "(none)"
    message = detail or f"unknown tool {tool_name!r}"
    return ToolFailure(UNKNOWN_COMMAND, "UnknownToolError",
                       f"{message}; available tools: {available}")


def python_error(exc: BaseException) -> ToolFailure:
    """The ``python_error`` failure of an exception a tool raised, with its
    traceback (from the frame below the caller's)."""
    return ToolFailure(PYTHON_ERROR, type(exc).__name__, str(exc),
                       _format_traceback(exc))


def _format_traceback(exc: BaseException) -> str:
    # Skip the first frame: it is this module's call site, not the tool.
    tb = exc.__traceback__.tb_next if exc.__traceback__ else None
    return "".join(traceback.format_exception(type(exc), exc, tb))
