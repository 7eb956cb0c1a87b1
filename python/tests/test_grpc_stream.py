"""Streaming tools over gRPC: ``grpc_stream.tool_chunks`` in-process, and
ExecuteStreamingTool on a real server (``server.start_server``): chunks then
the final message, failures in it, a cancel or a deadline closing the
generator, the slot held for the stream's life, HTTP/2 flow control holding
back a generator whose host does not read."""

from __future__ import annotations

import json
import threading
import time
from pathlib import Path
from typing import Any, Callable, Iterator

import grpc
import pytest

from snakepit_bridge import BaseAdapter, tool
from snakepit_bridge._proto import bridge_pb2, bridge_pb2_grpc
from snakepit_bridge.adapters.showcase import ShowcaseAdapter
from snakepit_bridge.grpc_stream import tool_chunks
from snakepit_bridge.server import CALL_ID_KEY, RunningServer, start_server
from snakepit_bridge.tool_call import JSON_TYPE_URL, ServedAdapter


def request(tool_name: str, /, **arguments: Any) -> Any:
    """An ExecuteToolRequest of ``tool_name`` with JSON ``arguments``."""
    req = bridge_pb2.ExecuteToolRequest(tool_name=tool_name, stream=True)
    for key, value in arguments.items():
        req.parameters[key].type_url = JSON_TYPE_URL
        req.parameters[key].value = json.dumps(value).encode()
    return req


def showcase(max_workers: int = 1, max_message_bytes: int = 1 << 20,
             ) -> ServedAdapter:
    return ServedAdapter(ShowcaseAdapter(), "showcase", max_workers,
                         max_message_bytes=max_message_bytes)


def split(messages: list[Any]) -> tuple[list[Any], Any]:
    """The chunks (JSON decoded, binary as bytes) and the final message."""
    *chunks, final = messages
    assert final.is_final and not any(c.is_final for c in chunks)
    assert [c.chunk_id for c in chunks] == [str(i) for i in
                                            range(len(chunks))]
    return [c.data if c.binary else json.loads(c.data) for c in chunks], final


# -- in-process ---------------------------------------------------------


def test_chunks_in_order_then_a_final_without_error() -> None:
    chunks, final = split(list(tool_chunks(showcase(), request("count",
                                                               n=3))))
    assert chunks == [{"i": 0}, {"i": 1}, {"i": 2}]
    assert not final.HasField("error") and final.data == b""
    assert final.chunk_id == "" and final.execution_time_us > 0


def test_binary_async_and_plain_tools() -> None:
    served = showcase()
    blobs, _ = split(list(tool_chunks(served, request("count_bytes", n=2,
                                                      size=3))))
    assert blobs == [b"\x00\x00\x00", b"\x01\x01\x01"]
    words, _ = split(list(tool_chunks(served, request("tokens",
                                                      text="a b"))))
    assert words == ["a", "b"]
    # A plain tool's result is the one chunk.
    only, final = split(list(tool_chunks(served, request("ping"))))
    assert only == ["pong"] and not final.HasField("error")


@pytest.mark.parametrize("req, category, error_type, text", [
    (request("fail_after", n=2), "python_error", "RuntimeError",
     "failed after 2"),
    (request("no_such_tool"), "unknown_command", "", "no_such_tool"),
    (request("count", n="x"), "python_error", "", "n"),
    (request("count", m=1), "invalid_arguments", "", "m"),
])
def test_a_failure_is_the_final_message(req: Any, category: str,
                                        error_type: str, text: str) -> None:
    _, final = split(list(tool_chunks(showcase(), req)))
    assert final.error.category == category
    assert error_type in final.error.type
    assert text in final.error.message


def test_a_failure_mid_stream_comes_after_its_chunks() -> None:
    chunks, final = split(list(tool_chunks(showcase(),
                                           request("fail_after", n=2))))
    assert chunks == [{"i": 0}, {"i": 1}]
    assert "fail_after" in final.error.traceback


def test_a_chunk_over_the_limit_ends_the_stream() -> None:
    served = showcase(max_message_bytes=1000)
    adapter = served.adapter
    before = adapter.closed_streams()
    chunks, final = split(list(tool_chunks(served, request(
        "count_bytes", n=3, size=2000))))
    assert chunks == []
    assert (final.error.category, final.error.type) == ("python_error",
                                                        "MessageTooLarge")
    assert "a chunk is 20" in final.error.message
    assert "yield less" in final.error.message
    assert adapter.closed_streams() == before  # count_bytes counts nothing


def test_closing_the_iterator_closes_the_generator() -> None:
    served = showcase()
    messages = tool_chunks(served, request("count", n=1000))
    assert next(messages).chunk_id == "0"
    messages.close()
    assert served.adapter.closed_streams() == 1


# -- a real server ------------------------------------------------------


class Producer(BaseAdapter):
    """Streams ``n`` chunks of ``size`` bytes, counting what it produced
    and whether its cleanup ran."""

    def __init__(self) -> None:
        super().__init__()
        self.produced = 0
        self.cleaned = threading.Event()

    @tool
    def produce(self, n: int, size: int) -> Iterator[bytes]:
        try:
            for i in range(n):
                self.produced = i + 1
                yield bytes(size)
        finally:
            self.cleaned.set()


@pytest.fixture
def serve(short_tmp: Path) -> Iterator[Callable[..., tuple[Any, Any]]]:
    """Starts a server for an adapter; gives its stub and served adapter.
    Every server stops at teardown."""
    running: list[tuple[RunningServer, grpc.Channel]] = []

    def start(adapter: Any = None, max_workers: int = 1,
              ) -> tuple[Any, ServedAdapter]:
        served = ServedAdapter(adapter or ShowcaseAdapter(), "test",
                               max_workers)
        server = start_server(served, str(short_tmp / f"g{len(running)}.sock"))
        # As the host's channel for streams: no BDP probing, so the
        # stream's HTTP/2 window stays at 64 KiB.
        channel = grpc.insecure_channel(server.address,
                                        options=[("grpc.http2.bdp_probe", 0)])
        running.append((server, channel))
        return bridge_pb2_grpc.BridgeServiceStub(channel), served

    yield start
    for server, channel in running:
        channel.close()
        server.stop(0)


def eventually(check: Callable[[], bool], seconds: float = 10) -> bool:
    deadline = time.monotonic() + seconds
    while not check():
        if time.monotonic() > deadline:
            return False
        time.sleep(0.01)
    return True


def busy_slots(stub: Any) -> int:
    return stub.DescribeWorker(bridge_pb2.DescribeWorkerRequest(),
                               timeout=5).busy_slots


def test_a_stream_over_grpc(serve: Callable[..., tuple[Any, Any]]) -> None:
    stub, _ = serve()
    chunks, final = split(list(stub.ExecuteStreamingTool(
        request("count", n=20), timeout=10)))
    assert chunks == [{"i": i} for i in range(20)]
    assert not final.HasField("error")
    _, failed = split(list(stub.ExecuteStreamingTool(request("nope"),
                                                     timeout=10)))
    assert failed.error.category == "unknown_command"
    # A generator tool called with ExecuteTool still fails.
    plain = stub.ExecuteTool(request("count", n=2), timeout=10)
    assert not plain.success and "call it as a stream" in plain.error.message


def test_a_stream_holds_its_slot_and_is_listed(
        serve: Callable[..., tuple[Any, Any]]) -> None:
    stub, _ = serve()
    req = request("count", n=100000, ms=5)
    req.metadata[CALL_ID_KEY] = "7"
    stream = stub.ExecuteStreamingTool(req, timeout=30)
    assert next(stream).chunk_id == "0"
    info = stub.DescribeWorker(bridge_pb2.DescribeWorkerRequest(), timeout=5)
    assert (info.busy_slots, list(info.active_calls)) == (1, ["7"])
    # The one slot is taken: another call is refused at once.
    with pytest.raises(grpc.RpcError) as refused:
        stub.ExecuteTool(request("ping"), timeout=5)
    assert refused.value.code() == grpc.StatusCode.RESOURCE_EXHAUSTED
    stream.cancel()
    assert eventually(lambda: busy_slots(stub) == 0)
    assert stub.ExecuteTool(request("ping"), timeout=5).success


@pytest.mark.parametrize("how", ["cancel", "deadline"])
def test_a_cancel_or_deadline_closes_the_generator(
        serve: Callable[..., tuple[Any, Any]], how: str) -> None:
    stub, served = serve()
    adapter = served.adapter
    stream = stub.ExecuteStreamingTool(
        request("count", n=100000, ms=5),
        timeout=30 if how == "cancel" else 0.5)
    assert next(stream).chunk_id == "0"
    if how == "cancel":
        stream.cancel()
    with pytest.raises(grpc.RpcError) as ended:
        for _ in stream:
            pass
    assert ended.value.code() == (grpc.StatusCode.CANCELLED if how == "cancel"
                                  else grpc.StatusCode.DEADLINE_EXCEEDED)
    assert eventually(lambda: adapter.closed_streams() == 1)
    assert eventually(lambda: busy_slots(stub) == 0)


def test_a_host_that_does_not_read_holds_the_generator(
        serve: Callable[..., tuple[Any, Any]]) -> None:
    """HTTP/2 flow control: the generator gets at most about the stream's
    64 KiB window plus what the server's gRPC buffers ahead of what the
    host read (96 KiB measured here with 1 KiB chunks)."""
    producer = Producer()
    stub, _ = serve(producer)
    stream = stub.ExecuteStreamingTool(request("produce", n=10000,
                                               size=1024), timeout=30)
    next(stream)
    time.sleep(0.5)
    held = producer.produced
    time.sleep(0.5)
    assert producer.produced == held  # not moving
    assert 64 < held < 256
    stream.cancel()
    assert producer.cleaned.wait(10)
