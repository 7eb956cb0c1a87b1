"""The native side of the worker: framed Protobuf (``proto/native.proto``)
on a unix socket, with the standard library and protobuf only, so that it
runs on any CPython, free-threaded ones included (grpcio needs the GIL).

Threads: one accepts connections (the host keeps one; later ones are served
the same way, each on its own); one reader per connection decodes frames,
answers ``ping`` and ``describe`` itself and hands each ``execute`` through
a queue to ``max_workers`` tool threads, started once. An ``execute`` that
finds every slot taken is refused at once (``pool_saturated``): the host
never sends more than ``max_workers``, so this only guards against a host
bug. Replies are written whole under the connection's lock
(``native_connection``), results in the order they finish. A streaming
call (``native_stream``) holds its slot until its stream ends; the reader
hands it the host's ``credit`` and ``cancel``. Session requests
(``native_sessions``: close, snapshot, restore) run the adapter's session
hooks on one more thread, in the order they came: never on a reader, and
never in a tool slot, so busy slots neither refuse nor delay them.

Host calls (``native_host_calls``): a tool calling a host tool sends a
``host_call`` from its own thread and waits there (or in its event loop);
the reader hands each ``host_result`` to the call waiting for it and keeps
the ``host_tools`` list. When a connection closes, its waiting host calls
fail at once (``connection_closed``; ``shutting_down`` when a stop closes
it).

A frame the reader cannot take (too long, not an Envelope, cut off by the
end of the stream) is a protocol error: it is logged and that connection
is closed; its calls still running finish, their replies are dropped.
"""

from __future__ import annotations

import queue
import socket
import threading
import time
from typing import Any, Callable

from snakepit_bridge._proto.native_pb2 import Envelope
from snakepit_bridge.errors import INTERNAL, POOL_SATURATED, SHUTTING_DOWN
from snakepit_bridge.frames import (
    FrameReader,
    ProtocolError,
    encode,
    frame_of,
)
from snakepit_bridge.native_connection import Call, Connection, error_envelope
from snakepit_bridge.native_host_calls import HostLink
from snakepit_bridge.native_sessions import (
    SESSION_REQUESTS,
    session_reply_frame,
)
from snakepit_bridge.native_stream import StreamCall
from snakepit_bridge.socket_path import prepare_socket_path, remove_socket_file
from snakepit_bridge.tool_call import ServedAdapter

#: Prefix of the native transport's address in the ready file; the host
#: picks its channel by it (gRPC's is ``unix:``).
ADDRESS_PREFIX = "native:"
#: Connections the listening socket queues before they are accepted.
BACKLOG = 16


class NativeServer:
    """Serves one adapter on a unix socket; ``stop`` ends it."""

    def __init__(self, served: ServedAdapter,
                 log: Callable[[str], None]) -> None:
        self._served = served
        self._max_workers = served.max_workers
        self._log = log
        self._listener: socket.socket | None = None
        #: The socket file; "" until ``start``.
        self.path = ""
        # Guards _active, _unanswered, _stopping and _connections.
        self._lock = threading.Lock()
        self._idle = threading.Condition(self._lock)
        # The calls holding a tool slot, by connection and call id; those
        # of a closed connection stay until they finish.
        self._active: dict[tuple[Connection, int], Call] = {}
        # Calls whose reply is not written yet: what a stop waits for.
        self._unanswered = 0
        self._stopping = False
        self._connections: set[Connection] = set()
        self._calls: queue.SimpleQueue[Call | None] = queue.SimpleQueue()
        self._session_requests: queue.SimpleQueue[
            tuple[Connection, Any] | None] = queue.SimpleQueue()

    @property
    def address(self) -> str:
        """``native:<absolute socket path>``, for the ready file."""
        return ADDRESS_PREFIX + self.path

    def start(self, socket_path: str) -> None:
        """Binds ``socket_path`` (a stale socket file is replaced), starts
        the tool threads and accepts connections. Raises on bind failure."""
        self.path = prepare_socket_path(socket_path)
        listener = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        try:
            listener.bind(self.path)
            listener.listen(BACKLOG)
        except OSError:
            listener.close()
            raise
        self._listener = listener
        for index in range(self._max_workers):
            _daemon(self._serve_calls, f"snakepit-tool_{index}")
        _daemon(self._serve_sessions, "snakepit-sessions")
        _daemon(self._accept, "snakepit-accept")

    def stop(self, grace: float) -> int:
        """Refuses new calls (``shutting_down``), waits up to ``grace``
        seconds for the running ones and the session requests to be
        answered, then closes the listening socket and every connection and
        removes the socket file; host calls still waiting then fail
        (``shutting_down``). Returns how many were still running
        (abandoned)."""
        deadline = time.monotonic() + grace
        with self._idle:
            self._stopping = True
            while self._unanswered:
                left = deadline - time.monotonic()
                if left <= 0:
                    break
                self._idle.wait(left)
            still_running = self._unanswered
            connections = list(self._connections)
        if self._listener is not None:
            _close(self._listener)
        for connection in connections:
            connection.close(SHUTTING_DOWN, "the worker is stopping")
        for _ in range(self._max_workers):
            self._calls.put(None)
        self._session_requests.put(None)
        if self.path:
            remove_socket_file(self.path)
        return still_running

    # Connections ---------------------------------------------------------

    def _accept(self) -> None:
        listener = self._listener
        assert listener is not None
        while True:
            try:
                sock, _ = listener.accept()
            except OSError:
                return  # closed by stop()
            connection = Connection(sock, self._served.max_message_bytes)
            with self._lock:
                if self._stopping:
                    connection.close()
                    continue
                self._connections.add(connection)
            _daemon(self._read, "snakepit-reader", connection)

    def _read(self, connection: Connection) -> None:
        """The connection's reader thread: one request at a time, until the
        end of the stream or a protocol error."""
        reader = FrameReader(connection.sock, self._served.max_message_bytes)
        handlers = {
            "execute": self._on_execute, "ping": _on_ping,
            "describe": self._on_describe, "cancel": self._on_cancel,
            "credit": self._on_credit, "host_result": self._on_host_result,
            "host_tools": _on_host_tools,
            **dict.fromkeys(SESSION_REQUESTS, self._on_session)}
        try:
            for envelope in reader.envelopes():
                kind = envelope.WhichOneof("body")
                handler = handlers.get(kind)  # type: ignore[arg-type]
                if handler is None:
                    connection.send_error(
                        envelope.call_id, INTERNAL,
                        f"the worker does not serve {kind!r} envelopes"
                        if kind else
                        "the worker does not serve empty envelopes")
                else:
                    handler(connection, envelope)
        except ProtocolError as exc:
            self._log(f"native connection closed on a protocol error: "
                      f"{type(exc).__name__}: {exc}")
        except OSError:
            pass  # closed by stop(), or reset by the host
        finally:
            connection.close()
            with self._lock:
                self._connections.discard(connection)
                streams = [call for (owner, _), call in self._active.items()
                           if owner is connection
                           and isinstance(call, StreamCall)]
            for stream in streams:
                stream.cancel()

    # Requests (on the reader thread) ----------------------------------------

    def _on_execute(self, connection: Connection, envelope: Any) -> None:
        call_id = envelope.call_id
        with self._lock:
            if self._stopping:
                refusal = (SHUTTING_DOWN, "the worker is stopping")
            elif len(self._active) >= self._max_workers:
                refusal = (POOL_SATURATED, self._served.saturated())
            elif (connection, call_id) in self._active:
                refusal = (INTERNAL, f"call id {call_id} is already in "
                           "flight on this connection")
            else:
                refusal = None
                self._unanswered += 1
                request = envelope.execute
                call = (StreamCall(connection, call_id, request,
                                   self._served.max_message_bytes)
                        if request.stream else
                        Call(connection, call_id, request))
                self._active[connection, call_id] = call
        if refusal is None:
            self._calls.put(call)
        else:
            connection.send_error(call_id, *refusal)

    def _on_session(self, connection: Connection, envelope: Any) -> None:
        """A session request, for the session thread; served while
        stopping too (like ``ping``), and waited for by a stop."""
        with self._lock:
            self._unanswered += 1
        # A close takes the state at once, in the order of the frames: a
        # call of the session read after it starts a new state.
        closing = (self._served.sessions.detach(
            envelope.close_session.session_id)
            if envelope.WhichOneof("body") == "close_session" else None)
        self._session_requests.put((connection, envelope, closing))

    def _on_describe(self, connection: Connection, envelope: Any) -> None:
        with self._lock:
            active = [str(call_id) for _, call_id in self._active]
        connection.send(Envelope(call_id=envelope.call_id,
                                 info=self._served.worker_info(active)))

    def _on_cancel(self, connection: Connection, envelope: Any) -> None:
        """The host gave up on a call. A stream stops: its generator is
        closed, no result is sent. A plain call runs at once on a free tool
        thread, so there is nothing to withdraw: its result, if it still
        comes, is dropped by the host. (Skipping calls no tool thread had
        taken yet raced with the host's view of busy slots.)"""
        stream = self._stream(connection, envelope.call_id)
        if stream is not None:
            stream.cancel()

    def _on_credit(self, connection: Connection, envelope: Any) -> None:
        """More credit for a stream; ignored once it has ended."""
        stream = self._stream(connection, envelope.call_id)
        if stream is not None:
            stream.grant(envelope.credit.chunks)

    def _on_host_result(self, connection: Connection, envelope: Any) -> None:
        """The answer to a host call, for the tool waiting for it."""
        if not connection.host_calls.settle(envelope.call_id,
                                            envelope.host_result):
            self._log(f"host_result {envelope.call_id} answers no host call "
                      "waiting on this connection; ignored")

    def _stream(self, connection: Connection,
                call_id: int) -> StreamCall | None:
        with self._lock:
            call = self._active.get((connection, call_id))
        return call if isinstance(call, StreamCall) else None

    # Tool threads -------------------------------------------------------

    def _serve_calls(self) -> None:
        take = self._calls.get
        while (call := take()) is not None:
            frame = self._reply_frame(call)
            # The slot is free before the reply leaves: a host sending its
            # next call on receipt must find it free.
            with self._lock:
                del self._active[call.connection, call.call_id]
            if frame is not None:
                call.connection.write(frame)
            self._answered()

    def _serve_sessions(self) -> None:
        take = self._session_requests.get
        while (request := take()) is not None:
            connection, envelope, closing = request
            try:
                frame = session_reply_frame(self._served, envelope, closing)
            except Exception as exc:  # noqa: BLE001 - the host needs a reply
                self._log(f"session request {envelope.call_id} failed: "
                          f"{type(exc).__name__}: {exc}")
                frame = encode(error_envelope(
                    envelope.call_id, INTERNAL, "the worker failed to "
                    f"answer: {type(exc).__name__}: {exc}"))
            connection.write(frame)
            self._answered()

    def _answered(self) -> None:
        """A reply is written (or dropped): one less for a stop to wait for."""
        with self._lock:
            self._unanswered -= 1
            if self._stopping:
                self._idle.notify_all()

    def _reply_frame(self, call: Call) -> bytes | None:
        """The frame answering ``call``: its result, ``MessageTooLarge`` in
        its place, or an ``internal`` error if the worker itself failed;
        None for a stream that was cancelled (it gets no reply). A stream
        sends its chunks on the way."""
        try:
            reply = Envelope(call_id=call.call_id)
            host = HostLink(call.connection.host_calls, call.call_id)
            if isinstance(call, StreamCall):
                if not self._served.stream(call.request, call.send_chunk,
                                           reply.result, host):
                    return None
            else:
                self._served.execute(call.request, reply.result, host)
            body = reply.SerializeToString()
            if len(body) > self._served.max_message_bytes:
                body = Envelope(call_id=call.call_id, result=(
                    self._served.too_large(
                        len(body), reply.result.execution_time_us))
                ).SerializeToString()
            return frame_of(body)
        except Exception as exc:  # noqa: BLE001 - the slot must come back
            # run_tool turns the tool's errors into values: this is the
            # worker's own failure (e.g. MemoryError while encoding).
            self._log(f"call {call.call_id} failed: "
                      f"{type(exc).__name__}: {exc}")
            return encode(error_envelope(
                call.call_id, INTERNAL,
                f"the worker failed to answer: {type(exc).__name__}: {exc}"))


def _on_host_tools(connection: Connection, envelope: Any) -> None:
    """The host tools the host offers, for ``ToolContext.host_tools``."""
    connection.host_calls.offer(envelope.host_tools)


def _on_ping(connection: Connection, envelope: Any) -> None:
    reply = Envelope(call_id=envelope.call_id)
    reply.pong.message = envelope.ping.message
    reply.pong.server_time.GetCurrentTime()
    connection.send(reply)


def _daemon(target: Callable[..., None], name: str, *args: Any) -> None:
    threading.Thread(target=target, name=name, args=args, daemon=True).start()


def _close(listener: socket.socket) -> None:
    # shutdown() wakes the thread blocked in accept(); close() alone does not.
    try:
        listener.shutdown(socket.SHUT_RDWR)
    except OSError:
        pass
    listener.close()


def start_native_server(served: ServedAdapter, socket_path: str,
                        log: Callable[[str], None]) -> NativeServer:
    """A started ``NativeServer`` on ``socket_path`` (never TCP); protocol
    errors are reported through ``log``."""
    server = NativeServer(served, log)
    server.start(socket_path)
    return server
