"""Command line parsing, the ready-file format and the interpreter facts."""

from __future__ import annotations

import json
import os
import platform
import select
import signal
import sys
import threading
import time
from pathlib import Path

import pytest

from snakepit_bridge.cli import (StopRequest, parse_args, split_argv,
                                  watch_parent)
from snakepit_bridge.interpreter import interpreter_facts
from snakepit_bridge.ready_file import error_payload, ready_payload, write_atomically

REQUIRED = ["--adapter", "p.m.C", "--socket", "/tmp/s.sock",
            "--ready-file", "/tmp/r.json", "--snakepit-run-id", "run-7"]


def test_required_flags_and_defaults() -> None:
    args = parse_args(REQUIRED)
    assert (args.adapter, args.socket, args.ready_file, args.snakepit_run_id,
            args.max_workers, args.adapter_args, args.shutdown_grace) == (
        "p.m.C", "/tmp/s.sock", "/tmp/r.json", "run-7", 1, [], 2.0)


@pytest.mark.parametrize("missing", ["--adapter", "--socket", "--ready-file",
                                     "--snakepit-run-id"])
def test_each_required_flag_is_required(missing: str) -> None:
    argv = list(REQUIRED)
    cut = argv.index(missing)
    del argv[cut:cut + 2]
    with pytest.raises(SystemExit) as info:
        parse_args(argv)
    assert info.value.code == 2


@pytest.mark.parametrize("value", ["0", "-1", "two"])
def test_max_workers_must_be_a_positive_integer(value: str) -> None:
    with pytest.raises(SystemExit):
        parse_args([*REQUIRED, "--max-workers", value])


def test_shutdown_grace_takes_seconds() -> None:
    assert parse_args([*REQUIRED, "--shutdown-grace", "0.25"]).shutdown_grace \
        == 0.25
    assert parse_args([*REQUIRED, "--shutdown-grace", "0"]).shutdown_grace == 0


@pytest.mark.parametrize("value", ["-1", "nan", "inf", "soon"])
def test_shutdown_grace_must_be_finite_and_not_negative(value: str) -> None:
    with pytest.raises(SystemExit):
        parse_args([*REQUIRED, "--shutdown-grace", value])


def test_everything_after_double_dash_goes_to_the_adapter() -> None:
    args = parse_args([*REQUIRED, "--max-workers", "4", "--",
                       "--adapter", "x", "--", "-v"])
    assert args.max_workers == 4
    assert args.adapter == "p.m.C"
    assert args.adapter_args == ["--adapter", "x", "--", "-v"]


def test_split_argv() -> None:
    assert split_argv(["a", "b"]) == (["a", "b"], [])
    assert split_argv(["a", "--"]) == (["a"], [])
    assert split_argv(["--", "a"]) == ([], ["a"])


def test_write_atomically_leaves_only_the_final_file(tmp_path: Path) -> None:
    target = tmp_path / "ready.json"
    target.write_text("old")
    write_atomically(str(target), {"status": "ready", "n": 1})
    assert json.loads(target.read_text()) == {"status": "ready", "n": 1}
    assert os.listdir(tmp_path) == ["ready.json"]


def test_ready_payload_fields() -> None:
    payload = ready_payload("unix:/tmp/x.sock", "p.m.C", ["a", "b"], 3)
    assert payload == {
        "status": "ready", **interpreter_facts(), "address": "unix:/tmp/x.sock",
        "adapter": "p.m.C", "tools": ["a", "b"], "max_workers": 3,
        "session_snapshots": False}
    json.dumps(payload)
    moving = ready_payload("unix:/tmp/x.sock", "p.m.C", [], 1,
                           session_snapshots=True)
    assert moving["session_snapshots"] is True


def test_error_payload_fields() -> None:
    try:
        raise KeyError("lost")
    except KeyError as exc:
        payload = error_payload("init", exc)
    assert payload["status"] == "error" and payload["stage"] == "init"
    assert payload["type"] == "KeyError" and payload["message"] == "'lost'"
    assert payload["pid"] == os.getpid()
    assert 'raise KeyError("lost")' in payload["traceback"]
    with pytest.raises(ValueError):
        error_payload("later", RuntimeError())


def test_interpreter_facts() -> None:
    facts = interpreter_facts()
    assert facts["pid"] == os.getpid()
    assert facts["python_version"] == platform.python_version()
    assert facts["python_version"].count(".") == 2
    assert facts["implementation"] == "cpython"
    assert facts["executable"] == sys.executable
    assert isinstance(facts["free_threaded_build"], bool)
    assert isinstance(facts["gil_enabled"], bool)
    if not facts["free_threaded_build"]:
        assert facts["gil_enabled"] is True


def refuse_import(monkeypatch: pytest.MonkeyPatch, refused: str) -> None:
    """Makes ``import refused`` fail as if the module were not installed."""
    monkeypatch.setitem(sys.modules, refused, None)


def test_an_interpreter_without_grpc_is_named_in_the_error(
        monkeypatch: pytest.MonkeyPatch) -> None:
    from snakepit_bridge import cli

    refuse_import(monkeypatch, "grpc")
    with pytest.raises(cli.InterpreterUnusable) as info:
        cli._check_interpreter("grpc")
    assert sys.executable in str(info.value)
    assert "python3-grpcio" in str(info.value)
    assert "grpc transport" in str(info.value)
    cli._check_interpreter("native")


def test_the_native_transport_needs_only_protobuf(
        monkeypatch: pytest.MonkeyPatch) -> None:
    from snakepit_bridge import cli

    refuse_import(monkeypatch, "google.protobuf")
    with pytest.raises(cli.InterpreterUnusable) as info:
        cli._check_interpreter("native")
    assert "python3-protobuf" in str(info.value)
    assert "native transport" in str(info.value)


def test_transport_and_message_limit_flags() -> None:
    args = parse_args(REQUIRED)
    assert (args.transport, args.max_message_bytes) == ("native", 64 << 20)
    args = parse_args(REQUIRED + ["--transport", "grpc",
                                  "--max-message-bytes", "1048576"])
    assert (args.transport, args.max_message_bytes) == ("grpc", 1 << 20)
    with pytest.raises(SystemExit):
        parse_args(REQUIRED + ["--transport", "zmq"])
    with pytest.raises(SystemExit):
        parse_args(REQUIRED + ["--max-message-bytes", "0"])


def _exit_status_within(pid: int, seconds: float) -> int | None:
    """The exit status of child ``pid`` once it exits within ``seconds``,
    else None (and the child is killed)."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        done, status = os.waitpid(pid, os.WNOHANG)
        if done:
            return os.waitstatus_to_exitcode(status)
        time.sleep(0.01)
    os.kill(pid, signal.SIGKILL)
    os.waitpid(pid, 0)
    return None


@pytest.mark.skipif(not hasattr(os, "pidfd_open"), reason="no pidfds")
def test_watch_parent_notices_the_parent_exit_without_polling() -> None:
    # A middle process forks a watcher, then exits. The watcher polls only
    # once an hour, so only the pidfd can tell it in time.
    read_end, write_end = os.pipe()
    middle = os.fork()
    if middle == 0:
        if os.fork() == 0:
            watch_parent(os.getppid(), lambda: os._exit(
                os.write(write_end, b"x") - 1), interval=3600)
            time.sleep(30)
            os._exit(1)
        time.sleep(0.2)
        os._exit(0)
    os.close(write_end)
    assert _exit_status_within(middle, 10) == 0
    ready, _, _ = select.select([read_end], [], [], 10)
    assert ready and os.read(read_end, 1) == b"x"
    os.close(read_end)


def test_stop_request_wait_returns_on_sigterm() -> None:
    child = os.fork()
    if child == 0:
        stop = StopRequest()
        stop.install()
        threading.Timer(0.1, os.kill, (os.getpid(), signal.SIGTERM)).start()
        stop.wait()
        os._exit(0 if stop.signal_name == "SIGTERM" else 1)
    assert _exit_status_within(child, 10) == 0


def test_stop_request_wait_returns_when_another_thread_takes_the_signal(
) -> None:
    # The kernel may hand SIGTERM to any thread; here it goes to a thread
    # blocked on an event. A main thread blocked on a lock would not run the
    # handler until something else woke it (the SIGUSR1 after 5 s, which
    # makes the wait end, too late).
    child = os.fork()
    if child == 0:
        stop = StopRequest()
        stop.install()
        signal.signal(signal.SIGUSR1, lambda *_: None)
        parked = threading.Event()
        bystander = threading.Thread(target=parked.wait, daemon=True)
        bystander.start()
        main = threading.main_thread().ident
        threading.Timer(0.1, signal.pthread_kill,
                        (bystander.ident, signal.SIGTERM)).start()
        threading.Timer(5.0, signal.pthread_kill,
                        (main, signal.SIGUSR1)).start()
        started = time.monotonic()
        stop.wait()
        prompt = time.monotonic() - started < 4.0
        os._exit(0 if prompt and stop.signal_name == "SIGTERM" else 1)
    assert _exit_status_within(child, 10) == 0
