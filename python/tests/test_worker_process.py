"""End to end: ``python -m snakepit_bridge`` as a real process on a unix socket."""

from __future__ import annotations

import ctypes
import json
import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path
from typing import Any, Callable

import grpc
import pytest

from snakepit_bridge._proto import bridge_pb2
from snakepit_bridge.interpreter import interpreter_facts
from snakepit_bridge.tool_call import JSON_TYPE_URL
from worker_harness import SHOWCASE, Worker, worker_command, worker_env

Spawn = Callable[..., Worker]
TESTING = "snakepit_test_adapters"


def request(tool: str, raw: dict[str, bytes] | None = None,
            **arguments: Any) -> bridge_pb2.ExecuteToolRequest:
    """An ExecuteToolRequest; ``raw`` sets parameter bytes as they are."""
    message = bridge_pb2.ExecuteToolRequest(tool_name=tool)
    for key, value in arguments.items():
        message.parameters[key].type_url = JSON_TYPE_URL
        message.parameters[key].value = json.dumps(value).encode()
    for key, value in (raw or {}).items():
        message.parameters[key].type_url = JSON_TYPE_URL
        message.parameters[key].value = value
    return message


def result_of(response: bridge_pb2.ExecuteToolResponse) -> Any:
    assert response.success, response
    assert response.result.type_url == JSON_TYPE_URL
    return json.loads(response.result.value)


def test_ready_file_describes_the_worker(spawn_worker: Spawn) -> None:
    worker = spawn_worker(max_workers=3)
    ready = json.loads(worker.ready_file.read_text())
    assert ready == {
        "status": "ready", **interpreter_facts(), "pid": worker.proc.pid,
        "address": f"unix:{worker.directory / 'w.sock'}",
        "adapter": SHOWCASE, "max_workers": 3,
        "tools": ["add", "allocate", "ask_host", "ask_host_async",
                  "ask_host_twice", "blob", "closed_streams", "count",
                  "count_bytes", "cpu_burn", "crash", "echo", "fail",
                  "fail_after", "hash_blob", "host_tool_names", "ping",
                  "session_add", "session_peek", "sleep",
                  "time_host_calls", "tokens", "worker_info",
                  "xor_bytes"],
        "session_snapshots": False}
    assert ready["python_version"].count(".") == 2
    assert not (worker.directory / "ready.json.tmp").exists()
    worker.wait_log("ready adapter=")


def test_binds_only_the_unix_socket(spawn_worker: Spawn) -> None:
    worker = spawn_worker()
    assert (worker.directory / "w.sock").is_socket()
    pid = worker.proc.pid
    inodes = {os.stat(f"/proc/{pid}/fd/{fd}").st_ino
              for fd in os.listdir(f"/proc/{pid}/fd")
              if os.readlink(f"/proc/{pid}/fd/{fd}").startswith("socket:")}
    listening_tcp = set()
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        with open(table) as rows:
            for row in list(rows)[1:]:
                fields = row.split()
                if fields[3] == "0A":  # LISTEN
                    listening_tcp.add(int(fields[9]))
    assert inodes and not inodes & listening_tcp


def test_ping_describe_and_a_tool_call(spawn_worker: Spawn) -> None:
    worker = spawn_worker(max_workers=2)
    stub = worker.stub()
    before = time.time()
    pong = stub.Ping(bridge_pb2.PingRequest(message="hello"), timeout=5)
    assert pong.message == "hello"
    assert before - 1 <= pong.server_time.ToDatetime().timestamp() <= time.time() + 1

    info = stub.DescribeWorker(bridge_pb2.DescribeWorkerRequest(), timeout=5)
    assert (info.pid, info.adapter, info.max_workers) == (
        worker.proc.pid, SHOWCASE, 2)
    assert "sleep" in info.tools and info.implementation == "cpython"
    assert info.executable == sys.executable and info.gil_enabled

    assert result_of(stub.ExecuteTool(request("add", a=2, b=40), timeout=5)) == 42
    assert result_of(stub.ExecuteTool(request("echo", x={"k": [1, "é"]}),
                                      timeout=5)) == {"x": {"k": [1, "é"]}}
    slept = stub.ExecuteTool(request("sleep", ms=30), timeout=5)
    assert result_of(slept)["slept_ms"] == 30
    assert slept.execution_time_us >= 30_000 and slept.execution_time_ms >= 30
    assert result_of(stub.ExecuteTool(request("worker_info"), timeout=5))[
        "pid"] == worker.proc.pid


def test_python_error_carries_type_message_and_traceback(spawn_worker: Spawn) -> None:
    stub = spawn_worker().stub()
    response = stub.ExecuteTool(request("fail", message="boom"), timeout=5)
    assert not response.success
    assert response.error_message == "RuntimeError: boom"
    assert (response.error.category, response.error.type,
            response.error.message) == ("python_error", "RuntimeError", "boom")
    assert "showcase.py" in response.error.traceback
    assert response.error.traceback.endswith("RuntimeError: boom\n")


def test_a_generator_tool_over_grpc_is_a_type_error(
        spawn_worker: Spawn) -> None:
    """gRPC serves no streams: a generator tool fails, stream set or not."""
    stub = spawn_worker().stub()
    for streamed in (False, True):
        call = request("count", n=2)
        call.stream = streamed
        response = stub.ExecuteTool(call, timeout=5)
        assert (response.success, response.error.category,
                response.error.type, response.error.message) == (
            False, "python_error", "TypeError",
            "tool 'count' is a generator: call it as a stream")
    closed = stub.ExecuteTool(request("closed_streams"), timeout=5)
    assert result_of(closed) == 0


def test_unknown_command_lists_the_tools(spawn_worker: Spawn) -> None:
    response = spawn_worker().stub().ExecuteTool(request("nope"), timeout=5)
    assert not response.success
    assert response.error.category == "unknown_command"
    assert "'nope'" in response.error.message
    assert "available tools: add, allocate" in response.error.message


@pytest.mark.parametrize("call", [
    request("add", raw={"a": b"{not json", "b": b"1"}),
    request("add", a=1),
    request("add", a=1, b=2, c=3),
    request("sleep", milliseconds=5),
])
def test_invalid_arguments(spawn_worker: Spawn,
                           call: bridge_pb2.ExecuteToolRequest) -> None:
    response = spawn_worker().stub().ExecuteTool(call, timeout=5)
    assert not response.success
    assert response.error.category == "invalid_arguments", response.error
    assert response.error_message.startswith(f"{response.error.type}: ")


def test_context_binary_parameters_and_adapter_args(spawn_worker: Spawn) -> None:
    worker = spawn_worker(adapter="sample_adapters.ContextAdapter",
                          adapter_args=("--flag", "value", "--"))
    stub = worker.stub()
    call = request("whoami")
    call.session_id = "session-9"
    call.metadata["trace"] = "t-1"
    call.binary_parameters["blob"] = b"\x80\x00pickle-looking"
    assert result_of(stub.ExecuteTool(call, timeout=5)) == {
        "session_id": "session-9", "metadata": {"trace": "t-1"},
        "tool_name": "whoami", "binary_kwargs": ["blob"],
        "binary": {"blob": [16, "\x80\x00pickle-looking", "bytes"]}}
    assert result_of(stub.ExecuteTool(request("args"), timeout=5)) == [
        "--flag", "value", "--"]
    not_json = stub.ExecuteTool(request("not_json"), timeout=5)
    assert (not_json.error.category, not_json.error.type) == (
        "python_error", "TypeError")


def test_ping_answers_while_every_tool_slot_is_busy(spawn_worker: Spawn) -> None:
    stub = spawn_worker(max_workers=2).stub()
    busy = [stub.ExecuteTool.future(request("sleep", ms=1500), timeout=10)
            for _ in range(2)]
    # Wait until both slots are taken: a further call is then refused at once.
    deadline = time.monotonic() + 5
    while True:
        try:
            stub.ExecuteTool(request("ping"), timeout=1)
        except grpc.RpcError as error:
            assert error.code() == grpc.StatusCode.RESOURCE_EXHAUSTED, error
            assert "2 tool slots" in error.details()
            break
        assert time.monotonic() < deadline, "slots never filled"
        time.sleep(0.02)

    started = time.monotonic()
    assert stub.Ping(bridge_pb2.PingRequest(message="alive"),
                     timeout=0.5).message == "alive"
    assert stub.DescribeWorker(bridge_pb2.DescribeWorkerRequest(),
                               timeout=0.5).max_workers == 2
    assert time.monotonic() - started < 0.5
    assert not any(future.done() for future in busy)

    first, second = (result_of(future.result()) for future in busy)
    assert first["started"] < second["ended"] and second["started"] < first["ended"]
    assert result_of(stub.ExecuteTool(request("ping"), timeout=5)) == "pong"


@pytest.mark.parametrize("signum", [signal.SIGTERM, signal.SIGINT])
def test_signal_stops_cleanly_and_keeps_other_files(spawn_worker: Spawn,
                                                    signum: int) -> None:
    worker = spawn_worker()
    sentinel = worker.directory / "keep.me"
    sentinel.write_text("x")
    worker.proc.send_signal(signum)
    assert worker.proc.wait(timeout=5) == 0
    assert sorted(os.listdir(worker.directory)) == [
        "keep.me", "ready.json", "worker0.log"]
    assert json.loads(worker.ready_file.read_text())["status"] == "ready"
    log = worker.log()
    assert f"stopping on {signal.Signals(signum).name}" in log and "stopped" in log


def wait_until_busy(stub: Any) -> None:
    """Returns once the worker runs a tool call."""
    deadline = time.monotonic() + 10
    while not stub.DescribeWorker(bridge_pb2.DescribeWorkerRequest(),
                                  timeout=5).busy_slots:
        assert time.monotonic() < deadline, "the call never started"
        time.sleep(0.01)


def terminate_within(worker: Worker, seconds: float) -> None:
    """SIGTERM; the worker must exit 0 within ``seconds``."""
    started = time.monotonic()
    worker.proc.terminate()
    assert worker.proc.wait(timeout=60) == 0
    assert time.monotonic() - started < seconds


def test_sigterm_does_not_wait_for_a_long_tool(spawn_worker: Spawn) -> None:
    worker = spawn_worker()
    stub = worker.stub()
    long_call = stub.ExecuteTool.future(request("sleep", ms=30_000), timeout=60)
    wait_until_busy(stub)
    terminate_within(worker, 5)
    with pytest.raises(grpc.RpcError):
        long_call.result()
    assert "1 call(s) still running after the 2 s grace; abandoned" \
        in worker.log()


# The grace is an upper bound, not a wait: with a 30 s grace the worker
# leaves once its calls are answered. gRPC's own server.stop(grace) also
# waited for the client to close its connection, so every stop took the
# whole grace (2 s then) while the host held a channel open.
GRACE_FLAGS = ("--shutdown-grace", "30")


def test_sigterm_with_a_connected_idle_client_exits_at_once(
        spawn_worker: Spawn) -> None:
    worker = spawn_worker(flags=GRACE_FLAGS)
    stub = worker.stub()
    assert stub.Ping(bridge_pb2.PingRequest(message="x"),
                     timeout=5).message == "x"
    terminate_within(worker, 5)
    assert not (worker.directory / "w.sock").exists()


def test_sigterm_answers_the_call_in_flight_then_exits(
        spawn_worker: Spawn) -> None:
    worker = spawn_worker(flags=GRACE_FLAGS)
    stub = worker.stub()
    call = stub.ExecuteTool.future(request("sleep", ms=500), timeout=60)
    wait_until_busy(stub)
    terminate_within(worker, 5)
    exited = time.time()
    # Answered, and the process left only after it had ended.
    assert result_of(call.result())["ended"] <= exited
    assert "abandoned" not in worker.log()


def test_crash_tool_ends_the_process_with_its_code(spawn_worker: Spawn) -> None:
    worker = spawn_worker()
    with pytest.raises(grpc.RpcError) as info:
        worker.stub().ExecuteTool(request("crash", code=7), timeout=5)
    assert info.value.code() == grpc.StatusCode.UNAVAILABLE
    assert worker.proc.wait(timeout=5) == 7


def startup_error(worker: Worker) -> dict[str, Any]:
    assert worker.proc.wait(timeout=10) == 3, worker.log()
    payload = worker.wait_ready_file()
    assert payload["status"] == "error"
    assert payload["traceback"].startswith("Traceback (most recent call last)")
    assert not (worker.directory / "ready.json.tmp").exists()
    return payload


def test_import_error_is_reported_and_exits_3(spawn_worker: Spawn) -> None:
    worker = spawn_worker(adapter=f"{TESTING}.import_error.ImportErrorAdapter",
                          wait=False)
    payload = startup_error(worker)
    assert (payload["stage"], payload["type"]) == ("import", "ImportError")
    assert "missing_dependency" in payload["message"]
    assert "import_error.py" in payload["traceback"]
    assert "startup failed at stage import" in worker.log()
    assert not (worker.directory / "w.sock").exists()


def test_missing_module_is_an_import_stage_error(spawn_worker: Spawn) -> None:
    payload = startup_error(spawn_worker(adapter="nowhere_pkg.mod.Adapter",
                                         wait=False))
    assert (payload["stage"], payload["type"]) == ("import", "ModuleNotFoundError")


def test_init_error_is_reported_and_exits_3(spawn_worker: Spawn) -> None:
    payload = startup_error(spawn_worker(
        adapter=f"{TESTING}.init_error.InitErrorAdapter", wait=False))
    assert (payload["stage"], payload["type"], payload["message"]) == (
        "init", "RuntimeError", "simulated init failure")


def test_bind_error_is_reported_and_exits_3(spawn_worker: Spawn,
                                            short_tmp: Path) -> None:
    payload = startup_error(spawn_worker(
        socket=short_tmp / "missing-dir" / "w.sock", wait=False))
    assert (payload["stage"], payload["type"]) == ("bind", "RuntimeError")


def test_a_file_in_the_socket_place_is_kept(spawn_worker: Spawn,
                                            short_tmp: Path) -> None:
    occupant = short_tmp / "w.sock"
    occupant.write_text("not a socket")
    payload = startup_error(spawn_worker(wait=False))
    assert (payload["stage"], payload["type"]) == ("bind", "FileExistsError")
    assert occupant.read_text() == "not a socket"


def test_stale_socket_is_replaced(spawn_worker: Spawn, short_tmp: Path) -> None:
    stale = socket.socket(socket.AF_UNIX)
    stale.bind(str(short_tmp / "w.sock"))
    stale.close()
    worker = spawn_worker()
    assert worker.stub().Ping(bridge_pb2.PingRequest(), timeout=5) is not None


def test_usage_error_exits_2(short_tmp: Path) -> None:
    done = subprocess.run(
        [sys.executable, "-m", "snakepit_bridge", "--adapter", SHOWCASE],
        env=worker_env(), capture_output=True, timeout=30)
    assert done.returncode == 2
    assert b"--socket" in done.stderr


PR_SET_CHILD_SUBREAPER = 36

MIDDLEMAN = """
import subprocess, sys
child = subprocess.Popen(sys.argv[1:])
print(child.pid, flush=True)
child.wait()
"""


def test_worker_exits_when_its_parent_dies(short_tmp: Path) -> None:
    # Become a subreaper so the orphaned worker is reparented to this process,
    # which can then collect its exit status.
    libc = ctypes.CDLL(None, use_errno=True)
    assert libc.prctl(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0) == 0
    middleman = subprocess.Popen(
        [sys.executable, "-c", MIDDLEMAN, *worker_command(short_tmp, SHOWCASE)],
        stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, env=worker_env())
    worker_pid = 0
    try:
        assert middleman.stdout is not None
        worker_pid = int(middleman.stdout.readline())
        deadline = time.monotonic() + 10
        while not (short_tmp / "ready.json").exists():
            assert time.monotonic() < deadline, "worker never became ready"
            time.sleep(0.01)
        middleman.kill()
        middleman.wait(timeout=5)
        deadline = time.monotonic() + 5
        while True:
            pid, status = os.waitpid(worker_pid, os.WNOHANG)
            if pid:
                worker_pid = 0
                assert os.waitstatus_to_exitcode(status) == 1
                break
            assert time.monotonic() < deadline, "worker outlived its parent"
            time.sleep(0.05)
    finally:
        if middleman.poll() is None:
            middleman.kill()
            middleman.wait()
        if worker_pid:
            try:
                os.kill(worker_pid, signal.SIGKILL)
                os.waitpid(worker_pid, 0)
            except (ProcessLookupError, ChildProcessError):
                pass
        libc.prctl(PR_SET_CHILD_SUBREAPER, 0, 0, 0, 0)



def test_grpc_carries_8_mb_arguments_and_results(spawn_worker: Spawn) -> None:
    """gRPC's 4 MiB default refused this ("Received message larger than
    max"); the worker now takes and sends up to --max-message-bytes."""
    from snakepit_bridge._proto import bridge_pb2_grpc

    worker = spawn_worker()
    address = json.loads(worker.ready_file.read_text())["address"]
    text = "abcdefgh" * (8 * 1024 * 1024 // 8)
    limits = [("grpc.max_receive_message_length", 64 << 20),
              ("grpc.max_send_message_length", 64 << 20)]
    with grpc.insecure_channel(address, options=limits) as channel:
        stub = bridge_pb2_grpc.BridgeServiceStub(channel)
        assert result_of(stub.ExecuteTool(request("echo", x=text),
                                          timeout=30)) == {"x": text}


def test_grpc_result_over_the_limit_is_message_too_large(
        spawn_worker: Spawn) -> None:
    stub = spawn_worker(adapter="sample_adapters.SizedAdapter",
                        flags=("--max-message-bytes", str(1 << 20))).stub()
    failed = stub.ExecuteTool(request("text", size=2 << 20), timeout=10)
    assert not failed.success
    assert (failed.error.category, failed.error.type) == (
        "python_error", "MessageTooLarge")
    assert "1 MiB" in failed.error.message
    assert "max_message_mb" in failed.error.message
    assert result_of(stub.ExecuteTool(request("text", size=10),
                                      timeout=5)) == "x" * 10
