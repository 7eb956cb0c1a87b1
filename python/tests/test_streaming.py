"""Streaming tools in-process: ``streaming.stream_tool`` and
``tool_call.execute_stream``."""

from __future__ import annotations

import inspect
from typing import Any, AsyncIterator, Iterator

import pytest

from snakepit_bridge import ToolContext, tool
from snakepit_bridge._proto import bridge_pb2
from snakepit_bridge.dispatch import run_tool
from snakepit_bridge.errors import ToolFailure
from snakepit_bridge.streaming import stream_tool
from snakepit_bridge.thread_safety import ThreadSafeAdapter
from snakepit_bridge.tool_call import JSON_TYPE_URL, execute_stream


class Streams(ThreadSafeAdapter):
    """Generators that record how they ended."""

    def __init__(self) -> None:
        super().__init__()
        self.events: list[str] = []
        self.made: list[Any] = []

    @tool
    def numbers(self, n: int) -> Iterator[Any]:
        """0..n-1; records "finally" when closed or exhausted."""
        try:
            for i in range(n):
                yield i
        finally:
            self.events.append("finally")

    @tool
    def kept(self) -> Iterator[int]:
        """A generator the test can inspect afterwards."""
        def generator() -> Iterator[int]:
            yield 1
        made = generator()
        self.made.append(made)
        return made

    @tool
    async def words(self, text: str) -> AsyncIterator[str]:
        """The words of ``text``; records "afinally" when closed."""
        try:
            for word in text.split():
                yield word
        finally:
            self.events.append("afinally")

    @tool
    def mixed(self) -> Iterator[Any]:
        """bytes, bytearray, memoryview, then JSON values."""
        yield b"\x00\xff"
        yield bytearray(b"ab")
        yield memoryview(b"cd")
        yield {"k": [1, None]}
        yield "é"

    @tool
    def bad(self, value: str) -> Iterator[Any]:
        """Yields 1, then a value JSON cannot hold."""
        yield 1
        yield {"nan": float("nan"), "set": {1}}[value]

    @tool
    def active(self) -> Iterator[Any]:
        """What ``active_requests`` shows while the stream runs."""
        yield [entry["tool"] for entry in self.active_requests()]

    @tool
    def stubborn(self) -> Iterator[int]:
        """Raises from its cleanup."""
        try:
            yield 1
            yield 2
        finally:
            raise ValueError("cleanup failed")

    @tool
    def plain(self) -> dict[str, int]:
        """Not a generator."""
        return {"x": 1}


def streamed(adapter: object, name: str, limit: int | None = None,
             **arguments: Any) -> tuple[bool, list[Any]]:
    """``stream_tool``'s outcome and the chunks emitted; the emit refuses
    (cancels) once it has ``limit`` chunks."""
    chunks: list[Any] = []

    def emit(chunk: str | bytes) -> bool:
        if limit is not None and len(chunks) == limit:
            return False
        chunks.append(chunk)
        return True

    return stream_tool(adapter, name, arguments, ToolContext(), emit), chunks


def test_each_value_is_one_chunk_of_its_kind() -> None:
    adapter = Streams()
    assert streamed(adapter, "numbers", n=3) == (True, ["0", "1", "2"])
    assert adapter.events == ["finally"]
    assert streamed(adapter, "mixed") == (
        True, [b"\x00\xff", b"ab", b"cd", '{"k": [1, null]}', '"\\u00e9"'])
    assert streamed(adapter, "plain") == (True, ['{"x": 1}'])


def test_an_async_generator_streams_on_its_own_loop() -> None:
    adapter = Streams()
    assert streamed(adapter, "words", text="a b c") == (
        True, ['"a"', '"b"', '"c"'])
    assert streamed(adapter, "words", limit=1, text="a b c") == (False, ['"a"'])
    assert adapter.events == ["afinally", "afinally"]


def test_a_refused_chunk_closes_the_generator() -> None:
    adapter = Streams()
    assert streamed(adapter, "numbers", limit=2, n=10) == (False, ["0", "1"])
    assert adapter.events == ["finally"]


def test_the_tools_exception_ends_the_stream_with_its_traceback() -> None:
    adapter = Streams()
    with pytest.raises(ToolFailure) as info:
        streamed(adapter, "numbers", n="3")
    failure = info.value
    assert (failure.category, failure.type) == ("python_error", "TypeError")
    assert "in numbers" in failure.traceback
    assert adapter.events == ["finally"]


@pytest.mark.parametrize("value, detail", [("nan", "Out of range float"),
                                           ("set", "(set)")])
def test_a_chunk_json_cannot_hold_is_a_type_error(value: str,
                                                  detail: str) -> None:
    with pytest.raises(ToolFailure) as info:
        streamed(Streams(), "bad", value=value)
    assert (info.value.category, info.value.type) == ("python_error",
                                                      "TypeError")
    assert "a chunk of tool 'bad' is not JSON-serializable" \
        in info.value.message
    assert detail in info.value.message


def test_unknown_tools_and_bad_arguments_fail_before_any_chunk() -> None:
    with pytest.raises(ToolFailure) as info:
        streamed(Streams(), "nope")
    assert info.value.category == "unknown_command"
    with pytest.raises(ToolFailure) as info:
        streamed(Streams(), "numbers", m=1)
    assert info.value.category == "invalid_arguments"


def test_a_stream_is_an_active_request_until_it_ends() -> None:
    adapter = Streams()
    assert streamed(adapter, "active") == (True, ['["active"]'])
    assert adapter.active_requests() == [] and adapter.request_count == 1


def test_an_error_in_the_cleanup_goes_to_stderr(
        capsys: pytest.CaptureFixture[str]) -> None:
    assert streamed(Streams(), "stubborn", limit=1) == (False, ["1"])
    err = capsys.readouterr().err
    assert "closing the stream of tool 'stubborn' failed" in err
    assert "ValueError: cleanup failed" in err


def test_a_generator_called_as_a_plain_call_is_closed_unstarted() -> None:
    adapter = Streams()
    for name in ("kept", "words"):
        with pytest.raises(ToolFailure) as info:
            run_tool(adapter, name, {"text": "a"} if name == "words" else {},
                     ToolContext())
        assert (info.value.category, info.value.type, info.value.message) \
            == ("python_error", "TypeError",
                f"tool {name!r} is a generator: call it as a stream")
    assert inspect.getgeneratorstate(adapter.made[0]) == "GEN_CLOSED"
    assert adapter.events == []


def request(tool_name: str, **arguments: Any) -> Any:
    """A streaming ``ExecuteToolRequest``."""
    message = bridge_pb2.ExecuteToolRequest(tool_name=tool_name, stream=True)
    for key, value in arguments.items():
        message.parameters[key].type_url = JSON_TYPE_URL
        message.parameters[key].value = str(value).encode()
    return message


def test_execute_stream_fills_the_end_of_the_stream() -> None:
    adapter = Streams()
    chunks: list[Any] = []
    response = bridge_pb2.ExecuteToolResponse()
    assert execute_stream(adapter, request("numbers", n=2),
                          lambda c: chunks.append(c) or True, response)
    assert chunks == ["0", "1"] and response.success
    assert not response.HasField("result") and not response.binary_result
    assert response.execution_time_us >= 0

    failed = bridge_pb2.ExecuteToolResponse()
    assert execute_stream(adapter, request("numbers", n='"x"'),
                          lambda c: True, failed)
    assert not failed.success and failed.error.type == "TypeError"

    untouched = bridge_pb2.ExecuteToolResponse()
    assert not execute_stream(adapter, request("numbers", n=5),
                              lambda c: False, untouched)
    assert untouched == bridge_pb2.ExecuteToolResponse()
