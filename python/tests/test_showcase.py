"""Every ShowcaseAdapter tool, called through the dispatcher in-process."""

from __future__ import annotations

import ctypes
import hashlib
import json
import os
import platform
import sys
import sysconfig
import threading
import time
from typing import Any

import pytest

from snakepit_bridge import ToolContext
from snakepit_bridge.adapters.showcase import MIB, ShowcaseAdapter
from snakepit_bridge.dispatch import run_tool
from snakepit_bridge.errors import ToolFailure
from snakepit_bridge.sessions import SessionStore
from snakepit_bridge.streaming import stream_tool


@pytest.fixture
def adapter() -> ShowcaseAdapter:
    return ShowcaseAdapter()


def call(adapter: ShowcaseAdapter, name: str, **arguments: Any) -> Any:
    return json.loads(run_tool(adapter, name, arguments, ToolContext()))


def failure(adapter: ShowcaseAdapter, name: str, **arguments: Any) -> ToolFailure:
    with pytest.raises(ToolFailure) as info:
        run_tool(adapter, name, arguments, ToolContext())
    return info.value


def resident_bytes() -> int:
    with open("/proc/self/statm") as statm:
        return int(statm.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")


def test_tools(adapter: ShowcaseAdapter) -> None:
    assert adapter.tools() == [
        "add", "allocate", "ask_host", "ask_host_async", "ask_host_twice",
        "blob", "closed_streams", "count", "count_bytes", "cpu_burn",
        "crash", "echo", "fail", "fail_after", "hash_blob",
        "host_tool_names", "ping", "session_add", "session_peek", "sleep",
        "time_host_calls", "tokens", "worker_info", "xor_bytes"]


def test_ping(adapter: ShowcaseAdapter) -> None:
    assert call(adapter, "ping") == "pong"


def test_echo_returns_its_arguments(adapter: ShowcaseAdapter) -> None:
    assert call(adapter, "echo") == {}
    payload = {"s": "é", "n": 1.5, "l": [1, None, True], "o": {"k": "v"}}
    assert call(adapter, "echo", **payload) == payload


def test_add(adapter: ShowcaseAdapter) -> None:
    assert call(adapter, "add", a=2, b=3) == 5
    assert call(adapter, "add", a=0.5, b=-2) == -1.5


@pytest.mark.parametrize("a,b", [("1", 2), (1, None), (True, 1), (1, [2])])
def test_add_refuses_non_numbers(adapter: ShowcaseAdapter, a: Any, b: Any) -> None:
    error = failure(adapter, "add", a=a, b=b)
    assert (error.category, error.type) == ("python_error", "TypeError")
    assert "must be a number" in error.message


def test_sleep_sleeps_and_stamps_wall_clock(adapter: ShowcaseAdapter) -> None:
    before = time.time()
    result = call(adapter, "sleep", ms=50)
    after = time.time()
    assert result["slept_ms"] == 50
    assert before <= result["started"] <= result["ended"] <= after
    assert result["ended"] - result["started"] >= 0.045


def test_cpu_burn_busy_loops_for_the_time(adapter: ShowcaseAdapter) -> None:
    started = time.perf_counter()
    result = call(adapter, "cpu_burn", ms=30)
    assert time.perf_counter() - started >= 0.03
    assert result["ms"] == 30 and result["iterations"] > 100
    assert call(adapter, "cpu_burn", ms=0)["iterations"] == 0


def test_hash_blob_hashes_zero_mebibytes(adapter: ShowcaseAdapter) -> None:
    assert call(adapter, "hash_blob", mb=3) == {
        "mb": 3, "sha256": hashlib.sha256(bytes(3 * MIB)).hexdigest()}
    assert call(adapter, "hash_blob", mb=0)["sha256"] == hashlib.sha256().hexdigest()


def test_allocate_keeps_resident_memory(adapter: ShowcaseAdapter) -> None:
    # Memory that earlier tests freed (e.g. 32 MB messages) may still be
    # resident and be reused by the allocation: give it back first.
    ctypes.CDLL(None).malloc_trim(0)
    before = resident_bytes()
    assert call(adapter, "allocate", mb=16) == {"allocated_mb": 16, "total_mb": 16}
    assert call(adapter, "allocate", mb=8) == {"allocated_mb": 8, "total_mb": 24}
    assert resident_bytes() - before >= 22 * MIB


@pytest.mark.parametrize("name,args", [
    ("sleep", {"ms": -1}), ("cpu_burn", {"ms": -5}), ("hash_blob", {"mb": -1}),
    ("allocate", {"mb": -2}), ("crash", {"code": -1}), ("crash", {"code": 256})])
def test_negative_sizes_are_value_errors(adapter: ShowcaseAdapter, name: str,
                                         args: dict[str, Any]) -> None:
    error = failure(adapter, name, **args)
    assert (error.category, error.type) == ("python_error", "ValueError")


@pytest.mark.parametrize("name,args", [
    ("sleep", {"ms": "10"}), ("hash_blob", {"mb": 1.5}), ("allocate", {"mb": True}),
    ("crash", {"code": "x"})])
def test_wrongly_typed_sizes_are_type_errors(adapter: ShowcaseAdapter, name: str,
                                             args: dict[str, Any]) -> None:
    error = failure(adapter, name, **args)
    assert (error.category, error.type) == ("python_error", "TypeError")


def test_fail_raises_runtime_error(adapter: ShowcaseAdapter) -> None:
    default = failure(adapter, "fail")
    assert (default.type, default.message) == ("RuntimeError", "simulated failure")
    custom = failure(adapter, "fail", message="custom words")
    assert (custom.category, custom.type, custom.message) == (
        "python_error", "RuntimeError", "custom words")
    assert "raise RuntimeError(message)" in custom.traceback


def test_worker_info(adapter: ShowcaseAdapter) -> None:
    info = call(adapter, "worker_info")
    assert info == {
        "pid": os.getpid(), "thread": threading.current_thread().name,
        "thread_id": threading.get_ident(),
        "python_version": platform.python_version(),
        "implementation": sys.implementation.name,
        "executable": sys.executable,
        "free_threaded_build": bool(sysconfig.get_config_var("Py_GIL_DISABLED")),
        "gil_enabled": getattr(sys, "_is_gil_enabled", lambda: True)()}


def test_xor_bytes_takes_and_returns_raw_bytes() -> None:
    adapter = ShowcaseAdapter()
    data = bytes(range(256))
    out = run_tool(adapter, "xor_bytes", {"data": data, "key": 255},
                   ToolContext())
    assert out == bytes(b ^ 255 for b in data)
    with pytest.raises(ToolFailure, match="binary argument"):
        run_tool(adapter, "xor_bytes", {"data": "text"}, ToolContext())
    with pytest.raises(ToolFailure, match="at most 255"):
        run_tool(adapter, "xor_bytes", {"data": b"", "key": 256},
                 ToolContext())


def streamed(adapter: ShowcaseAdapter, name: str, limit: int = 1000,
             **arguments: Any) -> list[Any]:
    """The chunks of ``name`` as a stream (JSON decoded); stops it after
    ``limit`` chunks."""
    chunks: list[Any] = []

    def emit(chunk: str | bytes) -> bool:
        if len(chunks) == limit:
            return False
        chunks.append(json.loads(chunk) if isinstance(chunk, str) else chunk)
        return True

    stream_tool(adapter, name, arguments, ToolContext(), emit)
    return chunks


def test_count_streams_and_counts_its_cleanups(
        adapter: ShowcaseAdapter) -> None:
    assert call(adapter, "closed_streams") == 0
    assert streamed(adapter, "count", n=3) == [{"i": 0}, {"i": 1}, {"i": 2}]
    started = time.monotonic()
    assert streamed(adapter, "count", limit=2, n=100, ms=20) == [
        {"i": 0}, {"i": 1}]
    assert time.monotonic() - started >= 0.02
    assert call(adapter, "closed_streams") == 2
    with pytest.raises(ToolFailure):
        streamed(adapter, "count", n=-1)


def test_count_bytes_fail_after_and_tokens(adapter: ShowcaseAdapter) -> None:
    assert streamed(adapter, "count_bytes", n=3, size=2) == [
        b"\x00\x00", b"\x01\x01", b"\x02\x02"]
    chunks: list[Any] = []
    with pytest.raises(ToolFailure) as info:
        stream_tool(adapter, "fail_after", {"n": 2}, ToolContext(),
                    lambda chunk: chunks.append(chunk) or True)
    assert chunks == ['{"i": 0}', '{"i": 1}']
    assert (info.value.type, info.value.message) == ("RuntimeError",
                                                     "failed after 2")
    assert streamed(adapter, "tokens", text=" one two  three ") == [
        "one", "two", "three"]


def test_blob_returns_raw_bytes_of_the_size(adapter: ShowcaseAdapter) -> None:
    assert run_tool(adapter, "blob", {"size": 3}, ToolContext()) == b"\x07" * 3
    assert run_tool(adapter, "blob", {"size": 0}, ToolContext()) == b""
    assert len(run_tool(adapter, "blob", {"size": 65536}, ToolContext())) \
        == 65536
    error = failure(adapter, "blob", size=-1)
    assert (error.type, error.message) == ("ValueError",
                                           "size must not be negative, got -1")


def test_session_add_and_peek_keep_a_total_per_session(
        adapter: ShowcaseAdapter) -> None:
    store = SessionStore(adapter)

    def in_session(session_id: str, name: str, **arguments: Any) -> Any:
        return json.loads(run_tool(adapter, name, arguments, ToolContext(
            session_id=session_id, tool_name=name, sessions=store)))

    assert in_session("a", "session_peek") == {"total": 0, "pid": os.getpid()}
    assert in_session("a", "session_add")["total"] == 1
    assert in_session("a", "session_add", amount=-3)["total"] == -2
    assert in_session("b", "session_add", amount=4)["total"] == 4
    assert in_session("a", "session_peek")["total"] == -2
    with pytest.raises(ToolFailure) as info:
        in_session("a", "session_add", amount=1.5)
    assert (info.value.type, info.value.message) == (
        "TypeError", "amount must be an integer, got float")
    error = failure(adapter, "session_peek")
    assert (error.category, error.type) == ("python_error", "NoSessionError")


@pytest.mark.parametrize("name", ["ask_host", "ask_host_async",
                                  "ask_host_twice", "time_host_calls"])
def test_ask_host_outside_a_worker_is_unsupported(
        adapter: ShowcaseAdapter, name: str) -> None:
    extra = {"calls": 1} if name == "time_host_calls" else {}
    error = failure(adapter, name, tool="lookup", arguments={"k": 1}, **extra)
    assert (error.category, error.type) == ("python_error", "HostToolError")
    assert error.message.startswith(
        "unsupported: this ToolContext has no connection to a host")
    assert call(adapter, "host_tool_names") == []


@pytest.mark.parametrize("arguments,message", [
    ({"tool": 1}, "tool must be a string, got int"),
    ({"tool": "t", "arguments": [1]},
     "arguments must be an object, got list")])
def test_ask_host_checks_its_arguments(adapter: ShowcaseAdapter,
                                       arguments: dict[str, Any],
                                       message: str) -> None:
    error = failure(adapter, "ask_host", **arguments)
    assert (error.type, error.message) == ("TypeError", message)
