"""The showcase's host tool tools (``ask_host``, ``ask_host_async``,
``ask_host_twice``, ``host_tool_names``) on an in-process native server,
the test client playing the host."""

from __future__ import annotations

import json
from typing import Any, Callable

import pytest

from native_client import (
    HostFailure,
    NativeClient,
    execute,
    host_result,
    host_tools,
    result_of,
)
from snakepit_bridge.adapters.showcase import ShowcaseAdapter


def refuse(**_: object) -> None:
    raise HostFailure("invalid_arguments", "refused")


HOST_TOOLS = {"concat": lambda a, b: a + b, "refuse": refuse,
              "echo": lambda **kwargs: kwargs}


@pytest.fixture
def client(native_server: Callable[..., Any]) -> NativeClient:
    """A client of an in-process server of the showcase (one slot)."""
    return native_server(ShowcaseAdapter(), name="showcase").client


def test_ask_host_returns_what_the_host_tool_returns(
        client: NativeClient) -> None:
    for call_id, tool in enumerate(("ask_host", "ask_host_async"), 1):
        assert result_of(client.call_serving(
            execute(call_id, tool, tool="concat",
                    arguments={"a": "x", "b": "y"}),
            HOST_TOOLS)) == "xy"
    failed = client.call_serving(execute(3, "ask_host", tool="refuse"),
                                 HOST_TOOLS).result
    assert (failed.error.type, failed.error.message) == (
        "HostToolError", "invalid_arguments: refused")


def test_ask_host_twice_gets_both_answers_in_any_order(
        client: NativeClient) -> None:
    client.send(execute(1, "ask_host_twice", tool="concat",
                        arguments={"a": "p", "b": "q"}))
    first, second = client.host_call(), client.host_call()
    assert first.call_id != second.call_id
    assert first.host_call.parent_call_id == second.host_call.parent_call_id \
        == 1
    assert json.loads(first.host_call.args_json) == {"a": "p", "b": "q"}
    client.send(host_result(second.call_id, "late"),
                host_result(first.call_id, "early"))
    assert sorted(result_of(client.receive(1))) == ["early", "late"]


def test_time_host_calls_times_both_loops(client: NativeClient) -> None:
    timed = result_of(client.call_serving(
        execute(1, "time_host_calls", tool="echo", calls=5,
                arguments={"x": 1}), HOST_TOOLS))
    assert timed["calls"] == 5
    assert timed["result"] == {"x": 1}
    assert timed["host_us"] > 0 and timed["local_us"] > 0
    refused = client.call_serving(
        execute(2, "time_host_calls", tool="refuse", calls=3),
        HOST_TOOLS).result
    assert (refused.error.type, refused.error.message) == (
        "HostToolError", "invalid_arguments: refused")
    zero = client.call(execute(3, "time_host_calls", tool="echo",
                               calls=0)).result
    assert (zero.error.type, zero.error.message) == (
        "ValueError", "calls must be at least 1, got 0")


def test_host_tool_names_lists_the_offer_sorted(client: NativeClient) -> None:
    assert result_of(client.call(execute(1, "host_tool_names"))) == []
    client.send(host_tools(("refuse", "fails"), ("concat", "joins")))
    assert result_of(client.call(execute(2, "host_tool_names"))) == [
        "concat", "refuse"]
