"""The adapter API: tool discovery, arguments, fallback, context, results."""

from __future__ import annotations

import asyncio
import json
import threading
from typing import Any

import pytest

from snakepit_bridge import (
    BaseAdapter,
    InvalidArgumentsError,
    ToolContext,
    UnknownToolError,
    tool,
)
from snakepit_bridge.dispatch import adapter_tools, run_tool
from snakepit_bridge.errors import ToolFailure


class Calculator(BaseAdapter):
    @tool
    def add(self, a: int, b: int = 10) -> int:
        return a + b

    @tool(name="mul")
    def multiply(self, a: int, b: int) -> int:
        return a * b

    @tool()
    def explode(self) -> None:
        raise ValueError("kaboom")

    @tool
    def inner_type_error(self, a: int) -> int:
        return a + "text"  # type: ignore[operator]

    @tool
    def with_context(self, x: int, context: ToolContext) -> dict[str, Any]:
        return {"x": x, "session": context.session_id, "tool": context.tool_name}

    @tool
    def kwargs_only(self, **kwargs: Any) -> dict[str, Any]:
        return kwargs

    @tool
    def a_set(self) -> Any:
        return {1, 2}

    @tool
    def nan(self) -> float:
        return float("nan")

    def helper(self) -> str:
        return "not a tool"


class WithFallback(Calculator):
    def execute_tool(self, tool_name: str, arguments: dict[str, Any],
                     context: ToolContext) -> Any:
        if tool_name == "dynamic":
            return {"name": tool_name, "args": arguments,
                    "session": context.session_id}
        if tool_name == "strict":
            raise InvalidArgumentsError("strict wants nothing")
        if tool_name == "broken":
            raise KeyError("missing")
        raise UnknownToolError(f"fallback does not know {tool_name!r}")


class AsyncTools(BaseAdapter):
    @tool
    async def double(self, a: int) -> dict[str, Any]:
        await asyncio.sleep(0)
        return {"value": 2 * a, "thread": threading.get_ident()}

    @tool
    async def explode_later(self) -> None:
        await asyncio.sleep(0)
        raise ValueError("later")

    async def execute_tool(self, tool_name: str, arguments: dict[str, Any],
                           context: ToolContext) -> Any:
        await asyncio.sleep(0)
        if tool_name == "strict":
            raise InvalidArgumentsError("strict wants nothing")
        return {"fallback": tool_name}


def call(adapter: object, name: str, **arguments: Any) -> Any:
    context = ToolContext(session_id="s-1", tool_name=name)
    return json.loads(run_tool(adapter, name, arguments, context))


def failure(adapter: object, name: str, **arguments: Any) -> ToolFailure:
    with pytest.raises(ToolFailure) as info:
        run_tool(adapter, name, arguments, ToolContext(tool_name=name))
    return info.value


def test_tools_lists_decorated_methods_by_command_name() -> None:
    assert Calculator().tools() == [
        "a_set", "add", "explode", "inner_type_error", "kwargs_only", "mul",
        "nan", "with_context"]


def test_undecorated_method_is_not_a_command() -> None:
    assert failure(Calculator(), "helper").category == "unknown_command"
    assert failure(Calculator(), "multiply").category == "unknown_command"


def test_subclass_inherits_tools_and_override_without_tool_removes_one() -> None:
    class Child(Calculator):
        def add(self, a: int, b: int = 10) -> int:  # no @tool: not a command
            return 0

        @tool
        def extra(self) -> str:
            return "extra"

    tools = Child().tools()
    assert "extra" in tools and "mul" in tools and "add" not in tools


def test_duplicate_command_names_are_refused() -> None:
    class Twice(BaseAdapter):
        @tool(name="same")
        def one(self) -> int:
            return 1

        @tool(name="same")
        def two(self) -> int:
            return 2

    with pytest.raises(TypeError, match="same"):
        Twice().tools()


def test_tool_name_must_be_a_non_empty_string() -> None:
    with pytest.raises(ValueError):
        tool(name="")


def test_json_object_arguments_arrive_as_keywords() -> None:
    assert call(Calculator(), "add", a=1, b=2) == 3
    assert call(Calculator(), "add", a=1) == 11
    assert call(Calculator(), "mul", a=6, b=7) == 42
    assert call(Calculator(), "kwargs_only", x=[1, {"y": None}]) == {
        "x": [1, {"y": None}]}


def test_missing_or_extra_arguments_are_invalid_arguments() -> None:
    missing = failure(Calculator(), "add", b=2)
    assert (missing.category, missing.type) == ("invalid_arguments", "TypeError")
    assert "'a'" in missing.message and "add" in missing.message
    extra = failure(Calculator(), "add", a=1, c=3)
    assert extra.category == "invalid_arguments" and "'c'" in extra.message


def test_type_error_raised_inside_a_tool_is_a_python_error() -> None:
    error = failure(Calculator(), "inner_type_error", a=1)
    assert (error.category, error.type) == ("python_error", "TypeError")
    assert "inner_type_error" in error.traceback


def test_exception_becomes_python_error_with_the_tools_traceback() -> None:
    error = failure(Calculator(), "explode")
    assert (error.category, error.type, error.message) == (
        "python_error", "ValueError", "kaboom")
    assert error.summary == "ValueError: kaboom"
    assert error.traceback.startswith("Traceback (most recent call last):")
    assert 'in explode\n    raise ValueError("kaboom")' in error.traceback
    assert "dispatch.py" not in error.traceback


def test_unknown_tool_lists_available_tools() -> None:
    error = failure(Calculator(), "nope")
    assert error.category == "unknown_command"
    assert "'nope'" in error.message and "add, explode" in error.message


def test_context_is_injected_only_into_tools_that_ask_for_it() -> None:
    assert call(Calculator(), "with_context", x=5) == {
        "x": 5, "session": "s-1", "tool": "with_context"}
    # A tool without a context parameter takes "context" as a plain argument.
    assert call(Calculator(), "kwargs_only", context=1) == {"context": 1}


def test_a_context_factory_runs_only_for_tools_that_take_the_context() -> None:
    built: list[str] = []

    def factory() -> ToolContext:
        built.append("built")
        return ToolContext(session_id="lazy", tool_name="with_context")

    assert json.loads(run_tool(Calculator(), "add", {"a": 1, "b": 2},
                               factory)) == 3
    assert built == []
    assert json.loads(run_tool(Calculator(), "with_context", {"x": 1},
                               factory))["session"] == "lazy"
    assert built == ["built"]
    assert json.loads(run_tool(WithFallback(), "dynamic", {"q": 1},
                               factory))
    assert built == ["built", "built"]


def test_context_argument_from_the_caller_is_refused() -> None:
    error = failure(Calculator(), "with_context", x=1, context="forged")
    assert error.category == "invalid_arguments" and "reserved" in error.message


@pytest.mark.parametrize("name", ["a_set", "nan"])
def test_result_that_is_not_json_is_a_type_error(name: str) -> None:
    error = failure(Calculator(), name)
    assert (error.category, error.type) == ("python_error", "TypeError")
    assert "not JSON-serializable" in error.message and name in error.message


def test_execute_tool_serves_names_not_declared_with_tool() -> None:
    adapter = WithFallback()
    assert call(adapter, "add", a=1, b=1) == 2  # @tool wins
    assert call(adapter, "dynamic", q=1) == {
        "name": "dynamic", "args": {"q": 1}, "session": "s-1"}


def test_execute_tool_errors_map_to_categories() -> None:
    adapter = WithFallback()
    unknown = failure(adapter, "zzz")
    assert unknown.category == "unknown_command"
    assert "fallback does not know 'zzz'" in unknown.message
    assert "available tools: a_set" in unknown.message
    invalid = failure(adapter, "strict")
    assert (invalid.category, invalid.type, invalid.message) == (
        "invalid_arguments", "InvalidArgumentsError", "strict wants nothing")
    broken = failure(adapter, "broken")
    assert (broken.category, broken.type) == ("python_error", "KeyError")
    assert "execute_tool" in broken.traceback


def test_duck_typed_adapter_without_base_class() -> None:
    from sample_adapters import FallbackOnlyAdapter

    adapter = FallbackOnlyAdapter()
    assert call(adapter, "double", x=21) == 42
    assert adapter_tools(adapter) == []
    assert failure(adapter, "triple").category == "unknown_command"
    assert failure(adapter, "double", y=1).category == "invalid_arguments"


def test_on_start_stores_adapter_args() -> None:
    adapter = Calculator()
    argv = ["--model", "tiny"]
    adapter.on_start(argv)
    argv.append("changed")
    assert adapter.adapter_args == ["--model", "tiny"]


def test_tool_context_defaults() -> None:
    context = ToolContext()
    assert (context.session_id, context.metadata, context.binary_parameters,
            context.tool_name) == ("", {}, {}, "")
    assert ToolContext().metadata is not context.metadata


def test_an_async_tool_is_awaited_on_the_calling_thread() -> None:
    assert call(AsyncTools(), "double", a=21) == {
        "value": 42, "thread": threading.get_ident()}
    assert call(AsyncTools(), "anything") == {"fallback": "anything"}
    assert failure(AsyncTools(), "strict").category == "invalid_arguments"


def test_an_async_tool_fails_like_a_plain_one() -> None:
    error = failure(AsyncTools(), "explode_later")
    assert (error.category, error.type, error.message) == (
        "python_error", "ValueError", "later")
    assert 'in explode_later\n    raise ValueError("later")' in \
        error.traceback
    mismatch = failure(AsyncTools(), "double", b=1)
    assert mismatch.category == "invalid_arguments"
    assert "'a'" in mismatch.message
