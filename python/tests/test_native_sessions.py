"""Sessions on the native transport: ``context.session`` across calls, and
the ``close_session``, ``snapshot_session`` and ``restore_session`` frames,
against in-process servers on real unix sockets."""

from __future__ import annotations

import json
import threading
import time
from typing import Any, Callable

import pytest

from native_client import (
    NativeClient,
    close_session,
    describe,
    execute,
    in_session,
    restore_session,
    result_of,
    snapshot_session,
)
from snakepit_bridge import ToolContext, tool
from snakepit_bridge._proto.native_pb2 import Envelope, SessionState
from snakepit_bridge.adapters.session_counter import SessionCounterAdapter
from snakepit_bridge.adapters.showcase import ShowcaseAdapter

Serve = Callable[..., NativeClient]


class BlobAdapter(SessionCounterAdapter):
    """Sessions holding bytes, snapshot raw; a blob b"raise" makes the
    hooks raise, a session marked ``unserializable`` snapshots a set."""

    @tool
    def set_blob(self, text: str = "", size: int = 0, *,
                 context: ToolContext) -> None:
        context.session["blob"] = text.encode() or b"x" * size

    @tool
    def get_blob(self, context: ToolContext) -> dict[str, str]:
        blob = context.session.get("blob", b"")
        return {"text": blob.decode(), "type": type(blob).__name__}

    @tool
    def unserializable(self, context: ToolContext) -> None:
        context.session["set"] = True

    def snapshot_session(self, session_id: str, state: Any) -> Any:
        if state.get("set"):
            return {1, 2}
        if state.get("blob") == b"raise":
            raise RuntimeError("cannot snapshot this blob")
        return bytearray(state.get("blob", b""))

    def restore_session(self, session_id: str, snapshot: Any) -> Any:
        if snapshot == b"raise":
            raise RuntimeError("cannot restore this blob")
        return {"blob": snapshot}


class BlockingAdapter(SessionCounterAdapter):
    """``block`` holds its tool slot until the test sets ``release``."""

    def __init__(self) -> None:
        super().__init__()
        self.release = threading.Event()

    @tool
    def block(self) -> bool:
        return self.release.wait(30)


@pytest.fixture
def serve(native_server: Callable[..., Any]) -> Serve:
    """``serve(adapter, max_workers=1, max_message_bytes=...)``: a client
    of a new in-process server (conftest's ``native_server``)."""

    def start(adapter: Any, max_workers: int = 1,
              **limits: Any) -> NativeClient:
        return native_server(adapter, max_workers, **limits).client

    return start


def call_in(client: NativeClient, session_id: str, call_id: int, tool_name: str,
            **arguments: Any) -> Any:
    """The result of ``tool_name`` called in session ``session_id``."""
    return result_of(client.call(in_session(
        session_id, execute(call_id, tool_name, **arguments))))


def total(client: NativeClient, session_id: str, amount: int | None = None,
          call_id: int = 500) -> int:
    """The session's total after ``session_add(amount)``, or
    ``session_peek`` without an amount."""
    if amount is None:
        return call_in(client, session_id, call_id, "session_peek")["total"]
    return call_in(client, session_id, call_id, "session_add",
                   amount=amount)["total"]


def error_of(reply: Envelope) -> tuple[str, str]:
    assert reply.WhichOneof("body") == "error", reply
    return reply.error.category, reply.error.message


def closed_sessions(client: NativeClient) -> list[str]:
    return result_of(client.call(execute(900, "closed_sessions")))


def test_a_session_keeps_its_state_apart_from_the_others(serve: Serve) -> None:
    client = serve(ShowcaseAdapter())
    assert total(client, "a") == 0
    assert total(client, "a", 2) == 2
    assert total(client, "b", 5) == 5
    assert total(client, "a", 3) == 5
    reply = call_in(client, "b", 1, "session_add")
    assert reply == {"total": 6, "pid": reply["pid"]}
    assert total(client, "b") == 6


def test_a_call_without_a_session_cannot_use_one(serve: Serve) -> None:
    client = serve(ShowcaseAdapter())
    failed = client.call(execute(1, "session_add")).result
    assert not failed.success
    assert (failed.error.category, failed.error.type) == (
        "python_error", "NoSessionError")
    assert "'session_add' uses context.session, but the call has no " \
        "session id" in failed.error.message


def test_close_runs_the_hook_and_drops_the_state(serve: Serve) -> None:
    client = serve(SessionCounterAdapter())
    assert total(client, "s", 4) == 4
    closed = client.call(close_session(1, "s"))
    assert closed.call_id == 1 and closed.WhichOneof("body") == \
        "session_closed"
    assert (closed.session_closed.success,
            closed.session_closed.resources_cleaned) == (True, 1)
    assert closed_sessions(client) == ["s"]
    again = client.call(close_session(2, "s"))
    assert again.WhichOneof("body") == "session_closed"
    assert (again.session_closed.success,
            again.session_closed.resources_cleaned) == (False, 0)
    assert client.call(close_session(3, "never")).session_closed.success \
        is False
    assert closed_sessions(client) == ["s"]
    assert total(client, "s") == 0


def test_a_json_snapshot_moves_a_session_to_another_worker(
        serve: Serve) -> None:
    old, new = serve(SessionCounterAdapter()), serve(SessionCounterAdapter())
    assert total(old, "s", 7) == 7
    reply = old.call(snapshot_session(1, "s"))
    assert reply.WhichOneof("body") == "session_state"
    state = reply.session_state
    assert state.session_id == "s" and state.WhichOneof("value") == "json"
    assert json.loads(state.json) == {"total": 7}
    assert total(old, "s") == 7, "a snapshot keeps the session"

    restored = new.call(restore_session(2, state))
    assert (restored.call_id, restored.WhichOneof("body")) == (
        2, "session_restored")
    assert total(new, "s", 1) == 8
    assert closed_sessions(new) == []


def test_a_binary_snapshot_travels_raw(serve: Serve) -> None:
    old, new = serve(BlobAdapter()), serve(BlobAdapter())
    call_in(old, "s", 1, "set_blob", text="\x00raw\xff")
    state = old.call(snapshot_session(2, "s")).session_state
    assert state.WhichOneof("value") == "binary"
    assert state.binary == "\x00raw\xff".encode()
    assert new.call(restore_session(3, state)).WhichOneof("body") == \
        "session_restored"
    assert call_in(new, "s", 4, "get_blob") == {"text": "\x00raw\xff",
                                                "type": "bytes"}


def test_a_session_without_state_snapshots_as_its_id_only(
        serve: Serve) -> None:
    client = serve(SessionCounterAdapter())
    reply = client.call(snapshot_session(1, "unknown"))
    assert reply.WhichOneof("body") == "session_state"
    assert reply.session_state.session_id == "unknown"
    assert reply.session_state.WhichOneof("value") is None


def test_restoring_an_empty_state_forgets_the_session(serve: Serve) -> None:
    client = serve(SessionCounterAdapter())
    assert total(client, "s", 3) == 3
    reply = client.call(restore_session(1, SessionState(session_id="s")))
    assert reply.WhichOneof("body") == "session_restored"
    assert client.call(snapshot_session(2, "s")).session_state.WhichOneof(
        "value") is None
    assert closed_sessions(client) == [], "forgetting is no close"
    assert total(client, "s") == 0


def test_an_adapter_without_the_hooks_cannot_snapshot(serve: Serve) -> None:
    client = serve(ShowcaseAdapter())
    assert total(client, "s", 1) == 1
    for reply in (client.call(snapshot_session(1, "s")),
                  client.call(restore_session(
                      2, SessionState(session_id="s", json=b"{}")))):
        category, message = error_of(reply)
        assert category == "unsupported"
        assert "ShowcaseAdapter" in message
        assert "snapshot_session and restore_session" in message
    assert total(client, "s") == 1
    assert client.call(close_session(3, "s")).session_closed.success


def test_a_hook_that_raises_is_a_python_error(serve: Serve) -> None:
    client = serve(BlobAdapter())
    call_in(client, "s", 1, "set_blob", text="raise")
    assert error_of(client.call(snapshot_session(2, "s"))) == (
        "python_error", "snapshot_session of session 's' raised "
        "RuntimeError: cannot snapshot this blob")
    assert error_of(client.call(restore_session(
        3, SessionState(session_id="t", binary=b"raise")))) == (
        "python_error", "restore_session of session 't' raised "
        "RuntimeError: cannot restore this blob")
    counter = serve(SessionCounterAdapter())
    category, message = error_of(counter.call(restore_session(
        4, SessionState(session_id="s", binary=b"7"))))
    assert category == "python_error"
    assert 'TypeError: a session_counter snapshot is {"total": <int>}, got ' \
        "a bytes" in message
    assert call_in(client, "s", 5, "get_blob")["text"] == "raise"


def test_a_snapshot_json_cannot_hold_is_a_python_error(serve: Serve) -> None:
    client = serve(BlobAdapter())
    call_in(client, "s", 1, "unserializable")
    category, message = error_of(client.call(snapshot_session(2, "s")))
    assert category == "python_error"
    assert message.startswith("TypeError: the snapshot of session 's' is "
                              "not JSON-serializable (set)")


def test_a_snapshot_that_is_not_json_is_refused(serve: Serve) -> None:
    client = serve(SessionCounterAdapter())
    category, message = error_of(client.call(restore_session(
        1, SessionState(session_id="s", json=b"{not json"))))
    assert category == "invalid_arguments"
    assert "the snapshot of session 's' is not valid JSON" in message
    assert error_of(client.call(restore_session(
        2, SessionState(json=b"{}"))))[0] == "invalid_arguments"


def test_a_snapshot_over_the_limit_is_message_too_large(serve: Serve) -> None:
    limit = 64 * 1024
    client = serve(BlobAdapter(), max_message_bytes=limit)
    call_in(client, "big", 1, "set_blob", size=limit)
    category, message = error_of(client.call(snapshot_session(2, "big")))
    assert category == "message_too_large"
    assert message.startswith("the snapshot of session 'big' is ")
    assert f"({limit} bytes)" in message and "max_message_mb" in message
    call_in(client, "small", 3, "set_blob", size=limit - 100)
    assert len(client.call(snapshot_session(4, "small")).session_state
               .binary) == limit - 100


def test_many_sessions_at_once_keep_their_totals(serve: Serve) -> None:
    """Four tool threads, eight sessions, calls of one session running
    together: every total comes out right."""
    client = serve(SessionCounterAdapter(), max_workers=4)
    sessions = [f"s{i}" for i in range(8)]
    calls = [(sessions[n % 8], n % 5 + 1) for n in range(200)]
    in_flight: set[int] = set()
    for call_id, (session, amount) in enumerate(calls):
        if len(in_flight) == 4:
            done = client.receive()
            assert result_of(done)["total"] > 0
            in_flight.remove(done.call_id)
        client.send(in_session(session, execute(call_id, "session_add",
                                                amount=amount)))
        in_flight.add(call_id)
    for call_id in in_flight:
        result_of(client.receive(call_id))
    for session in sessions:
        expected = sum(amount for name, amount in calls if name == session)
        assert total(client, session) == expected


def test_session_requests_are_served_while_every_slot_is_busy(
        serve: Serve) -> None:
    adapter = BlockingAdapter()
    client = serve(adapter, max_workers=2)
    assert total(client, "s", 2) == 2
    client.send(execute(1, "block"), execute(2, "block"))
    try:
        deadline = time.monotonic() + 10
        while client.call(describe(3)).info.busy_slots < 2:
            assert time.monotonic() < deadline, "the calls never ran"
            time.sleep(0.005)
        state = client.call(snapshot_session(4, "s")).session_state
        assert json.loads(state.json) == {"total": 2}
        assert client.call(restore_session(5, state)).WhichOneof("body") \
            == "session_restored"
        assert client.call(close_session(6, "s")).session_closed.success
        assert client.call(describe(7)).info.busy_slots == 2
    finally:
        adapter.release.set()
    assert result_of(client.receive(1)) is True
    assert result_of(client.receive(2)) is True


def test_describe_reports_the_snapshot_capability(serve: Serve) -> None:
    assert serve(SessionCounterAdapter()).call(
        describe(1)).info.session_snapshots is True
    assert serve(ShowcaseAdapter()).call(
        describe(1)).info.session_snapshots is False
