"""Streaming tools: a tool that is a generator function (or an async
generator function) called as a stream sends each value it yields as one
chunk; the stream ends when the generator is exhausted.

Independent of the transport, in two forms: ``stream_chunks`` yields each
encoded chunk (gRPC's servicer sends what it yields), ``stream_tool`` hands
each to an ``emit`` function, which sends it (waiting for the host's
credit) and says whether the stream goes on (the native transport). The
generator runs on the calling thread; an async generator is driven by a
private event loop, one per stream. Whatever ends the stream (exhausted,
failed, refused by ``emit``, the iterator closed), the generator is
closed, so that its ``finally`` runs.
"""

from __future__ import annotations

import asyncio
import inspect
import sys
import traceback
from typing import Any, Callable, Iterator, Union

from snakepit_bridge.dispatch import (
    ContextSource,
    call_tool,
    encode_chunk,
    encode_result,
    python_error,
)
from snakepit_bridge.thread_safety import ThreadSafeAdapter

#: Sends one encoded chunk (JSON text, or ``bytes`` sent raw); returns
#: False when the stream must stop (the host cancelled it or went away).
#: May raise ``ToolFailure`` to end the stream with that error.
Emit = Callable[[Union[str, bytes]], bool]


def stream_tool(adapter: object, tool_name: str, arguments: dict[str, Any],
                context: ContextSource, emit: Emit) -> bool:
    """Runs ``tool_name`` as a stream, ``emit``-ting each chunk. Returns
    True when the stream ran to its end, False when ``emit`` stopped it.
    Raises ``ToolFailure`` like ``stream_chunks``."""
    return emit_all(stream_chunks(adapter, tool_name, arguments, context),
                    emit)


def emit_all(chunks: Iterator[Union[str, bytes]], emit: Emit) -> bool:
    """Hands each of ``chunks`` (a ``stream_chunks`` iterator) to ``emit``,
    the push form the native transport uses; closes ``chunks`` whatever
    ends it. True when the stream ran to its end, False when ``emit``
    stopped it."""
    try:
        for encoded in chunks:
            if not emit(encoded):
                return False
        return True
    finally:
        chunks.close()  # type: ignore[attr-defined]


def stream_chunks(adapter: object, tool_name: str, arguments: dict[str, Any],
                  context: ContextSource) -> Iterator[Union[str, bytes]]:
    """Runs ``tool_name`` as a stream: yields each chunk, encoded (JSON
    text, or ``bytes`` sent raw). The pull form, for a transport that asks
    for the next chunk (gRPC's response iterator).

    A generator's values are the chunks; any other result is the one chunk.
    Raises ``ToolFailure`` like ``dispatch.run_tool``: the tool's exception
    mid-stream is a ``python_error`` with its traceback. Closing this
    iterator (or its end, or an error) closes the tool's generator, so that
    its ``finally`` runs. A ``ThreadSafeAdapter`` sees the stream in
    ``active_requests()`` until it ends."""
    if isinstance(adapter, ThreadSafeAdapter):
        with adapter.track_request(tool_name):
            yield from _chunks(adapter, tool_name, arguments, context)
    else:
        yield from _chunks(adapter, tool_name, arguments, context)


def _chunks(adapter: object, tool_name: str, arguments: dict[str, Any],
            context: ContextSource) -> Iterator[Union[str, bytes]]:
    produced = call_tool(adapter, tool_name, arguments, context)
    if inspect.isasyncgen(produced):
        chunks: Any = AsyncChunks(produced)
    elif inspect.isgenerator(produced):
        chunks = produced
    else:
        yield encode_result(tool_name, produced)
        return
    try:
        for value in _values(chunks):
            yield encode_chunk(tool_name, value)
    finally:
        _close(tool_name, chunks)


def _values(chunks: Iterator[Any]) -> Iterator[Any]:
    """The generator's values; its exception as a ``python_error``."""
    while True:
        try:
            value = next(chunks)
        except StopIteration:
            return
        except (Exception, SystemExit) as exc:
            raise python_error(exc) from exc
        yield value


def _close(tool_name: str, chunks: Any) -> None:
    """Closes the generator (its ``finally`` runs). An error in that cleanup
    has no reply left to go to: it is written to stderr, the worker's log."""
    try:
        chunks.close()
    except Exception:  # noqa: BLE001 - the stream is over either way
        print(f"snakepit: closing the stream of tool {tool_name!r} failed:\n"
              + traceback.format_exc(), file=sys.stderr, flush=True)


class AsyncChunks:
    """An async generator as a (sync) iterator, driven by a private event
    loop: each ``next`` runs the loop until the next value."""

    def __init__(self, generator: Any) -> None:
        self._generator = generator
        self._loop = asyncio.new_event_loop()

    def __iter__(self) -> AsyncChunks:
        return self

    def __next__(self) -> Any:
        try:
            return self._loop.run_until_complete(self._generator.__anext__())
        except StopAsyncIteration:
            raise StopIteration from None

    def close(self) -> None:
        """Closes the generator (``aclose``), then the loop."""
        loop = self._loop
        try:
            loop.run_until_complete(self._generator.aclose())
            loop.run_until_complete(loop.shutdown_asyncgens())
        finally:
            loop.close()
