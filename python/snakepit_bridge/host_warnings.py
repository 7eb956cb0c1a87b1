"""Warnings for the host: one stderr line each, prefixed ``snakepit-warning: ``.

The host's process layer logs every output line of a worker; a line that
starts with exactly ``WARNING_PREFIX`` is logged at warn level (without the
prefix), tagged with the worker. A warning therefore never spans lines:
``one_line`` folds multi-line text (e.g. a stack) into one line with `` | ``
between the parts.
"""

from __future__ import annotations

import sys
import threading
from typing import TextIO

#: Start of every warning line; the host matches it exactly.
WARNING_PREFIX = "snakepit-warning: "

_write_lock = threading.Lock()


def one_line(text: str) -> str:
    """``text`` on one line: its non-blank lines, stripped, joined by `` | ``."""
    parts = [part.strip() for part in str(text).splitlines()]
    return " | ".join(part for part in parts if part)


def emit_warning(text: str, stream: TextIO | None = None) -> str:
    """Writes ``WARNING_PREFIX + one_line(text)`` as one line (default: stderr)
    and returns the line without its newline. Safe to call from any thread."""
    line = WARNING_PREFIX + one_line(text)
    out = sys.stderr if stream is None else stream
    with _write_lock:
        out.write(line + "\n")
        out.flush()
    return line
