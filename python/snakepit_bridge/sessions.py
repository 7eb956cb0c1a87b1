"""Per-worker session state: ``SessionStore`` and the adapter's session hooks.

The host decides which worker serves a session; a worker only keeps the
state of each session it has served, created on the first access to
``ToolContext.session`` in a call of that session. The state is whatever
the adapter's ``create_session`` returns (a new ``dict`` without it), and
lives until the host closes the session (``close_session`` frame,
``CleanupSession`` rpc) or restores another state over it.

Threads: calls run at once in the thread profile, and two calls of one
session may run at once on one worker. The store guards its map and makes
sure ``create_session`` runs once per session; the state itself is the
adapter's to guard (e.g. ``self.lock(...)`` of a ``ThreadSafeAdapter``).
The host sends close, snapshot and restore only for a session with no call
running, so they do not wait for its calls.
"""

from __future__ import annotations

import sys
import threading
import traceback
from dataclasses import dataclass
from typing import Any, Callable

from snakepit_bridge.errors import INVALID_ARGUMENTS, PYTHON_ERROR, UNSUPPORTED

#: Hooks an adapter defines to let its sessions move between workers.
SNAPSHOT_HOOKS = ("snapshot_session", "restore_session")

#: A session without state (``None`` is a valid state).
_ABSENT: Any = object()


class NoSessionError(RuntimeError):
    """``ToolContext.session`` was used on a call that cannot have one."""


class SessionFailure(Exception):
    """A session request that could not be served, as the ``FrameError``
    the host receives."""

    def __init__(self, category: str, message: str) -> None:
        super().__init__(category, message)
        #: The ``FrameError`` category, e.g. ``UNSUPPORTED``.
        self.category = category
        #: What went wrong, in words the host can show.
        self.message = message


@dataclass(frozen=True)
class Snapshot:
    """What the adapter's ``snapshot_session`` returned for a session."""

    value: Any


def missing_snapshot_hooks(adapter: object) -> list[str]:
    """The names in ``SNAPSHOT_HOOKS`` that ``adapter`` does not define."""
    return [name for name in SNAPSHOT_HOOKS
            if not callable(getattr(adapter, name, None))]


def supports_snapshots(adapter: object) -> bool:
    """Whether ``adapter`` can snapshot and restore sessions (the
    ``session_snapshots`` capability): it defines both hooks."""
    return not missing_snapshot_hooks(adapter)


class _Entry:
    """One session's state; ``lock`` makes its creation happen once."""

    __slots__ = ("lock", "state")

    def __init__(self, state: Any = _ABSENT) -> None:
        self.lock = threading.Lock()
        self.state = state


class SessionStore:
    """The states of the sessions a worker holds, by session id.

    Thread-safe: see the module docstring for what it guards and what the
    adapter guards. Hooks other than ``create_session`` run without any of
    the store's locks held.
    """

    def __init__(self, adapter: object) -> None:
        self._adapter = adapter
        self._lock = threading.Lock()  # guards _entries
        self._entries: dict[str, _Entry] = {}

    @property
    def supports_snapshots(self) -> bool:
        """Whether the adapter defines both snapshot hooks."""
        return supports_snapshots(self._adapter)

    def state(self, session_id: str) -> Any:
        """The state of ``session_id``, created on first access: the
        adapter's ``create_session(session_id)``, else a new ``dict``. An
        exception of ``create_session`` propagates and no state is kept, so
        the next access tries again."""
        with self._lock:
            entry = self._entries.get(session_id)
            if entry is None:
                entry = self._entries[session_id] = _Entry()
        with entry.lock:
            if entry.state is _ABSENT:
                create = getattr(self._adapter, "create_session", None)
                entry.state = create(session_id) if callable(create) else {}
            return entry.state

    def close(self, session_id: str) -> bool:
        """Ends ``session_id``: drops its state and runs the adapter's
        ``close_session(session_id, state)``. Returns whether there was a
        state. An exception of the hook is written to stderr, not raised:
        the session is closed either way."""
        return self.detach(session_id)()

    def detach(self, session_id: str) -> Callable[[], bool]:
        """Takes ``session_id``'s state out of the store now, so that a
        call of the session from here on starts a new one, and returns the
        rest of the close (``close``'s hook and result) to run later. The
        native reader detaches as it reads a ``close_session``, so that the
        close keeps its place among the connection's frames while its hook
        runs on the session thread."""
        state = self._take(session_id)
        return lambda: self._finish_close(session_id, state)

    def _finish_close(self, session_id: str, state: Any) -> bool:
        """``close_session`` on ``state`` taken from ``session_id``."""
        if state is _ABSENT:
            return False
        hook = getattr(self._adapter, "close_session", None)
        if callable(hook):
            try:
                hook(session_id, state)
            except (Exception, SystemExit):  # noqa: BLE001 - logged
                print(f"snakepit: close_session of session {session_id!r} "
                      "failed:\n" + traceback.format_exc(),
                      file=sys.stderr, flush=True)
        return True

    def snapshot(self, session_id: str) -> Snapshot | None:
        """The adapter's ``snapshot_session(session_id, state)``; None when
        the session has no state here. The session keeps its state. Raises
        ``SessionFailure``: ``UNSUPPORTED`` when the adapter lacks a
        snapshot hook, ``python_error`` when the hook raises."""
        self._require_hooks("snapshot")
        with self._lock:
            entry = self._entries.get(session_id)
        if entry is None:
            return None
        with entry.lock:
            state = entry.state
        if state is _ABSENT:
            return None
        return Snapshot(self._run_hook("snapshot_session", session_id, state))

    def restore(self, session_id: str, snapshot: Any) -> None:
        """Makes the adapter's ``restore_session(session_id, snapshot)`` the
        state of ``session_id``. A state it replaces is dropped without
        ``close_session``: the session goes on. Raises ``SessionFailure``
        like ``snapshot`` (the state is then left as it was), and
        ``invalid_arguments`` for an empty session id."""
        self._require_hooks("restore")
        if not session_id:
            raise SessionFailure(INVALID_ARGUMENTS,
                                 "cannot restore a session without an id")
        state = self._run_hook("restore_session", session_id, snapshot)
        with self._lock:
            self._entries[session_id] = _Entry(state)

    def forget(self, session_id: str) -> None:
        """Restores "no state" for ``session_id``: its state, if any, is
        dropped without ``close_session``. Raises ``SessionFailure``
        ``UNSUPPORTED`` like ``restore``, for one rule on what an adapter
        without the hooks serves."""
        self._require_hooks("restore")
        self._take(session_id)

    def _take(self, session_id: str) -> Any:
        """Removes ``session_id`` and returns its state (or ``_ABSENT``)."""
        with self._lock:
            entry = self._entries.pop(session_id, None)
        if entry is None:
            return _ABSENT
        with entry.lock:
            return entry.state

    def _require_hooks(self, action: str) -> None:
        missing = missing_snapshot_hooks(self._adapter)
        if missing:
            raise SessionFailure(
                UNSUPPORTED,
                f"the adapter {type(self._adapter).__qualname__} cannot "
                f"{action} sessions: it does not define "
                f"{' and '.join(missing)}")

    def _run_hook(self, name: str, session_id: str, value: Any) -> Any:
        """The adapter's hook ``name`` on (``session_id``, ``value``); its
        exception becomes a ``python_error``, its traceback goes to stderr."""
        try:
            return getattr(self._adapter, name)(session_id, value)
        except (Exception, SystemExit) as exc:
            print(f"snakepit: {name} of session {session_id!r} failed:\n"
                  + traceback.format_exc(), file=sys.stderr, flush=True)
            raise SessionFailure(
                PYTHON_ERROR,
                f"{name} of session {session_id!r} raised "
                f"{type(exc).__name__}: {exc}") from exc

