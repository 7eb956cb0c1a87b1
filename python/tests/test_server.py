"""Server helpers in-process: parameter decoding and socket path checks."""

from __future__ import annotations

import socket
from pathlib import Path
from typing import Any, Callable

import pytest
from google.protobuf import any_pb2

from snakepit_bridge.errors import ToolFailure
from snakepit_bridge.socket_path import prepare_socket_path
from snakepit_bridge.tool_call import (
    JSON_TYPE_URL,
    ServedAdapter,
    decode_parameters,
)


def packed(raw: bytes) -> any_pb2.Any:
    return any_pb2.Any(type_url=JSON_TYPE_URL, value=raw)


class FakeContext:
    """The part of grpc.ServicerContext the servicer uses: callbacks that
    gRPC runs once the RPC has ended, run here by ``end()``."""

    def __init__(self, ended: bool = False) -> None:
        self.ended = ended
        self.callbacks: list[Callable[[], None]] = []

    def add_callback(self, callback: Callable[[], None]) -> bool:
        if self.ended:
            return False
        self.callbacks.append(callback)
        return True

    def end(self) -> None:
        self.ended = True
        for callback in self.callbacks:
            callback()


def test_decode_parameters_parses_each_value_as_json() -> None:
    assert decode_parameters({
        "n": packed(b"1.5"), "s": packed(b'"x"'), "o": packed(b'{"a": [null]}'),
        "t": packed(b"true")}) == {"n": 1.5, "s": "x", "o": {"a": [None]}, "t": True}
    assert decode_parameters({}) == {}


@pytest.mark.parametrize("raw", [b"{not json", b"", b"\xff\xfe", b"NaNx"])
def test_bad_json_is_invalid_arguments_naming_the_key(raw: bytes) -> None:
    with pytest.raises(ToolFailure) as info:
        decode_parameters({"good": packed(b"1"), "bad": packed(raw)})
    assert info.value.category == "invalid_arguments"
    assert "'bad'" in info.value.message


def test_stale_socket_is_removed(tmp_path: Path) -> None:
    path = tmp_path / "s.sock"
    stale = socket.socket(socket.AF_UNIX)
    stale.bind(str(path))
    stale.close()
    assert path.exists()
    assert prepare_socket_path(str(path)) == str(path)
    assert not path.exists()


def test_a_regular_file_is_never_removed(tmp_path: Path) -> None:
    path = tmp_path / "data.txt"
    path.write_text("precious")
    with pytest.raises(FileExistsError, match="not a socket"):
        prepare_socket_path(str(path))
    assert path.read_text() == "precious"


def test_too_long_socket_path_is_refused(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="limit is 107"):
        prepare_socket_path(str(tmp_path / ("x" * 120)))


def test_relative_path_becomes_absolute(tmp_path: Path,
                                        monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    assert prepare_socket_path("w.sock") == str(tmp_path / "w.sock")


def test_describe_worker_lists_the_calls_running_now() -> None:
    """The host polls active_calls to learn when an abandoned call ends."""
    import threading
    import time

    from snakepit_bridge._proto import bridge_pb2
    from snakepit_bridge.adapters.showcase import ShowcaseAdapter
    from snakepit_bridge.server import CALL_ID_KEY, BridgeServicer

    servicer = BridgeServicer(ServedAdapter(ShowcaseAdapter(), "showcase", 2))
    request = bridge_pb2.ExecuteToolRequest(tool_name="sleep")
    request.parameters["ms"].CopyFrom(packed(b"300"))
    request.metadata[CALL_ID_KEY] = "42"
    call = threading.Thread(target=servicer.ExecuteTool,
                            args=(request, FakeContext()))
    call.start()
    try:
        deadline = time.monotonic() + 5
        info = servicer.DescribeWorker(None, None)
        while info.busy_slots == 0 and time.monotonic() < deadline:
            time.sleep(0.01)
            info = servicer.DescribeWorker(None, None)
        assert info.busy_slots == 1
        assert list(info.active_calls) == ["42"]
    finally:
        call.join()
    info = servicer.DescribeWorker(None, None)
    assert info.busy_slots == 0
    assert list(info.active_calls) == []


def ping_request() -> Any:
    from snakepit_bridge._proto import bridge_pb2

    return bridge_pb2.ExecuteToolRequest(tool_name="ping")


def test_a_call_stays_open_until_its_rpc_has_ended() -> None:
    """A stop waits for the answer to leave, not only for the tool to
    return: gRPC ends the RPC after the response is sent."""
    from snakepit_bridge.adapters.showcase import ShowcaseAdapter
    from snakepit_bridge.server import BridgeServicer

    servicer = BridgeServicer(ServedAdapter(ShowcaseAdapter(), "showcase", 2))
    first, second = FakeContext(), FakeContext()
    assert servicer.ExecuteTool(ping_request(), first).success
    assert servicer.ExecuteTool(ping_request(), second).success
    assert servicer.wait_for_open_calls(0) == 2
    first.end()
    assert servicer.wait_for_open_calls(0) == 1
    second.end()
    assert servicer.wait_for_open_calls(0) == 0


def test_a_call_whose_rpc_already_ended_is_not_open() -> None:
    from snakepit_bridge.adapters.showcase import ShowcaseAdapter
    from snakepit_bridge.server import BridgeServicer

    servicer = BridgeServicer(ServedAdapter(ShowcaseAdapter(), "showcase", 1))
    assert servicer.ExecuteTool(ping_request(), FakeContext(ended=True)).success
    assert servicer.wait_for_open_calls(0) == 0
