"""snakepit_bridge: the Python worker side of Snakepit for C++.

A worker process serves one adapter over gRPC on a unix socket; see
``README.md`` next to this package for the adapter API and the CLI.
"""

from snakepit_bridge.adapter import BaseAdapter, ToolContext, tool
from snakepit_bridge.errors import InvalidArgumentsError, UnknownToolError

__version__ = "0.1.0"

__all__ = [
    "BaseAdapter",
    "InvalidArgumentsError",
    "ToolContext",
    "UnknownToolError",
    "__version__",
    "tool",
]
