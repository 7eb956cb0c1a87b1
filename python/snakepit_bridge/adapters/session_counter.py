"""SessionCounterAdapter: the showcase with every session hook.

Its sessions can move between workers: ``snapshot_session`` gives a
session's total as JSON (``{"total": n}``) and ``restore_session`` takes it
back, so the host can carry sessions over to a replacement worker.
``create_session`` starts a session at a total of 0; ``close_session``
records the session's id, and the tool ``closed_sessions`` returns the ids
closed on this worker, in order: a host's test learns from it that a close
or an expiry reached Python. Every showcase tool is inherited
(``session_add``, ``session_peek``, ``sleep``, ``crash``, ...).
"""

from __future__ import annotations

from typing import Any

from snakepit_bridge.adapter import tool
from snakepit_bridge.adapters.showcase import ShowcaseAdapter


class SessionCounterAdapter(ShowcaseAdapter):
    """Showcase tools plus session hooks; see the module docstring."""

    def __init__(self) -> None:
        super().__init__()
        self._closed: list[str] = []

    def create_session(self, session_id: str) -> dict[str, int]:
        """A new session's state: a total of 0."""
        return {"total": 0}

    def close_session(self, session_id: str, state: dict[str, int]) -> None:
        """Records ``session_id`` for ``closed_sessions``."""
        with self.lock("sessions"):
            self._closed.append(session_id)

    def snapshot_session(self, session_id: str,
                         state: dict[str, int]) -> dict[str, int]:
        """``{"total": n}``, the session's total."""
        with self.lock("sessions"):
            return {"total": state.get("total", 0)}

    def restore_session(self, session_id: str, snapshot: Any) -> dict[str, int]:
        """The state of a ``{"total": n}`` snapshot; TypeError for anything
        else."""
        total = snapshot.get("total") if isinstance(snapshot, dict) else None
        if isinstance(total, bool) or not isinstance(total, int):
            raise TypeError('a session_counter snapshot is {"total": <int>}, '
                            f"got a {type(snapshot).__name__}")
        return {"total": total}

    @tool
    def closed_sessions(self) -> list[str]:
        """The ids of the sessions closed on this worker, in order."""
        with self.lock("sessions"):
            return list(self._closed)
