"""NativeServer in-process: starting on a socket path, and stopping with and
without calls in flight."""

from __future__ import annotations

import socket
import threading
import time
from pathlib import Path

import pytest

from native_client import NativeClient, describe, execute, ping, result_of
from snakepit_bridge.adapters.showcase import ShowcaseAdapter
from snakepit_bridge.native_server import NativeServer, start_native_server
from snakepit_bridge.tool_call import ServedAdapter


def serve(path: Path, max_workers: int = 1) -> tuple[NativeServer, list[str]]:
    logged: list[str] = []
    server = start_native_server(
        ServedAdapter(ShowcaseAdapter(), "showcase", max_workers), str(path),
        logged.append)
    return server, logged


def server_threads() -> set[threading.Thread]:
    return {thread for thread in threading.enumerate()
            if thread.name.startswith("snakepit-")}


def test_start_replaces_a_stale_socket_and_refuses_other_files(
        short_tmp: Path) -> None:
    path = short_tmp / "w.sock"
    stale = socket.socket(socket.AF_UNIX)
    stale.bind(str(path))
    stale.close()
    server, _ = serve(path)
    try:
        assert server.address == f"native:{path}"
        client = NativeClient(server.address)
        assert client.call(ping(1, "up")).pong.message == "up"
        client.close()
    finally:
        server.stop(0)
    taken = short_tmp / "data.txt"
    taken.write_text("precious")
    with pytest.raises(FileExistsError, match="not a socket"):
        serve(taken)
    assert taken.read_text() == "precious"


def test_stop_closes_everything_and_removes_the_socket(short_tmp: Path) -> None:
    before = server_threads()
    server, logged = serve(short_tmp / "w.sock", max_workers=2)
    client = NativeClient(server.address)
    assert result_of(client.call(execute(1, "ping"))) == "pong"
    assert server.stop(5) == 0
    assert client.at_end()
    assert not (short_tmp / "w.sock").exists()
    deadline = time.monotonic() + 10
    while not server_threads() <= before:
        assert time.monotonic() < deadline, server_threads() - before
        time.sleep(0.01)
    assert logged == []


def test_stop_gives_up_on_a_call_after_the_grace(short_tmp: Path) -> None:
    server, _ = serve(short_tmp / "w.sock")
    client = NativeClient(server.address)
    client.send(execute(1, "sleep", ms=3000))
    deadline = time.monotonic() + 10
    while not client.call(describe(2)).info.busy_slots:
        assert time.monotonic() < deadline
    started = time.monotonic()
    assert server.stop(0.1) == 1
    assert time.monotonic() - started < 2
    assert client.at_end()
