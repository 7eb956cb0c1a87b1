"""The adapter API: ``BaseAdapter``, the ``@tool`` decorator and ``ToolContext``.

An adapter is a class whose ``@tool`` methods become the worker's commands::

    class Greeter(BaseAdapter):
        @tool
        def greet(self, name: str) -> str:
            return f"hello {name}"

        @tool(name="shout")
        def greet_loudly(self, name: str, context: ToolContext) -> str:
            return f"HELLO {name} (session {context.session_id})"

Arguments arrive as keyword arguments decoded from JSON; the return value must
be JSON-serializable. A tool that names a ``context`` parameter receives the
call's ``ToolContext``. An ``async def`` tool is awaited on a private
event loop on its tool thread. A tool that is a generator function (or an
async generator function) is a streaming tool: called as a stream, each
value it yields is sent as one chunk (see ``streaming``). An adapter may
also define ``execute_tool(self, tool_name, arguments, context)``, used for
every name not declared with ``@tool``.

Sessions: a call the host sends in a session (``session_id`` set) reaches
that session's state as ``context.session``: an object this worker keeps
for the session, created on first access and kept until the host closes
the session (see ``sessions``). Two calls of one session may run at once in
the thread profile: the adapter guards the state (``self.lock(...)``).
An adapter may define these hooks (``BaseAdapter`` defines none, so that
what an adapter can do shows in what it defines):

- ``create_session(self, session_id) -> state``: a new session's state
  (without it: a new ``dict``).
- ``close_session(self, session_id, state) -> None``: the host closed the
  session, or it expired; its state is dropped after. An exception is
  written to the worker's stderr, not sent to the host.
- ``snapshot_session(self, session_id, state) -> bytes | JSON value``: the
  state as data, for the host to move the session to another worker.
  ``bytes``, ``bytearray`` and ``memoryview`` travel raw; anything else is
  encoded as JSON, like a result.
- ``restore_session(self, session_id, snapshot) -> state``: a state built
  from what ``snapshot_session`` returned on another worker: ``bytes`` if it
  was bytes-like, else the decoded JSON value.

An adapter defining both ``snapshot_session`` and ``restore_session`` has
the ``session_snapshots`` capability (``WorkerInfo.session_snapshots``).
Snapshot and restore are served by the native transport only.

Host tools: a tool may call the host's own tools during its run,
``context.call_host(name, **arguments)`` (``await
context.call_host_async(...)`` in async code); ``context.host_tools`` lists
them. Native transport only: over gRPC they raise ``HostToolError``
(``unsupported``).
"""

from __future__ import annotations

import functools
import inspect
from dataclasses import dataclass, field
from typing import Any, Callable, TypeVar, overload

from snakepit_bridge.host_tools import DETACHED, HostAccess, HostTool
from snakepit_bridge.sessions import NoSessionError, SessionStore

F = TypeVar("F", bound=Callable[..., Any])

#: Attribute set by ``@tool`` on a function: the command name it serves.
TOOL_ATTR = "__snakepit_tool__"


@dataclass
class ToolContext:
    """What a tool may know about the call besides its arguments."""

    #: Session the host attached to the call ("" when none).
    session_id: str = ""
    #: Free-form string metadata sent by the host.
    metadata: dict[str, str] = field(default_factory=dict)
    #: Raw byte parameters, handed over as ``bytes`` and never unpickled.
    binary_parameters: dict[str, bytes] = field(default_factory=dict)
    #: Name of the tool being called.
    tool_name: str = ""
    #: The worker's session states, where ``session`` looks; None outside
    #: a worker.
    sessions: SessionStore | None = field(default=None, repr=False,
                                          compare=False)
    #: Where ``call_host`` and ``host_tools`` go: the call's connection on
    #: the native transport; an ``UnavailableHost`` over gRPC and outside
    #: a worker.
    host: HostAccess = field(default=DETACHED, repr=False, compare=False)

    @property
    def session(self) -> Any:
        """The state of the call's session in this worker, created on first
        access (``create_session``, else a new ``dict``). Raises
        ``NoSessionError`` for a call without a session id."""
        if not self.session_id:
            raise NoSessionError(
                f"tool {self.tool_name!r} uses context.session, but the call "
                "has no session id: send it in a session (the request's "
                "session_id)")
        if self.sessions is None:
            raise NoSessionError(
                f"tool {self.tool_name!r} uses context.session, but this "
                "context has no session store (it was not built by a worker)")
        return self.sessions.state(self.session_id)

    def call_host(self, name: str, /, **arguments: Any) -> Any:
        """Calls host tool ``name`` and returns its result: the decoded JSON
        value, or ``bytes`` when the host answered with bytes. Blocks the
        calling thread until the host answers (it always does: at the
        latest with an error at this call's deadline or when it ends).

        Arguments that are ``bytes``, ``bytearray`` or ``memoryview`` go
        raw, the others as one JSON object: a value JSON cannot hold raises
        ``TypeError`` before anything is sent. Raises ``HostToolError``
        when the host tool fails (the host's category and message), when
        the call would be larger than ``max_message_mb`` allows
        (``message_too_large``), when the connection closes or the worker
        stops while it waits (``connection_closed``, ``shutting_down``),
        and over gRPC or outside a worker (``unsupported``: host tools need
        the native transport). Any thread may call, many at once."""
        return self.host.call(name, arguments)

    async def call_host_async(self, name: str, /, **arguments: Any) -> Any:
        """``call_host`` for async tools and async generators: awaits the
        host's answer without blocking the event loop."""
        return await self.host.call_async(name, arguments)

    @property
    def host_tools(self) -> list[HostTool]:
        """The host tools the host offers this worker, as its connection
        last heard; empty before it has, over gRPC and outside a worker."""
        return self.host.tools()


@overload
def tool(func: F) -> F: ...


@overload
def tool(*, name: str | None = None) -> Callable[[F], F]: ...


def tool(func: Callable[..., Any] | None = None, *, name: str | None = None) -> Any:
    """Marks an adapter method as a command, as ``@tool`` or ``@tool(name=...)``.

    Without ``name`` the command is called like the method.
    """
    if name is not None and (not isinstance(name, str) or not name):
        raise ValueError("@tool(name=...) needs a non-empty string")

    def mark(f: F) -> F:
        if not callable(f):
            raise TypeError("@tool decorates functions (adapter methods)")
        setattr(f, TOOL_ATTR, name or f.__name__)
        return f

    if func is not None:
        return mark(func)
    return mark


@functools.lru_cache(maxsize=None)
def discover_tools(cls: type) -> dict[str, str]:
    """Maps each command name declared with ``@tool`` on ``cls`` to its attribute.

    Lookup follows normal attribute resolution, so a subclass that overrides a
    tool method without ``@tool`` removes that command. Two methods declaring
    the same command name raise ``TypeError``.
    """
    found: dict[str, str] = {}
    for attr in dir(cls):
        value = inspect.getattr_static(cls, attr, None)
        command = getattr(value, TOOL_ATTR, None)
        if not isinstance(command, str):
            continue
        if command in found:
            raise TypeError(
                f"{cls.__qualname__}: tool name {command!r} is declared by both "
                f"{found[command]!r} and {attr!r}")
        found[command] = attr
    return found


class BaseAdapter:
    """Base class of adapters: holds the adapter args and lists the tools.

    Subclasses are built with no arguments; ``on_start`` then receives the
    arguments given after ``--`` on the worker's command line.

    Session hooks, defined by a subclass that wants them (see the module
    docstring): ``create_session(session_id)``, ``close_session(session_id,
    state)``, ``snapshot_session(session_id, state)`` and
    ``restore_session(session_id, snapshot)``.
    """

    #: Arguments given to ``on_start`` (after ``--`` on the command line).
    adapter_args: list[str]

    def on_start(self, argv: list[str]) -> None:
        """Called once after construction with the adapter args; stores them.

        Override to parse them; an exception fails the worker's start.
        """
        self.adapter_args = list(argv)

    def tools(self) -> list[str]:
        """Command names this adapter serves: the ``@tool`` methods, sorted.

        Adapters with an ``execute_tool`` fallback may override this to also
        list the names the fallback serves.
        """
        return sorted(discover_tools(type(self)))
