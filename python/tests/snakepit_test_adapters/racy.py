"""Test fixture: an adapter with a data race, for the thread-safety checker.

``RacyAdapter`` declares no ``__thread_safe__`` (so a thread-profile worker
warns at startup) and has a ``not_thread_safe`` tool, ``bump(ms)``, that
reads a shared counter, sleeps ``ms`` milliseconds and writes it back plus
one: two overlapping calls lose an update. With ``--thread-safety-checks``
the worker reports the overlap. Exists only for tests.
"""

from __future__ import annotations

import threading
import time
from typing import Any

from snakepit_bridge.adapter import BaseAdapter, tool
from snakepit_bridge.thread_safety import not_thread_safe, thread_safe_method


class RacyAdapter(BaseAdapter):
    """A counter whose ``bump`` is an unguarded read-modify-write."""

    def __init__(self) -> None:
        self.value = 0

    @tool
    @not_thread_safe
    def bump(self, ms: Any = 50) -> dict[str, Any]:
        """value = value + 1, with a ``ms`` sleep between read and write."""
        seen = self.value
        time.sleep(float(ms) / 1000.0)
        self.value = seen + 1
        return {"value": self.value, "seen": seen,
                "thread": threading.current_thread().name}

    @tool
    def read(self) -> int:
        """The counter (a single read: harmless, but undeclared)."""
        return self.value

    @tool
    @thread_safe_method
    def ping(self) -> str:
        """Returns "pong"; marked safe, so the checker never watches it."""
        return "pong"
