"""End to end: ``python -m snakepit_bridge --transport native`` as a real
process, spoken to over its unix socket with framed envelopes."""

from __future__ import annotations

import json
import signal
import socket
import struct
import sys
import time
from pathlib import Path
from typing import Any, Callable

import pytest

from native_client import (
    NativeClient,
    cancel,
    describe,
    execute,
    host_result,
    host_tools,
    of_kind,
    ping,
    result_of,
)
from snakepit_bridge._proto.native_pb2 import Envelope
from snakepit_bridge.frames import frame_of
from worker_harness import SHOWCASE, Worker

Spawn = Callable[..., Worker]
NATIVE = ("--transport", "native")
SIZED = "sample_adapters.SizedAdapter"
MIB = 1024 * 1024


def test_ready_file_names_the_native_address(spawn_worker: Spawn) -> None:
    worker = spawn_worker(flags=NATIVE)
    ready = json.loads(worker.ready_file.read_text())
    assert ready["address"] == f"native:{worker.directory / 'w.sock'}"
    assert (worker.directory / "w.sock").is_socket()


def test_native_worker_never_imports_grpc(spawn_worker: Spawn,
                                          short_tmp: Path) -> None:
    """A grpc package that fails on import stands first on the path: the
    native worker starts and serves, the gRPC one fails at its check."""
    blocked = short_tmp / "blocked"
    (blocked / "grpc").mkdir(parents=True)
    (blocked / "grpc" / "__init__.py").write_text(
        'raise ImportError("grpc is blocked for this test")\n')
    worker = spawn_worker(flags=NATIVE, first_on_path=(blocked,))
    assert result_of(worker.native().call(execute(1, "add", a=1, b=2))) == 3

    refused = spawn_worker(wait=False, first_on_path=(blocked,),
                           socket=short_tmp / "g.sock")
    assert refused.proc.wait(timeout=20) == 3
    payload = json.loads(refused.ready_file.read_text())
    assert (payload["status"], payload["stage"]) == ("error", "interpreter")
    assert "grpc is blocked" in payload["message"]


def test_ping_describe_and_tool_calls(spawn_worker: Spawn) -> None:
    worker = spawn_worker(max_workers=2, flags=NATIVE)
    client = worker.native()
    before = time.time()
    pong = client.call(ping(11, "hello"))
    assert (pong.call_id, pong.WhichOneof("body"), pong.pong.message) == (
        11, "pong", "hello")
    assert before - 1 <= pong.pong.server_time.ToDatetime().timestamp() \
        <= time.time() + 1

    info = client.call(describe(12))
    assert (info.call_id, info.WhichOneof("body")) == (12, "info")
    assert (info.info.pid, info.info.adapter, info.info.max_workers) == (
        worker.proc.pid, SHOWCASE, 2)
    assert "sleep" in info.info.tools and info.info.executable == sys.executable
    assert (info.info.busy_slots, list(info.info.active_calls)) == (0, [])

    reply = client.call(execute(13, "add", a=2, b=40))
    assert reply.call_id == 13 and result_of(reply) == 42
    assert result_of(client.call(execute(14, "echo", x={"k": [1, "é"]}))) == {
        "x": {"k": [1, "é"]}}
    slept = client.call(execute(15, "sleep", ms=30))
    assert result_of(slept)["slept_ms"] == 30
    assert slept.result.execution_time_us >= 30_000

    failed = client.call(execute(16, "fail", message="boom")).result
    assert not failed.success
    assert (failed.error.category, failed.error.type, failed.error_message) == (
        "python_error", "RuntimeError", "RuntimeError: boom")
    assert "showcase.py" in failed.error.traceback
    unknown = client.call(execute(17, "nope")).result
    assert unknown.error.category == "unknown_command"


def test_an_empty_envelope_is_answered_with_an_internal_error(
        spawn_worker: Spawn) -> None:
    client = spawn_worker(flags=NATIVE).native()
    reply = client.call(Envelope(call_id=5))
    assert (reply.call_id, reply.WhichOneof("body")) == (5, "error")
    assert reply.error.category == "internal"
    assert "does not serve empty envelopes" in reply.error.message
    # A reply's kind sent to the worker is no request either.
    reply = client.call(of_kind(6, "pong"))
    assert reply.error.category == "internal"
    assert "does not serve 'pong' envelopes" in reply.error.message
    assert client.call(ping(7)).call_id == 7


def wait_for_busy_slots(client: NativeClient, busy: int) -> Any:
    """The worker's info once ``busy`` of its slots are taken."""
    deadline = time.monotonic() + 10
    while True:
        info = client.call(describe(1000)).info
        if info.busy_slots == busy:
            return info
        assert time.monotonic() < deadline, f"never {busy} slots busy"
        time.sleep(0.005)


def test_replies_come_in_the_order_calls_finish(spawn_worker: Spawn) -> None:
    worker = spawn_worker(max_workers=2, flags=NATIVE)
    client = worker.native()
    client.send(execute(1, "sleep", ms=2000), execute(2, "sleep", ms=1000))
    # While both run, ping and describe are answered by the reader thread.
    assert client.call(ping(3, "busy?")).pong.message == "busy?"
    info = wait_for_busy_slots(client, 2)
    assert sorted(info.active_calls) == ["1", "2"]
    first = client.receive()
    assert first.call_id == 2, "the short call must be answered first"
    # Call 1 still runs: one slot is free again.
    assert result_of(client.call(execute(5, "sleep", ms=300)))["slept_ms"] \
        == 300
    second = client.receive()
    assert second.call_id == 1
    one, two = result_of(second), result_of(first)
    assert one["started"] < two["ended"] and two["started"] < one["ended"]


def test_a_call_beyond_the_slots_is_refused_at_once(
        spawn_worker: Spawn) -> None:
    client = spawn_worker(max_workers=1, flags=NATIVE).native()
    client.send(execute(1, "sleep", ms=500), execute(2, "ping"))
    refused = client.receive()
    assert (refused.call_id, refused.WhichOneof("body")) == (2, "error")
    assert refused.error.category == "pool_saturated"
    assert "all 1 tool slots in use" in refused.error.message
    assert result_of(client.receive())["slept_ms"] == 500
    assert result_of(client.call(execute(3, "ping"))) == "pong"


def test_a_cancelled_running_call_still_answers(spawn_worker: Spawn) -> None:
    client = spawn_worker(flags=NATIVE).native()
    client.send(execute(9, "sleep", ms=1000))
    wait_for_busy_slots(client, 1)
    # The host's cancel of an unknown call is ignored too.
    client.send(cancel(9), cancel(99))
    reply = client.receive()
    assert reply.call_id == 9 and reply.WhichOneof("body") == "result"
    assert client.call(ping(10)).call_id == 10


@pytest.mark.parametrize("megabytes", [8, 32])
def test_large_arguments_and_results(spawn_worker: Spawn,
                                     megabytes: int) -> None:
    client = spawn_worker(flags=NATIVE).native()
    text = "abcdefgh" * (megabytes * MIB // 8)
    reply = client.call(execute(1, "echo", x=text))
    assert len(reply.result.result.value) > megabytes * MIB
    assert result_of(reply) == {"x": text}
    assert result_of(client.call(execute(2, "ping"))) == "pong"


def test_a_result_over_the_limit_is_message_too_large(
        spawn_worker: Spawn) -> None:
    worker = spawn_worker(adapter=SIZED, flags=NATIVE + (
        "--max-message-bytes", str(MIB)))
    client = worker.native()
    failed = client.call(execute(1, "text", size=2 * MIB)).result
    assert not failed.success
    assert (failed.error.category, failed.error.type) == (
        "python_error", "MessageTooLarge")
    assert "1 MiB" in failed.error.message
    assert "max_message_mb" in failed.error.message
    assert result_of(client.call(execute(2, "text", size=10))) == "x" * 10
    # Just under the limit still goes through.
    assert len(result_of(client.call(execute(3, "text",
                                              size=MIB - 200)))) == MIB - 200


def test_pure_python_protobuf_serves_everything(spawn_worker: Spawn) -> None:
    """The C extension cannot load on a free-threaded interpreter: the
    native transport must work on protobuf's pure-Python implementation."""
    worker = spawn_worker(adapter=SIZED, flags=NATIVE, environment={
        "PROTOCOL_BUFFERS_PYTHON_IMPLEMENTATION": "python"})
    client = worker.native()
    assert result_of(client.call(execute(1, "protobuf"))) == "python"
    assert client.call(ping(2, "p")).pong.message == "p"
    assert client.call(describe(3)).info.adapter == SIZED
    assert len(result_of(client.call(execute(4, "text", size=8 * MIB)))) \
        == 8 * MIB
    client.send(Envelope(call_id=5))
    assert client.receive(5).error.category == "internal"


def protocol_error_closes_only_that_connection(worker: Worker, sent: bytes,
                                               logged: str) -> None:
    healthy = worker.native()
    broken = worker.native()
    broken.sock.sendall(sent)
    broken.sock.shutdown(socket.SHUT_WR)
    assert broken.at_end(), "the worker must close the connection"
    worker.wait_log(logged, 10)
    assert "native connection closed on a protocol error" in worker.log()
    assert healthy.call(ping(1)).call_id == 1
    assert worker.native().call(ping(2)).call_id == 2


@pytest.mark.parametrize("sent, logged", [
    (struct.pack(">I", 2 * MIB), "OversizedFrame"),
    (frame_of(b"\xff\xff\xff"), "MalformedEnvelope"),
    (frame_of(ping(1).SerializeToString())[:-2], "TruncatedFrame"),
])
def test_a_protocol_error_closes_only_its_connection(
        spawn_worker: Spawn, sent: bytes, logged: str) -> None:
    worker = spawn_worker(flags=NATIVE + ("--max-message-bytes", str(MIB)))
    protocol_error_closes_only_that_connection(worker, sent, logged)


def test_calls_of_a_broken_connection_finish_unanswered(
        spawn_worker: Spawn) -> None:
    worker = spawn_worker(max_workers=2, flags=NATIVE)
    broken = worker.native()
    broken.send(execute(1, "sleep", ms=1000))
    broken.sock.sendall(frame_of(b"\xff"))
    assert broken.at_end()
    other = worker.native()
    assert list(other.call(describe(2)).info.active_calls) == ["1"]
    wait_for_busy_slots(other, 0)
    assert result_of(other.call(execute(3, "ping"))) == "pong"


def test_sigterm_answers_the_call_in_flight_then_exits(
        spawn_worker: Spawn) -> None:
    worker = spawn_worker(max_workers=2,
                          flags=NATIVE + ("--shutdown-grace", "30"))
    client = worker.native()
    client.send(execute(1, "sleep", ms=1500))
    wait_for_busy_slots(client, 1)
    worker.proc.send_signal(signal.SIGTERM)
    refused = None
    while refused is None:
        reply = client.call(execute(3, "ping"))
        if reply.WhichOneof("body") == "error":
            refused = reply
        else:
            time.sleep(0.01)
    assert refused.error.category == "shutting_down"
    answered = client.receive()
    assert answered.call_id == 1 and result_of(answered)["slept_ms"] == 1500
    assert worker.proc.wait(timeout=10) == 0
    assert not (worker.directory / "w.sock").exists()
    assert "abandoned" not in worker.log()


def test_a_worker_process_calls_the_host_tools(spawn_worker: Spawn) -> None:
    client = spawn_worker(max_workers=2, flags=NATIVE).native()
    client.send(host_tools(("lookup", "finds a key")))
    assert result_of(client.call(execute(1, "host_tool_names"))) == [
        "lookup"]
    client.send(execute(2, "ask_host_twice", tool="lookup",
                        arguments={"key": "k"}))
    calls = [client.host_call(), client.host_call()]
    for call, value in zip(reversed(calls), ("b", "a")):
        assert (call.host_call.tool, call.host_call.parent_call_id) == (
            "lookup", 2)
        client.send(host_result(call.call_id, value))
    assert sorted(result_of(client.receive(2))) == ["a", "b"]
