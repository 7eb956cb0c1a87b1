"""TextTools: an example adapter of your own, served by Snakepit workers.

An adapter is a class deriving from ``snakepit_bridge.BaseAdapter``; each
method marked ``@tool`` becomes a command the host can call by name. Its
arguments arrive as keyword arguments decoded from the request's JSON
object, and its return value goes back as JSON. An exception raised by a
tool reaches the caller as a ``python_error`` reply with its traceback; a
call with missing or unexpected arguments gets ``invalid_arguments``.

The worker imports this module by the name given in the pool's ``adapter``
key (``text_tools.TextTools``), so this directory must be on the workers'
``PYTHONPATH``: see ``examples/text_tools.toml``.

Try it (from the repository root)::

    build/bin/snakepit exec --config examples/text_tools.toml \\
        word_count '{"text": "a b c"}'
"""

from __future__ import annotations

from collections import Counter
from typing import Any

from snakepit_bridge import BaseAdapter, tool


class TextTools(BaseAdapter):
    """Small text utilities."""

    @tool
    def word_count(self, text: str) -> dict[str, Any]:
        """Counts words (split on whitespace) and characters of ``text``."""
        if not isinstance(text, str):
            raise TypeError(f"text must be a string, got {type(text).__name__}")
        words = text.split()
        return {"words": len(words), "chars": len(text),
                "most_common": Counter(w.lower() for w in words).most_common(3)}

    @tool
    def reverse(self, text: str) -> str:
        """``text`` backwards."""
        if not isinstance(text, str):
            raise TypeError(f"text must be a string, got {type(text).__name__}")
        return text[::-1]
