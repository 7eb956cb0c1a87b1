"""SessionStore and ToolContext.session in-process: creation, close,
snapshot, restore, and the adapter's hooks."""

from __future__ import annotations

import threading
import time
from typing import Any

import pytest

from snakepit_bridge import BaseAdapter, ToolContext
from snakepit_bridge.sessions import (
    NoSessionError,
    SessionFailure,
    SessionStore,
    Snapshot,
    missing_snapshot_hooks,
    supports_snapshots,
)


class Plain(BaseAdapter):
    """No session hooks."""


class Hooked(BaseAdapter):
    """Every hook, recording its calls; ``fail`` names the hooks that
    raise."""

    def __init__(self) -> None:
        self.calls: list[tuple[str, str, Any]] = []
        self.fail: set[str] = set()
        self._guard = threading.Lock()

    def _record(self, hook: str, session_id: str, value: Any) -> None:
        with self._guard:
            self.calls.append((hook, session_id, value))
        if hook in self.fail:
            raise ValueError(f"{hook} refuses {session_id}")

    def create_session(self, session_id: str) -> dict[str, Any]:
        self._record("create", session_id, None)
        time.sleep(0.02)  # room for a racing first access
        return {"id": session_id}

    def close_session(self, session_id: str, state: Any) -> None:
        self._record("close", session_id, state)

    def snapshot_session(self, session_id: str, state: Any) -> Any:
        self._record("snapshot", session_id, state)
        return {"copy": dict(state)}

    def restore_session(self, session_id: str, snapshot: Any) -> Any:
        self._record("restore", session_id, snapshot)
        return {"restored": snapshot}


class HalfHooked(BaseAdapter):
    """Snapshots, but cannot restore."""

    def snapshot_session(self, session_id: str, state: Any) -> Any:
        return 1


def hooks_called(adapter: Hooked, hook: str) -> list[tuple[str, Any]]:
    return [(sid, value) for name, sid, value in adapter.calls if name == hook]


def test_a_state_is_made_on_first_access_and_kept() -> None:
    store = SessionStore(Plain())
    first = store.state("a")
    assert first == {}
    first["n"] = 1
    assert store.state("a") is first
    assert store.state("b") == {} and store.state("b") is not first


def test_create_session_makes_the_state_once_under_racing_accesses() -> None:
    adapter = Hooked()
    store = SessionStore(adapter)
    barrier = threading.Barrier(8)
    seen: list[Any] = []

    def access() -> None:
        barrier.wait()
        seen.append(store.state("s"))

    threads = [threading.Thread(target=access) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert hooks_called(adapter, "create") == [("s", None)]
    assert len(seen) == 8 and all(state is seen[0] for state in seen)
    assert seen[0] == {"id": "s"}


def test_a_failed_create_keeps_nothing_and_is_tried_again() -> None:
    adapter = Hooked()
    adapter.fail = {"create"}
    store = SessionStore(adapter)
    with pytest.raises(ValueError, match="create refuses s"):
        store.state("s")
    assert store.close("s") is False
    adapter.fail = set()
    assert store.state("s") == {"id": "s"}
    assert len(hooks_called(adapter, "create")) == 2


def test_context_session_needs_a_session_id_and_a_store() -> None:
    store = SessionStore(Plain())
    assert ToolContext(session_id="s", sessions=store).session is \
        store.state("s")
    with pytest.raises(NoSessionError, match="'t' uses context.session, but "
                       "the call has no session id"):
        _ = ToolContext(tool_name="t", sessions=store).session
    with pytest.raises(NoSessionError, match="no session store"):
        _ = ToolContext(session_id="s", tool_name="t").session


def test_close_runs_the_hook_and_drops_the_state() -> None:
    adapter = Hooked()
    store = SessionStore(adapter)
    state = store.state("s")
    assert store.close("s") is True
    assert hooks_called(adapter, "close") == [("s", state)]
    assert store.close("s") is False
    assert store.close("never") is False
    assert len(hooks_called(adapter, "close")) == 1
    assert store.state("s") is not state


def test_a_failing_close_hook_is_logged_and_the_session_closed(
        capsys: pytest.CaptureFixture[str]) -> None:
    adapter = Hooked()
    adapter.fail = {"close"}
    store = SessionStore(adapter)
    store.state("s")
    assert store.close("s") is True
    err = capsys.readouterr().err
    assert "close_session of session 's' failed" in err
    assert "ValueError: close refuses s" in err
    assert store.close("s") is False


def test_close_without_a_hook_drops_the_state() -> None:
    store = SessionStore(Plain())
    store.state("s")["n"] = 1
    assert store.close("s") is True
    assert store.state("s") == {}


def test_snapshot_and_restore_need_both_hooks() -> None:
    assert missing_snapshot_hooks(Plain()) == ["snapshot_session",
                                               "restore_session"]
    assert missing_snapshot_hooks(HalfHooked()) == ["restore_session"]
    assert not supports_snapshots(HalfHooked())
    assert supports_snapshots(Hooked()) and SessionStore(
        Hooked()).supports_snapshots
    store = SessionStore(HalfHooked())
    store.state("s")
    for attempt in (lambda: store.snapshot("s"),
                    lambda: store.restore("s", 1),
                    lambda: store.forget("s")):
        with pytest.raises(SessionFailure) as info:
            attempt()
        assert info.value.category == "unsupported"
        assert "HalfHooked" in info.value.message
        assert "does not define restore_session" in info.value.message


def test_snapshot_gives_the_hooks_value_and_keeps_the_session() -> None:
    adapter = Hooked()
    store = SessionStore(adapter)
    assert store.snapshot("s") is None
    state = store.state("s")
    assert store.snapshot("s") == Snapshot({"copy": {"id": "s"}})
    assert hooks_called(adapter, "snapshot") == [("s", state)]
    assert store.state("s") is state


def test_a_failing_snapshot_hook_is_a_python_error(
        capsys: pytest.CaptureFixture[str]) -> None:
    adapter = Hooked()
    adapter.fail = {"snapshot"}
    store = SessionStore(adapter)
    store.state("s")
    with pytest.raises(SessionFailure) as info:
        store.snapshot("s")
    assert (info.value.category, info.value.message) == (
        "python_error",
        "snapshot_session of session 's' raised ValueError: snapshot "
        "refuses s")
    assert "Traceback" in capsys.readouterr().err


def test_restore_replaces_the_state_without_closing_it() -> None:
    adapter = Hooked()
    store = SessionStore(adapter)
    store.state("s")
    store.restore("s", b"raw")
    assert store.state("s") == {"restored": b"raw"}
    assert hooks_called(adapter, "restore") == [("s", b"raw")]
    assert hooks_called(adapter, "close") == []
    store.restore("new", [1, 2])
    assert store.state("new") == {"restored": [1, 2]}


def test_a_failing_restore_leaves_the_state_as_it_was() -> None:
    adapter = Hooked()
    store = SessionStore(adapter)
    state = store.state("s")
    adapter.fail = {"restore"}
    with pytest.raises(SessionFailure) as info:
        store.restore("s", 1)
    assert info.value.category == "python_error"
    assert "restore_session of session 's' raised ValueError" in \
        info.value.message
    assert store.state("s") is state


def test_restore_needs_a_session_id() -> None:
    with pytest.raises(SessionFailure) as info:
        SessionStore(Hooked()).restore("", 1)
    assert info.value.category == "invalid_arguments"


def test_forget_drops_the_state_without_closing_it() -> None:
    adapter = Hooked()
    store = SessionStore(adapter)
    state = store.state("s")
    store.forget("s")
    store.forget("never")
    assert hooks_called(adapter, "close") == []
    assert store.snapshot("s") is None
    assert store.state("s") is not state
