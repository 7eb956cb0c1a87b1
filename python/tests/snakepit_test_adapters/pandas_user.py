"""Test fixture: an adapter module that imports a library the compatibility
matrix lists as not thread-safe.

pandas itself is not installed everywhere, so it uses ``sqlite3`` (stdlib,
``not_thread_safe`` in ``snakepit_bridge.compat.MATRIX``). A thread-profile
worker serving it writes a ``snakepit-warning: `` line about sqlite3 and
lists it in the ready file's ``warnings``; a process-profile worker does not.
The adapter itself uses sqlite3 correctly (one connection per thread), so it
declares ``__thread_safe__ = True``. Exists only for tests.
"""

from __future__ import annotations

import sqlite3
import threading
from typing import Any

from snakepit_bridge.adapter import tool
from snakepit_bridge.thread_safety import ThreadSafeAdapter


class PandasUserAdapter(ThreadSafeAdapter):
    """Computes with sqlite3 on a connection per serving thread."""

    def _connection(self) -> sqlite3.Connection:
        connection = getattr(self.local, "connection", None)
        if connection is None:
            connection = self.local.connection = sqlite3.connect(":memory:")
        return connection

    @tool
    def square(self, x: Any) -> dict[str, Any]:
        """x * x computed by SQLite, with the serving thread's name."""
        (value,) = self._connection().execute("SELECT ? * ?", (x, x)).fetchone()
        return {"value": value, "thread": threading.current_thread().name}

    @tool
    def sqlite_version(self) -> str:
        """The SQLite library version."""
        return sqlite3.sqlite_version
