"""The consumer's own adapter: a ``greet`` command.

The pool of tests/consumer/main.cpp runs it as ``greeter.Greeter``, with this
directory on the workers' ``PYTHONPATH``.
"""

from __future__ import annotations

from snakepit_bridge import BaseAdapter, tool


class Greeter(BaseAdapter):
    """Greets by name."""

    @tool
    def greet(self, name: str) -> dict[str, str]:
        """``{"greeting": "hello, <name>"}``."""
        if not isinstance(name, str):
            raise TypeError(f"name must be a string, got {type(name).__name__}")
        return {"greeting": f"hello, {name}"}
