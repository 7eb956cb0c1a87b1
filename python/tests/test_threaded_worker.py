"""End to end: thread-profile workers (``--max-workers N > 1``) as real processes.

The refusal of unsafe adapters, startup warnings on stderr and in the ready
file, the concurrency checker over gRPC, library warnings, real parallelism
and the server's stream limit.
"""

from __future__ import annotations

import json
import threading
from concurrent.futures import Future
from pathlib import Path
from typing import Any, Callable

import grpc
import pytest

from snakepit_bridge import server as server_module
from snakepit_bridge._proto import bridge_pb2
from snakepit_bridge.adapters.showcase import ShowcaseAdapter
from snakepit_bridge.host_warnings import WARNING_PREFIX
from snakepit_bridge.server import server_options, start_server
from snakepit_bridge.tool_call import JSON_TYPE_URL, ServedAdapter
from worker_harness import Worker

Spawn = Callable[..., Worker]
TESTING = "snakepit_test_adapters"
UNSAFE = f"{TESTING}.unsafe.UnsafeAdapter"
RACY = f"{TESTING}.racy.RacyAdapter"
PANDAS_USER = f"{TESTING}.pandas_user.PandasUserAdapter"
THREADED = "snakepit_bridge.adapters.threaded_showcase.ThreadedShowcaseAdapter"
CHECKS = ("--thread-safety-checks",)
REPORT = "thread-safety: concurrent entry into"


def request(tool: str, **arguments: Any) -> bridge_pb2.ExecuteToolRequest:
    message = bridge_pb2.ExecuteToolRequest(tool_name=tool)
    for key, value in arguments.items():
        message.parameters[key].type_url = JSON_TYPE_URL
        message.parameters[key].value = json.dumps(value).encode()
    return message


def result_of(response: bridge_pb2.ExecuteToolResponse) -> Any:
    assert response.success, response
    return json.loads(response.result.value)


def warning_lines(worker: Worker) -> list[str]:
    """The worker's ``snakepit-warning: `` lines, without the prefix."""
    return [line[len(WARNING_PREFIX):] for line in worker.log().splitlines()
            if line.startswith(WARNING_PREFIX)]


def concurrently(stub: Any, *calls: bridge_pb2.ExecuteToolRequest) -> list[Any]:
    """Sends every call at once and returns their results in order."""
    futures: list[Future[Any]] = [stub.ExecuteTool.future(call, timeout=20)
                                  for call in calls]
    return [result_of(future.result()) for future in futures]


# Startup policy --------------------------------------------------------------

def test_adapter_declaring_unsafe_is_refused_in_the_thread_profile(
        spawn_worker: Spawn) -> None:
    worker = spawn_worker(adapter=UNSAFE, max_workers=2, wait=False)
    assert worker.proc.wait(timeout=20) == 3, worker.log()
    payload = worker.wait_ready_file()
    assert (payload["status"], payload["stage"], payload["type"]) == (
        "error", "init", "ThreadSafetyError")
    assert UNSAFE in payload["message"]
    assert "__thread_safe__ = True" in payload["message"]
    assert "process profile" in payload["message"]
    assert payload["traceback"].startswith("Traceback (most recent call last)")
    assert "startup failed at stage init: ThreadSafetyError" in worker.log()
    assert not (worker.directory / "w.sock").exists()


def test_adapter_declaring_unsafe_serves_in_the_process_profile(
        spawn_worker: Spawn) -> None:
    worker = spawn_worker(adapter=UNSAFE, max_workers=1)
    ready = worker.wait_ready_file()
    assert ready["status"] == "ready" and "warnings" not in ready
    assert warning_lines(worker) == []
    assert result_of(worker.stub().ExecuteTool(request("ping"), timeout=5)) == "pong"


def test_undeclared_adapter_warns_on_stderr_and_in_the_ready_file(
        spawn_worker: Spawn) -> None:
    worker = spawn_worker(adapter=RACY, max_workers=2)
    ready = worker.wait_ready_file()
    (warning,) = ready["warnings"]
    assert f"adapter {RACY} does not declare __thread_safe__" in warning
    assert "max_workers=2" in warning
    assert warning_lines(worker) == [warning]
    # Without --thread-safety-checks overlapping calls are not reported.
    first, second = concurrently(worker.stub(), request("bump", ms=400),
                                 request("bump", ms=400))
    assert REPORT not in worker.log()
    assert "thread-safety checks on" not in worker.log()
    if first["seen"] == second["seen"] == 0:  # they did overlap
        assert result_of(worker.stub().ExecuteTool(request("read"),
                                                   timeout=5)) == 1


def test_undeclared_adapter_in_the_process_profile_gets_no_warning(
        spawn_worker: Spawn) -> None:
    worker = spawn_worker(adapter=RACY, max_workers=1)
    assert "warnings" not in worker.wait_ready_file()
    assert warning_lines(worker) == []


def test_showcase_starts_without_warnings_in_the_thread_profile(
        spawn_worker: Spawn) -> None:
    worker = spawn_worker(max_workers=4, flags=CHECKS)
    assert "warnings" not in worker.wait_ready_file()
    assert "thread-safety checks on; watching: (nothing)" in worker.log()
    assert warning_lines(worker) == []


# The checker over gRPC ---------------------------------------------------------

def test_checker_reports_overlapping_racy_calls_once(spawn_worker: Spawn) -> None:
    worker = spawn_worker(adapter=RACY, max_workers=2, flags=CHECKS)
    assert "thread-safety checks on; watching: bump, read" in worker.log()
    stub = worker.stub()
    for _ in range(2):  # the second overlap is not reported again
        concurrently(stub, request("bump", ms=500), request("bump", ms=500))
    # The report is written before the second call returns.
    reports = [line for line in warning_lines(worker) if REPORT in line]
    assert len(reports) == 1, worker.log()
    (report,) = reports
    assert report.startswith(
        f"{REPORT} RacyAdapter.bump (not_thread_safe): thread 'snakepit-rpc_")
    assert report.count("'snakepit-rpc_") >= 3  # both threads, the stack's owner
    assert report.count("(ident ") == 2
    assert "in _call_method" in report and "dispatch.py" in report
    assert report.endswith("[reported once per method]")
    # The undeclared-adapter startup warning came first.
    assert "does not declare __thread_safe__" in warning_lines(worker)[0]


# Library compatibility warnings ---------------------------------------------

def test_library_warnings_in_the_thread_profile(spawn_worker: Spawn) -> None:
    worker = spawn_worker(adapter=PANDAS_USER, max_workers=2)
    ready = worker.wait_ready_file()
    (warning,) = ready["warnings"]
    assert warning.startswith(
        "library sqlite3 (stdlib) (not_thread_safe) is loaded in a "
        "thread-profile worker (max_workers=2): ")
    assert "check_same_thread" in warning
    assert warning_lines(worker) == [warning]
    # The adapter uses a connection per thread, so it works concurrently.
    results = concurrently(worker.stub(), request("square", x=3),
                           request("square", x=4))
    assert [r["value"] for r in results] == [9, 16]


def test_no_library_warnings_in_the_process_profile(spawn_worker: Spawn) -> None:
    worker = spawn_worker(adapter=PANDAS_USER, max_workers=1)
    assert "warnings" not in worker.wait_ready_file()
    assert warning_lines(worker) == []


# Real parallelism ------------------------------------------------------------

def test_four_sleeps_run_in_parallel_on_four_threads(spawn_worker: Spawn) -> None:
    worker = spawn_worker(adapter=THREADED, max_workers=4)
    stub = worker.stub()
    for attempt in range(2):  # a very loaded machine may delay one start
        results = concurrently(stub, *[request("sleep", ms=300)] * 4)
        latest_start = max(r["started"] for r in results)
        earliest_end = min(r["ended"] for r in results)
        if latest_start < earliest_end:
            break
    # Every [started, ended] interval contains the instant latest_start.
    assert latest_start < earliest_end, results
    assert len({r["thread_id"] for r in results}) == 4
    assert all(r["thread"].startswith("snakepit-rpc") for r in results)


def test_threaded_showcase_shared_state_over_grpc(spawn_worker: Spawn) -> None:
    worker = spawn_worker(adapter=THREADED, max_workers=4, flags=CHECKS)
    assert "warnings" not in worker.wait_ready_file()
    stub = worker.stub()
    totals = concurrently(stub, *[request("increment", n=1)] * 4)
    assert sorted(t["total"] for t in totals) == [1, 2, 3, 4]
    assert result_of(stub.ExecuteTool(request("cache_put", key="k", value=[1]),
                                      timeout=5)) == {"key": "k", "size": 1}
    assert result_of(stub.ExecuteTool(request("cache_get", key="k"),
                                      timeout=5))["value"] == [1]
    stats = result_of(stub.ExecuteTool(request("stats"), timeout=5))
    assert stats["request_count"] == 7 and stats["counter"] == 4
    assert [a["tool"] for a in stats["active_requests"]] == ["stats"]
    assert REPORT not in worker.log()


# The server's stream limit ---------------------------------------------------

def test_server_options_limit_streams_to_slots_plus_one() -> None:
    assert server_options(1)[0] == ("grpc.max_concurrent_streams", 2)
    assert server_options(8)[0] == ("grpc.max_concurrent_streams", 9)
    with pytest.raises(ValueError):
        server_options(0)


def test_server_options_take_messages_up_to_the_limit_both_ways() -> None:
    assert server_options(1)[1:] == [
        ("grpc.max_receive_message_length", 64 << 20),
        ("grpc.max_send_message_length", 64 << 20)]
    assert server_options(1, 8 << 20)[1:] == [
        ("grpc.max_receive_message_length", 8 << 20),
        ("grpc.max_send_message_length", 8 << 20)]


def test_start_server_passes_the_options(monkeypatch: pytest.MonkeyPatch,
                                         short_tmp: Path) -> None:
    seen: dict[str, Any] = {}
    real_server = grpc.server

    def spy(thread_pool: Any, *args: Any, **kwargs: Any) -> Any:
        seen["options"] = kwargs.get("options")
        seen["threads"] = thread_pool._max_workers
        return real_server(thread_pool, *args, **kwargs)

    monkeypatch.setattr(server_module.grpc, "server", spy)
    running = start_server(ServedAdapter(ShowcaseAdapter(), "showcase", 3),
                           str(short_tmp / "s.sock"))
    try:
        assert seen == {"options": [("grpc.max_concurrent_streams", 4),
                                    ("grpc.max_receive_message_length",
                                     64 << 20),
                                    ("grpc.max_send_message_length",
                                     64 << 20)],
                        "threads": 4}
        with grpc.insecure_channel(running.address) as channel:
            from snakepit_bridge._proto import bridge_pb2_grpc
            stub = bridge_pb2_grpc.BridgeServiceStub(channel)
            assert stub.Ping(bridge_pb2.PingRequest(message="x"),
                             timeout=5).message == "x"
    finally:
        running.server.stop(0).wait()


def test_checker_report_reaches_stderr_in_process(capsys: pytest.CaptureFixture[str]
                                                  ) -> None:
    """The CLI's reporter writes one ``snakepit-warning: `` line per report."""
    from snakepit_bridge import cli
    from snakepit_test_adapters.racy import RacyAdapter
    from snakepit_bridge.dispatch import run_tool
    from snakepit_bridge.adapter import ToolContext

    adapter = RacyAdapter()
    cli._install_checker(adapter)
    barrier = threading.Barrier(2)

    def bump() -> None:
        barrier.wait()
        run_tool(adapter, "bump", {"ms": 300}, ToolContext())

    threads = [threading.Thread(target=bump) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=10)
    err = capsys.readouterr().err
    lines = [line for line in err.splitlines() if line.startswith(WARNING_PREFIX)]
    assert len(lines) == 1 and REPORT in lines[0], err


def test_cli_flag_and_ready_payload_warnings() -> None:
    from snakepit_bridge.cli import parse_args
    from snakepit_bridge.ready_file import ready_payload

    base = ["--adapter", "p.m.C", "--socket", "/tmp/s.sock", "--ready-file",
            "/tmp/r.json", "--snakepit-run-id", "r"]
    assert parse_args(base).thread_safety_checks is False
    args = parse_args([*base, "--max-workers", "3", "--thread-safety-checks",
                       "--", "--thread-safety-checks"])
    assert args.thread_safety_checks is True
    assert args.adapter_args == ["--thread-safety-checks"]
    assert "warnings" not in ready_payload("unix:/x", "p.m.C", [], 2, [])
    assert ready_payload("unix:/x", "p.m.C", [], 2, ["a", "b"])["warnings"] == [
        "a", "b"]
