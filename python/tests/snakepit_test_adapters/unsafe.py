"""Test fixture: an adapter that declares ``__thread_safe__ = False``.

A worker with ``--max-workers 1`` serves it; with more it fails at stage
"init" with ``ThreadSafetyError`` and exits with code 3. Exists only for
tests.
"""

from __future__ import annotations

from snakepit_bridge.adapter import BaseAdapter, tool


class UnsafeAdapter(BaseAdapter):
    """Declares itself unsafe for the thread profile."""

    __thread_safe__ = False

    @tool
    def ping(self) -> str:
        """Returns "pong"."""
        return "pong"
