"""Test fixture: results of a chosen size, for the message-limit tests.

``BlobAdapter.blob(mb)`` returns a string of ``mb`` MiB (``mb`` may be a
fraction), so that a small request gets a large reply. Exists only for
tests.
"""

from __future__ import annotations

from typing import Any

from snakepit_bridge.adapter import BaseAdapter, tool

MIB = 1024 * 1024


class BlobAdapter(BaseAdapter):
    """Answers with as many bytes as asked for."""

    __thread_safe__ = True

    @tool
    def blob(self, mb: Any) -> str:
        """A string of ``mb`` MiB of "x"."""
        return "x" * int(float(mb) * MIB)

    @tool
    def ping(self) -> str:
        """"pong", to show the worker still serves."""
        return "pong"
