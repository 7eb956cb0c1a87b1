"""ExecuteStreamingTool's messages: a streaming call as the ``ToolChunk``s
gRPC sends, one per chunk, then the final one saying how it ended.

gRPC's sync server pulls the next message only once the one before is
written into the HTTP/2 stream, and writes it only while the host's
flow-control window has room: a host that does not read holds the
generator at its ``yield`` (docs/streaming.md, "On the gRPC transport").
When the RPC ends early (the host cancelled, its deadline passed, the
connection went), gRPC stops pulling and drops the iterator: closing it
closes the tool's generator, so its ``finally`` runs.

Imports protobuf only, never grpc (like ``tool_call``).
"""

from __future__ import annotations

import time
from typing import Any, Iterator, Union

from snakepit_bridge._proto import bridge_pb2
from snakepit_bridge.errors import ToolFailure
from snakepit_bridge.host_tools import OVER_GRPC
from snakepit_bridge.tool_call import (
    ServedAdapter,
    elapsed_us,
    fill_tool_error,
    message_too_large,
)


def tool_chunks(served: ServedAdapter, request: Any) -> Iterator[Any]:
    """The ``ToolChunk``s of ``request`` run as a stream on ``served``:
    one per chunk, then a final one (``is_final``) carrying the failure
    that ended the stream, if any, and the time it took. A chunk over the
    message limit ends it with ``python_error``/``MessageTooLarge`` (the
    chunk is not sent). Closing the iterator early closes the tool's
    generator and sends nothing more."""
    started = time.perf_counter_ns()
    final = bridge_pb2.ToolChunk(is_final=True)
    try:
        chunks = served.chunks(request, host=OVER_GRPC)
        try:
            for index, encoded in enumerate(chunks):
                yield chunk_message(index, encoded,
                                    served.max_message_bytes)
        finally:
            chunks.close()  # type: ignore[attr-defined]
    except ToolFailure as failure:
        fill_tool_error(final.error, failure)
    final.execution_time_us = elapsed_us(started)
    yield final


def chunk_message(index: int, encoded: Union[str, bytes],
                  max_message_bytes: int) -> Any:
    """The ``ToolChunk`` of the ``index``-th chunk, ``encoded`` (JSON text,
    or ``bytes`` sent raw). Raises the ``MessageTooLarge`` failure when it
    would take more than ``max_message_bytes``."""
    chunk = bridge_pb2.ToolChunk(chunk_id=str(index))
    if isinstance(encoded, bytes):
        chunk.data = encoded
        chunk.binary = True
    else:
        chunk.data = encoded.encode()
    size = chunk.ByteSize()
    if size > max_message_bytes:
        raise message_too_large("a chunk", size, max_message_bytes,
                                "yield less")
    return chunk
