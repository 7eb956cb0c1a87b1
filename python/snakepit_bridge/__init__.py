"""snakepit_bridge: the Python worker side of Snakepit for C++.

A worker process serves one adapter on a unix socket, over the native
framed transport or gRPC; see ``README.md`` next to this package for the
adapter API and the CLI.

``_version`` and ``_proto`` are written by the build (setup.py), not kept
in the source tree: import the package from the build's staged copy
(``<build>/share/snakepit/python``) or from a pip install.
"""

from snakepit_bridge._version import __version__
from snakepit_bridge.adapter import BaseAdapter, ToolContext, tool
from snakepit_bridge.errors import (
    HostToolError,
    InvalidArgumentsError,
    UnknownToolError,
)
from snakepit_bridge.host_tools import HostTool

__all__ = [
    "BaseAdapter",
    "HostTool",
    "HostToolError",
    "InvalidArgumentsError",
    "ToolContext",
    "UnknownToolError",
    "__version__",
    "tool",
]
