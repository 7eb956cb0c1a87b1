"""Host tools as a tool sees them: ``HostTool``, and ``HostAccess``, the
way a ``ToolContext`` reaches them.

A host tool is a function of the C++ host that a running tool may call
(``ToolContext.call_host``). Only the native transport has a way back to
the host: each of its calls gets a ``native_host_calls.HostLink``. The gRPC
transport has none (the host keeps no listener, by design), and neither
has a context built by hand (an adapter's unit test calling a tool with
``ToolContext()``): theirs is an ``UnavailableHost``, which refuses every
call with ``unsupported`` and lists no tools.

Imports neither protobuf nor grpc.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Protocol

from snakepit_bridge.errors import UNSUPPORTED, HostToolError


@dataclass(frozen=True)
class HostTool:
    """A host tool the worker may call, as the host describes it."""

    #: What ``call_host`` names it by.
    name: str
    #: What it does, in the host's words ("" when it gave none).
    description: str = ""


class HostAccess(Protocol):
    """How a ``ToolContext`` calls the host's tools (see
    ``ToolContext.call_host`` for what the calls do)."""

    def call(self, name: str, arguments: dict[str, Any]) -> Any:
        """The result of host tool ``name``; blocks until it comes."""

    async def call_async(self, name: str, arguments: dict[str, Any]) -> Any:
        """The result of host tool ``name``, awaited."""

    def tools(self) -> list[HostTool]:
        """The host tools the host offers."""


class UnavailableHost:
    """A ``HostAccess`` without a host: every call raises ``HostToolError``
    (``unsupported``) saying why; no tools."""

    def __init__(self, reason: str) -> None:
        #: Why there is no host, the message of every refusal.
        self.reason = reason

    def call(self, name: str, arguments: dict[str, Any]) -> Any:
        """Raises ``HostToolError`` (``unsupported``)."""
        raise HostToolError(UNSUPPORTED, self.reason)

    async def call_async(self, name: str, arguments: dict[str, Any]) -> Any:
        """Raises ``HostToolError`` (``unsupported``)."""
        raise HostToolError(UNSUPPORTED, self.reason)

    def tools(self) -> list[HostTool]:
        """None: an empty list."""
        return []


#: The host of a context that no worker built (e.g. ``ToolContext()`` in
#: an adapter's unit test).
DETACHED = UnavailableHost(
    "this ToolContext has no connection to a host: host tools are called "
    "from a tool a worker runs (transport = \"native\")")

#: The host of a call served over gRPC, which has no way back to the host.
OVER_GRPC = UnavailableHost(
    'host tools need the native transport (transport = "native")')
