"""Bench fixture: a module that holds a large read-only table from import on.

Importing it builds ``BALLAST``, ``SNAKEPIT_BALLAST_MB`` MiB (default 50)
of a repeating byte pattern: real data, so its pages are resident (a
``bytes(n)`` of zeros would not be), as the tables of a heavy library
are. ``snakepit_workers_bench --only preload`` compares the memory of
pools of this adapter started the plain way, forked, and forked from a fork
server that preloaded this module (where the pages are shared). Exists
only for tests and benchmarks.
"""

from __future__ import annotations

import os

from snakepit_bridge.adapter import BaseAdapter, tool

MIB = 1024 * 1024
#: The pattern repeated: every byte value once.
_PATTERN = bytes(range(256))
#: The read-only table, built at import.
BALLAST = _PATTERN * (int(os.environ.get("SNAKEPIT_BALLAST_MB", "50"))
                      * MIB // len(_PATTERN))


class BallastAdapter(BaseAdapter):
    """Carries the table and says how large it is."""

    __thread_safe__ = True

    @tool
    def ballast_mb(self) -> float:
        """Size of the table, MiB."""
        return len(BALLAST) / MIB
