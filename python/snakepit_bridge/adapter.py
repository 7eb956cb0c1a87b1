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
call's ``ToolContext``. A tool that is a generator function (or an async
generator function) is a streaming tool: called as a stream, each value it
yields is sent as one chunk (see ``streaming``). An adapter may also define
``execute_tool(self, tool_name, arguments, context)``, used for every name not
declared with ``@tool``.
"""

from __future__ import annotations

import functools
import inspect
from dataclasses import dataclass, field
from typing import Any, Callable, TypeVar, overload

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
