"""Host tools from a context without a native connection: by hand (an
adapter's unit test) and over gRPC; and the public ``HostToolError`` and
``HostTool``."""

from __future__ import annotations

import asyncio
import dataclasses

import pytest

from snakepit_bridge import HostTool, HostToolError, ToolContext


def test_host_tool_error_shows_its_category_and_message() -> None:
    error = HostToolError("unknown_command", "no host tool 'x'")
    assert (error.category, error.message) == ("unknown_command",
                                               "no host tool 'x'")
    assert str(error) == "unknown_command: no host tool 'x'"


def test_host_tool_is_a_frozen_pair() -> None:
    spec = HostTool("lookup", "finds things")
    assert (spec.name, spec.description) == ("lookup", "finds things")
    assert HostTool("bare").description == ""
    with pytest.raises(dataclasses.FrozenInstanceError):
        spec.name = "other"  # type: ignore[misc]


def test_a_context_outside_a_worker_cannot_call_the_host() -> None:
    context = ToolContext(tool_name="t")
    assert context.host_tools == []
    with pytest.raises(HostToolError) as info:
        context.call_host("lookup", key="k")
    assert info.value.category == "unsupported"
    assert "this ToolContext has no connection to a host" in \
        info.value.message
    with pytest.raises(HostToolError) as awaited:
        asyncio.run(context.call_host_async("lookup"))
    assert awaited.value.category == "unsupported"
