"""Test fixture: an adapter whose ``close_session`` records whether a call
of the session was still running when it ran.

``SessionHooksAdapter`` is the ``session_counter`` adapter (``session_add``,
``closed_sessions``, ...) plus ``hold(ms)``, a call of a session that
marks the session's state as running for ``ms`` milliseconds, and
``closes()``, one ``{"session", "running"}`` record per ``close_session``
in order: ``running`` is the number of calls of that state still running
when the hook ran. ``slow_snapshot(ms)`` makes the session's
``snapshot_session`` take ``ms`` milliseconds. Exists only for tests.
"""

from __future__ import annotations

import time
from typing import Any

from snakepit_bridge import ToolContext
from snakepit_bridge.adapter import tool
from snakepit_bridge.adapters.session_counter import SessionCounterAdapter


class SessionHooksAdapter(SessionCounterAdapter):
    """See the module docstring."""

    def __init__(self) -> None:
        super().__init__()
        self._closes: list[dict[str, Any]] = []

    @tool
    def hold(self, ms: Any = 100, *, context: ToolContext) -> int:
        """Runs ``ms`` milliseconds as a call of the session; returns the
        session's total."""
        state = context.session
        with self.lock("sessions"):
            state["running"] = state.get("running", 0) + 1
        try:
            time.sleep(float(ms) / 1000.0)
        finally:
            with self.lock("sessions"):
                state["running"] -= 1
        return int(state.get("total", 0))

    @tool
    def slow_snapshot(self, ms: Any = 1000, *, context: ToolContext) -> None:
        """Makes the session's snapshot take ``ms`` milliseconds."""
        context.session["snapshot_ms"] = float(ms)

    def snapshot_session(self, session_id: str,
                         state: dict[str, Any]) -> dict[str, int]:
        """The counter's snapshot, after the delay ``slow_snapshot`` set."""
        time.sleep(state.get("snapshot_ms", 0) / 1000.0)
        return super().snapshot_session(session_id, state)

    def close_session(self, session_id: str, state: dict[str, int]) -> None:
        """Records the close and the calls of the state still running."""
        super().close_session(session_id, state)
        with self.lock("sessions"):
            self._closes.append({"session": session_id,
                                 "running": state.get("running", 0)})

    @tool
    def closes(self) -> list[dict[str, Any]]:
        """The closes on this worker, in order (see the module docstring)."""
        with self.lock("sessions"):
            return list(self._closes)
