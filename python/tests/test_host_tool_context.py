"""Host tools from a context without a native connection: by hand (an
adapter's unit test) and over gRPC; and the public ``HostToolError`` and
``HostTool``."""

from __future__ import annotations

import asyncio
import dataclasses
import json
from pathlib import Path
from typing import Any

import grpc
import pytest

from snakepit_bridge import HostTool, HostToolError, ToolContext
from snakepit_bridge._proto import bridge_pb2, bridge_pb2_grpc
from snakepit_bridge.adapters.showcase import ShowcaseAdapter
from snakepit_bridge.server import start_server
from snakepit_bridge.tool_call import JSON_TYPE_URL, ServedAdapter

GRPC_REASON = 'host tools need the native transport (transport = "native")'


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


def grpc_call(stub: Any, tool: str, /, **arguments: Any) -> Any:
    request = bridge_pb2.ExecuteToolRequest(tool_name=tool)
    for key, value in arguments.items():
        request.parameters[key].type_url = JSON_TYPE_URL
        request.parameters[key].value = json.dumps(value).encode()
    return stub.ExecuteTool(request, timeout=10)


def test_a_grpc_worker_has_no_host_tools(short_tmp: Path) -> None:
    running = start_server(ServedAdapter(ShowcaseAdapter(), "showcase", 1),
                           str(short_tmp / "g.sock"))
    try:
        with grpc.insecure_channel(running.address) as channel:
            stub = bridge_pb2_grpc.BridgeServiceStub(channel)
            for tool in ("ask_host", "ask_host_async"):
                response = grpc_call(stub, tool, tool="lookup")
                assert not response.success
                assert (response.error.type, response.error.message) == (
                    "HostToolError", f"unsupported: {GRPC_REASON}")
            names = grpc_call(stub, "host_tool_names")
            assert names.success and json.loads(names.result.value) == []
    finally:
        running.stop(0)
