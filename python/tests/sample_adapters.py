"""Adapters used by the tests (importable by workers: tests/ is on PYTHONPATH)."""

from __future__ import annotations

from typing import Any

from snakepit_bridge import (
    BaseAdapter,
    InvalidArgumentsError,
    ToolContext,
    UnknownToolError,
    tool,
)


class ContextAdapter(BaseAdapter):
    """Reports what it received: context, adapter args, raw arguments."""

    @tool
    def whoami(self, context: ToolContext, **binary: bytes) -> dict[str, Any]:
        """The call's context, with binary parameters as lengths and text,
        and the names of the binary keyword arguments."""
        return {
            "binary_kwargs": sorted(binary),
            "session_id": context.session_id,
            "metadata": context.metadata,
            "tool_name": context.tool_name,
            "binary": {k: [len(v), v.decode("latin-1"), type(v).__name__]
                       for k, v in context.binary_parameters.items()},
        }

    @tool(name="args")
    def adapter_arguments(self) -> list[str]:
        """The adapter args given on the command line after ``--``."""
        return self.adapter_args

    @tool
    def not_json(self) -> Any:
        """Returns a set, which JSON cannot hold."""
        return {1, 2}


class FallbackOnlyAdapter:
    """Duck-typed adapter: no BaseAdapter, only ``execute_tool``."""

    def execute_tool(self, tool_name: str, arguments: dict[str, Any],
                     context: ToolContext) -> Any:
        """Serves "double"; refuses other names and bad arguments."""
        if tool_name != "double":
            raise UnknownToolError(f"no tool {tool_name!r} here")
        if set(arguments) != {"x"}:
            raise InvalidArgumentsError("double takes exactly one argument, x")
        return arguments["x"] * 2


class SizedAdapter(BaseAdapter):
    """Results of a chosen size, for the message limits; and which protobuf
    implementation the worker runs on."""

    @tool
    def protobuf(self) -> str:
        """``"upb"``, ``"cpp"`` or ``"python"``."""
        from google.protobuf.internal import api_implementation

        return str(api_implementation.Type())

    @tool
    def text(self, size: int) -> str:
        """A string of ``size`` "x" characters (``size + 2`` bytes of JSON)."""
        return "x" * size
