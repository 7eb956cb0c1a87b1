"""Test fixture: an adapter whose constructor raises.

``--adapter snakepit_test_adapters.init_error.InitErrorAdapter``
makes a worker write ``{"status": "error", "stage": "init", "type":
"RuntimeError", ...}`` to its ready file and exit with code 3. Exists only for
tests.
"""

from snakepit_bridge.adapter import BaseAdapter, tool


class InitErrorAdapter(BaseAdapter):
    """Raises RuntimeError from ``__init__``; never serves a call."""

    def __init__(self) -> None:
        raise RuntimeError("simulated init failure")

    @tool
    def ping(self) -> str:
        """Unreachable: the adapter never gets built."""
        return "pong"
