"""Host tools on the native transport: tools calling the host's tools
(``host_call`` frames, answered by ``host_result``), the ``host_tools``
list, and the calls' failures; against in-process servers on real unix
sockets, the test client playing the host."""

from __future__ import annotations

import json
import queue
import time
from typing import Any, AsyncIterator, Callable, Iterator

import pytest

from native_client import (
    HostFailure,
    NativeClient,
    ServedInProcess,
    credit,
    execute,
    host_result,
    host_tools,
    ping,
    result_of,
    stream,
    with_binary,
)
from snakepit_bridge import HostToolError, ToolContext, tool
from snakepit_bridge._proto.native_pb2 import Envelope
from snakepit_bridge.thread_safety import ThreadSafeAdapter


class HostUser(ThreadSafeAdapter):
    """Tools that call the host's tools; ``outcomes`` gets what
    ``wait_for_host`` saw, since its reply may have nowhere to go."""

    def __init__(self) -> None:
        super().__init__()
        self.outcomes: queue.SimpleQueue[tuple[HostToolError, float]] = \
            queue.SimpleQueue()

    @tool
    def ask(self, tool: str, arguments: dict[str, Any] | None = None, *,
            context: ToolContext) -> Any:
        return context.call_host(tool, **(arguments or {}))

    @tool
    async def ask_async(self, tool: str,
                        arguments: dict[str, Any] | None = None, *,
                        context: ToolContext) -> Any:
        return await context.call_host_async(tool, **(arguments or {}))

    @tool
    def caught(self, tool: str, size: int = 0, *,
               context: ToolContext) -> dict[str, str]:
        """The HostToolError of calling ``tool`` (with ``size`` bytes)."""
        try:
            context.call_host(tool, data=b"x" * size)
        except HostToolError as error:
            return {"category": error.category, "message": error.message,
                    "text": str(error)}
        return {}

    @tool
    def relay(self, label: str, data: bytes, *, context: ToolContext) -> Any:
        return context.call_host("store", label=label, data=data,
                                 view=memoryview(data)[1:],
                                 array=bytearray(data))

    @tool
    def unserializable(self, context: ToolContext) -> list[str]:
        refused = []
        for value in ({1, 2}, float("nan")):
            try:
                context.call_host("store", fine=1, bad=value)
            except TypeError as error:
                refused.append(str(error))
        return refused

    @tool
    def names(self, context: ToolContext) -> list[list[str]]:
        return [[spec.name, spec.description] for spec in context.host_tools]

    @tool
    def steps(self, n: int, context: ToolContext) -> Iterator[Any]:
        """Streams host ``add(a=i, b=1)`` for i in range(n), and the host
        tools' names."""
        yield [spec.name for spec in context.host_tools]
        for i in range(n):
            yield context.call_host("add", a=i, b=1)

    @tool
    async def async_steps(self, n: int,
                          context: ToolContext) -> AsyncIterator[Any]:
        for i in range(n):
            yield await context.call_host_async("add", a=i, b=10)

    @tool
    def wait_for_host(self, context: ToolContext) -> None:
        """Calls ``slow`` (answered never), then again once that failed."""
        for _ in range(2):
            started = time.monotonic()
            try:
                context.call_host("slow")
            except HostToolError as error:
                self.outcomes.put((error, time.monotonic() - started))


def add(a: int, b: int) -> int:
    return a + b


def fail(**_: Any) -> None:
    raise HostFailure("request_timeout", "the host tool took too long")


HOST_TOOLS = {"add": add, "fail": fail, "blob": lambda: b"\x00\xffraw",
              "nothing": lambda: None}


Serve = Callable[..., ServedInProcess]


@pytest.fixture
def serve(native_server: Callable[..., ServedInProcess]) -> Serve:
    """``serve(adapter=HostUser(), max_workers=1, **limits)``: a new
    in-process server and a client on it (conftest's ``native_server``)."""

    def start(adapter: Any = None, max_workers: int = 1,
              **limits: Any) -> ServedInProcess:
        return native_server(adapter if adapter is not None else HostUser(),
                             max_workers, **limits)

    return start


def failure_of(reply: Envelope) -> tuple[str, str]:
    """(type, message) of a failed ``result``."""
    assert reply.WhichOneof("body") == "result", reply
    assert not reply.result.success, reply.result
    return reply.result.error.type, reply.result.error.message


def test_a_host_call_names_its_tool_arguments_and_parent(serve: Serve) -> None:
    client = serve().client
    client.send(execute(7, "ask", tool="add", arguments={"a": 1, "b": 2}))
    call = client.host_call()
    assert call.WhichOneof("body") == "host_call"
    assert (call.host_call.tool, call.host_call.parent_call_id) == ("add", 7)
    assert json.loads(call.host_call.args_json) == {"a": 1, "b": 2}
    assert dict(call.host_call.binary_args) == {}
    client.send(host_result(call.call_id, {"sum": 3}))
    assert result_of(client.receive(7)) == {"sum": 3}


def test_results_are_json_values_bytes_or_none(serve: Serve) -> None:
    client = serve().client
    assert result_of(client.call_serving(
        execute(1, "ask", tool="add", arguments={"a": 2, "b": 40}),
        HOST_TOOLS)) == 42
    binary = client.call_serving(execute(2, "ask", tool="blob"), HOST_TOOLS)
    assert binary.result.success
    assert binary.result.binary_result == b"\x00\xffraw"
    assert result_of(client.call_serving(execute(3, "ask", tool="nothing"),
                                         HOST_TOOLS)) is None


def test_bytes_arguments_travel_raw(serve: Serve) -> None:
    client = serve().client
    client.send(with_binary(execute(1, "relay", label="l"), data=b"\x00ab"))
    call = client.host_call()
    assert json.loads(call.host_call.args_json) == {"label": "l"}
    assert dict(call.host_call.binary_args) == {
        "data": b"\x00ab", "view": b"ab", "array": b"\x00ab"}
    client.send(host_result(call.call_id, "stored"))
    assert result_of(client.receive(1)) == "stored"
    client.send(execute(2, "ask", tool="nothing"))
    assert client.host_call().host_call.args_json == b"{}"


def test_a_failed_host_tool_raises_its_category_and_message(
        serve: Serve) -> None:
    client = serve().client
    assert result_of(client.call_serving(execute(1, "caught", tool="fail"),
                                         HOST_TOOLS)) == {
        "category": "request_timeout",
        "message": "the host tool took too long",
        "text": "request_timeout: the host tool took too long"}


def test_an_unknown_host_tool_fails_the_tool_that_called_it(
        serve: Serve) -> None:
    client = serve().client
    reply = client.call_serving(execute(1, "ask", tool="nope"), HOST_TOOLS)
    assert failure_of(reply) == (
        "HostToolError", "unknown_command: unknown host tool 'nope'")
    assert "context.call_host(tool" in reply.result.error.traceback


def test_an_answer_that_is_not_json_is_internal(serve: Serve) -> None:
    client = serve().client
    client.send(execute(1, "ask", tool="add"))
    client.send(host_result(client.host_call().call_id, json_text=b"{no"))
    type_name, message = failure_of(client.receive(1))
    assert type_name == "HostToolError"
    assert message.startswith("internal: host tool 'add' answered with "
                              "invalid JSON")


def test_host_tools_lists_the_last_offer(serve: Serve) -> None:
    client = serve().client
    assert result_of(client.call(execute(1, "names"))) == []
    client.send(host_tools(("add", "adds two numbers"), ("blob", "")))
    assert result_of(client.call(execute(2, "names"))) == [
        ["add", "adds two numbers"], ["blob", ""]]
    client.send(host_tools(("fail", "fails")))
    assert result_of(client.call(execute(3, "names"))) == [
        ["fail", "fails"]]


def test_concurrent_host_calls_are_matched_by_id(serve: Serve) -> None:
    """Four tool threads wait on the host at once; the host answers them
    in the reverse order."""
    client = serve(max_workers=4).client
    for call_id in range(1, 5):
        client.send(execute(call_id, "ask", tool="add",
                            arguments={"a": call_id, "b": 100}))
    calls = [client.host_call() for _ in range(4)]
    assert len({call.call_id for call in calls}) == 4
    assert sorted(call.host_call.parent_call_id for call in calls) == [
        1, 2, 3, 4]
    for call in reversed(calls):
        arguments = json.loads(call.host_call.args_json)
        assert arguments["a"] == call.host_call.parent_call_id
        client.send(host_result(call.call_id, add(**arguments)))
    for call_id in range(1, 5):
        assert result_of(client.receive(call_id)) == call_id + 100


def test_an_async_tool_awaits_the_host(serve: Serve) -> None:
    client = serve().client
    assert result_of(client.call_serving(
        execute(1, "ask_async", tool="add", arguments={"a": 1, "b": 2}),
        HOST_TOOLS)) == 3
    assert failure_of(client.call_serving(
        execute(2, "ask_async", tool="fail"), HOST_TOOLS)) == (
        "HostToolError", "request_timeout: the host tool took too long")


def chunks_of(client: NativeClient, call_id: int) -> list[Any]:
    """The JSON chunks of stream ``call_id`` until its successful end,
    serving host calls meanwhile."""
    chunks = []
    while True:
        reply = client.receive_serving(call_id, HOST_TOOLS)
        if reply.WhichOneof("body") == "result":
            assert reply.result.success, reply.result
            return chunks
        chunks.append(json.loads(reply.chunk.json))


def test_a_stream_calls_the_host_between_its_chunks(serve: Serve) -> None:
    client = serve().client
    client.send(host_tools(("add", "")), stream(1, "steps", n=3), credit(1, 2))
    first = client.receive(1)
    assert json.loads(first.chunk.json) == ["add"]
    call = client.host_call()
    assert call.host_call.parent_call_id == 1
    client.send(host_result(call.call_id, 1), credit(1, 8))
    assert chunks_of(client, 1) == [1, 2, 3]
    client.send(stream(2, "async_steps", n=3), credit(2, 8))
    assert chunks_of(client, 2) == [10, 11, 12]


def test_arguments_json_cannot_hold_raise_type_error_unsent(
        serve: Serve) -> None:
    client = serve().client
    a_set, nan = result_of(client.call(execute(1, "unserializable")))
    assert a_set == (
        "the arguments of host tool 'store' are not JSON-serializable "
        "(argument 'bad', a set): Object of type set is not JSON "
        "serializable")
    assert nan.startswith(  # Python 3.13 adds ": nan"
        "the arguments of host tool 'store' are not JSON-serializable "
        "(argument 'bad', a float): Out of range float values are not JSON "
        "compliant")
    assert client.call(ping(2)).WhichOneof("body") == "pong"
    assert client.host_calls == []


def test_a_call_over_the_message_limit_is_refused_unsent(
        serve: Serve) -> None:
    limit = 64 * 1024
    client = serve(max_message_bytes=limit).client
    refused = result_of(client.call(execute(1, "caught", tool="fail",
                                            size=limit)))
    assert refused["category"] == "message_too_large"
    assert refused["message"].startswith("the call to host tool 'fail' is ")
    assert f"({limit} bytes)" in refused["message"]
    assert "max_message_mb" in refused["message"]
    assert client.call(ping(2)).WhichOneof("body") == "pong"
    assert client.host_calls == []
    assert result_of(client.call_serving(
        execute(3, "caught", tool="fail", size=limit - 200),
        HOST_TOOLS))["category"] == "request_timeout"


def test_a_closed_connection_fails_the_waiting_host_calls(
        serve: Serve) -> None:
    adapter = HostUser()
    client = serve(adapter).client
    client.send(execute(1, "wait_for_host"))
    client.host_call()
    client.close()
    for _ in range(2):
        error, waited = adapter.outcomes.get(timeout=10)
        assert (error.category, error.message) == (
            "connection_closed", "the connection to the host closed")
        assert waited < 5


def test_a_stopping_worker_fails_the_waiting_host_calls(
        serve: Serve) -> None:
    adapter = HostUser()
    worker = serve(adapter)
    worker.client.send(execute(1, "wait_for_host"))
    worker.client.host_call()
    assert worker.server.stop(0) == 1
    for _ in range(2):
        error, _ = adapter.outcomes.get(timeout=10)
        assert (error.category, error.message) == (
            "shutting_down", "the worker is stopping")


def test_an_answer_to_no_waiting_call_is_logged_and_ignored(
        serve: Serve) -> None:
    worker = serve()
    worker.client.send(host_result(99, "stray"))
    assert worker.client.call(ping(1)).WhichOneof("body") == "pong"
    assert worker.logged == [
        "host_result 99 answers no host call waiting on this connection; "
        "ignored"]
