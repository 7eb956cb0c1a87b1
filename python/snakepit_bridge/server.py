"""The gRPC side of the worker: ``BridgeServicer`` and ``start_server``.

Threads: the server's pool has ``max_workers + 1`` threads while tool calls
hold one of ``max_workers`` semaphore slots, so Ping and DescribeWorker always
find a thread free. A tool call that finds every slot taken is refused at once
with RESOURCE_EXHAUSTED instead of waiting, since waiting would hold the spare
thread that Ping relies on. The host never sends more than ``max_workers``
calls at once, so this only guards against a host bug. CleanupSession
takes no slot either (other sessions' calls may fill them): with every slot
busy it shares the spare thread (and stream) with Ping and DescribeWorker,
which then wait while the adapter's ``close_session`` hook runs.

Sessions over gRPC: ``context.session`` and CleanupSession work as on the
native transport; snapshot and restore (moving a session to another
worker) are native only, BridgeService has no rpc for them.

Host tools over gRPC: none. The worker has no way back to the host (the
host keeps no listener, by design): ``context.call_host`` raises
``HostToolError`` (``unsupported``: host tools need the native transport)
and ``context.host_tools`` is empty.

Streaming calls (ExecuteStreamingTool, ``grpc_stream``) count like
ExecuteTool: each holds one slot, one thread and one HTTP/2 stream from its
start to its final chunk (or until the host cancels it).

gRPC's per-connection stream limit (``grpc.max_concurrent_streams``) is set
to ``max_workers + 1`` as well: the tool calls plus one health check. Streams
beyond it wait on the client side instead of reaching the server.

Stopping (``RunningServer.stop``) refuses new calls and waits only for the
tool calls (and streams) whose caller still waits for an answer, up to a
grace period.
gRPC's own ``server.stop(grace)`` would also wait, up to the whole grace,
for the host to close its connection, which a host with a call in flight
does not do at once: every stop took the full grace.
"""

from __future__ import annotations

import threading
import time
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any, Iterator

import grpc

from snakepit_bridge._proto import bridge_pb2, bridge_pb2_grpc
from snakepit_bridge.grpc_stream import tool_chunks
from snakepit_bridge.host_tools import OVER_GRPC
from snakepit_bridge.json_limits import DEFAULT_MAX_MESSAGE_BYTES
from snakepit_bridge.socket_path import prepare_socket_path, remove_socket_file
from snakepit_bridge.tool_call import ServedAdapter

#: Metadata key under which the host names each call (see active_calls).
CALL_ID_KEY = "snakepit.call_id"


class BridgeServicer(bridge_pb2_grpc.BridgeServiceServicer):
    """Serves one adapter: Ping, ExecuteTool and ExecuteStreamingTool
    (bounded), DescribeWorker and CleanupSession."""

    def __init__(self, served: ServedAdapter) -> None:
        self._served = served
        self._slots = threading.BoundedSemaphore(served.max_workers)
        self._lock = threading.Lock()
        self._active: dict[int, str] = {}
        # Tool calls whose RPC has not ended (answer sent, or the caller
        # gone): what a stop waits for. Guarded by _lock.
        self._open_calls = 0
        self._calls_ended = threading.Condition(self._lock)

    def Ping(self, request: Any, context: grpc.ServicerContext) -> Any:
        """Echoes the message with the server's wall-clock time."""
        response = bridge_pb2.PingResponse(message=request.message)
        response.server_time.GetCurrentTime()
        return response

    def DescribeWorker(self, request: Any, context: grpc.ServicerContext) -> Any:
        """Interpreter facts, adapter name, tools, max_workers, the calls
        running now (so the host knows when an abandoned call has ended) and
        ``session_snapshots``, the adapter's capability (which only the
        native transport can use)."""
        with self._lock:
            active = list(self._active.values())
        return self._served.worker_info(active)

    def CleanupSession(self, request: Any,
                       context: grpc.ServicerContext) -> Any:
        """Ends a session: the adapter's ``close_session`` runs (its
        exception is logged, not returned) and the state is dropped;
        ``success`` says whether the worker held a state for it."""
        closed = self._served.sessions.close(request.session_id)
        return bridge_pb2.CleanupSessionResponse(
            success=closed, resources_cleaned=int(closed))

    def ExecuteTool(self, request: Any, context: grpc.ServicerContext) -> Any:
        """Runs one tool in a free slot; failures come back as ToolError
        values. The tool cannot call host tools (``unsupported``)."""
        with self._tool_slot(request, context):
            return self._execute(request)

    def ExecuteStreamingTool(self, request: Any,
                             context: grpc.ServicerContext) -> Iterator[Any]:
        """Runs one tool as a stream in a free slot, held until the stream
        ends: its ToolChunks, then the final one (``grpc_stream``). When the
        RPC ends early gRPC drops this iterator, which closes the tool's
        generator and frees the slot."""
        with self._tool_slot(request, context):
            yield from tool_chunks(self._served, request)

    @contextmanager
    def _tool_slot(self, request: Any,
                   context: grpc.ServicerContext) -> Iterator[None]:
        """Holds one of the ``max_workers`` tool slots, listing the call in
        DescribeWorker's ``active_calls``; with every slot taken the call is
        refused with RESOURCE_EXHAUSTED."""
        if not self._slots.acquire(blocking=False):
            context.abort(grpc.StatusCode.RESOURCE_EXHAUSTED,
                          self._served.saturated())
        self._track_until_ended(context)
        token = object()
        with self._lock:
            self._active[id(token)] = request.metadata.get(CALL_ID_KEY, "")
        try:
            yield
        finally:
            with self._lock:
                del self._active[id(token)]
            self._slots.release()

    def wait_for_open_calls(self, timeout: float) -> int:
        """Waits up to ``timeout`` seconds until every tool call has been
        answered (or its caller has gone); returns how many are still open."""
        deadline = time.monotonic() + timeout
        with self._calls_ended:
            while self._open_calls:
                left = deadline - time.monotonic()
                if left <= 0:
                    break
                self._calls_ended.wait(left)
            return self._open_calls

    def _track_until_ended(self, context: grpc.ServicerContext) -> None:
        """Counts the call as open until gRPC reports its RPC ended: after
        the answer went out, or when the caller cancelled or timed out."""
        with self._lock:
            self._open_calls += 1
        if not context.add_callback(self._call_ended):
            self._call_ended()

    def _call_ended(self) -> None:
        with self._calls_ended:
            self._open_calls -= 1
            self._calls_ended.notify_all()

    def _execute(self, request: Any) -> Any:
        response = self._served.execute(request, host=OVER_GRPC)
        size = response.ByteSize()
        if size > self._served.max_message_bytes:
            return self._served.too_large(size, response.execution_time_us)
        return response


def server_options(max_workers: int,
                   max_message_bytes: int = DEFAULT_MAX_MESSAGE_BYTES,
                   ) -> list[tuple[str, Any]]:
    """Channel options of the worker's server: at most ``max_workers + 1``
    concurrent streams per connection (the tool slots plus a health check),
    and messages of up to ``max_message_bytes`` both ways (a larger result
    is replaced by a ``MessageTooLarge`` error before it is sent)."""
    if max_workers < 1:
        raise ValueError("max_workers must be at least 1")
    return [("grpc.max_concurrent_streams", max_workers + 1),
            ("grpc.max_receive_message_length", max_message_bytes),
            ("grpc.max_send_message_length", max_message_bytes)]


#: How long after the shutdown grace gRPC cancels the calls still running.
CANCEL_MARGIN_S = 1.0


@dataclass
class RunningServer:
    """A started worker server: the gRPC server, its address and servicer."""

    server: grpc.Server
    address: str
    servicer: BridgeServicer

    def stop(self, grace: float) -> int:
        """Refuses new calls, waits up to ``grace`` seconds for the tool
        calls in flight to be answered, removes the socket file; returns how
        many calls were still open (gRPC cancels them ``CANCEL_MARGIN_S``
        after ``grace``, unless the process has left by then).

        Returns as soon as the calls are answered: it does not wait for the
        host to close its connection (see the module docstring). gRPC's own
        cancellation is set a little after ``grace``: cancelling counts as
        ending a call, so had it come first, a call abandoned at the grace
        could be counted as answered."""
        self.server.stop(grace + CANCEL_MARGIN_S)
        still_open = self.servicer.wait_for_open_calls(grace)
        remove_socket_file(self.address.removeprefix("unix:"))
        return still_open


def start_server(served: ServedAdapter, socket_path: str) -> RunningServer:
    """Binds ``unix:<socket_path>`` (never TCP) and starts serving. Raises on
    any bind failure.

    The pool has ``max_workers + 1`` threads (see the module docstring)."""
    path = prepare_socket_path(socket_path)
    address = f"unix:{path}"
    server = grpc.server(
        ThreadPoolExecutor(max_workers=served.max_workers + 1,
                           thread_name_prefix="snakepit-rpc"),
        options=server_options(served.max_workers,
                               served.max_message_bytes))
    servicer = BridgeServicer(served)
    bridge_pb2_grpc.add_BridgeServiceServicer_to_server(servicer, server)
    if server.add_insecure_port(address) == 0:
        raise RuntimeError(f"failed to bind to address {address}")
    server.start()
    return RunningServer(server, address, servicer)
