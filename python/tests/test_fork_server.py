"""The fork server (``python -m snakepit_bridge.fork_server``) with real
processes: this test plays the host on the control socket."""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path
from typing import Any, Iterator

import pytest

from native_client import NativeClient, execute
from worker_harness import SHOWCASE, worker_env

IDENTITY = "snakepit_test_adapters.identity.IdentityAdapter"

READY_TIMEOUT_S = 10.0


class Server:
    """A running fork server and the host's end of its control socket."""

    def __init__(self, tmp: Path, adapter: str = SHOWCASE,
                 preload: bool = False) -> None:
        self.tmp = tmp
        self.control, theirs = socket.socketpair(socket.AF_UNIX,
                                                 socket.SOCK_SEQPACKET)
        self.log_path = tmp / "fork_server.log"
        command = [sys.executable, "-m", "snakepit_bridge.fork_server",
                   "--control-fd", str(theirs.fileno()), "--adapter", adapter,
                   "--snakepit-run-id", "pytest-run"]
        if preload:
            command.append("--preload")
        with open(self.log_path, "wb") as log:
            self.proc = subprocess.Popen(command, env=worker_env(),
                                         pass_fds=[theirs.fileno()],
                                         stdout=log, stderr=subprocess.STDOUT)
        theirs.close()
        self.control.settimeout(READY_TIMEOUT_S)
        self.children: list[int] = []

    def receive(self) -> dict[str, Any]:
        """The next packet from the server."""
        packet = self.control.recv(1 << 20)
        assert packet, f"fork server closed the socket:\n{self.log()}"
        return json.loads(packet)

    def log(self) -> str:
        """What the server wrote so far."""
        return self.log_path.read_text(errors="replace")

    def fork(self, call_id: int, argv: list[str], env: dict[str, str],
             out: int, err: int) -> dict[str, Any]:
        """Sends a fork request with the two pipe ends and returns the
        answer."""
        request = {"op": "fork", "id": call_id, "argv": argv, "env": env}
        socket.send_fds(self.control, [json.dumps(request).encode()],
                        [out, err])
        answer = self.receive()
        if answer.get("op") == "started":
            self.children.append(answer["pid"])
        return answer

    def close(self) -> None:
        """Kills the server and every child it forked."""
        for pid in self.children:
            try:
                os.killpg(pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
        if self.proc.poll() is None:
            self.proc.kill()
        self.proc.wait(timeout=10)
        self.control.close()


@pytest.fixture
def server(tmp_path: Path) -> Iterator[Server]:
    started = Server(tmp_path)
    yield started
    started.close()


def worker_argv(tmp: Path, name: str, adapter: str = SHOWCASE) -> list[str]:
    """What would follow ``python -m snakepit_bridge`` for a native worker."""
    return ["--adapter", adapter, "--socket", str(tmp / f"{name}.sock"),
            "--ready-file", str(tmp / f"{name}.ready"),
            "--snakepit-run-id", "pytest-run", "--transport", "native"]


def wait_for_file(path: Path, proc_alive: Any) -> dict[str, Any]:
    """The JSON of ``path`` once it appears."""
    deadline = time.monotonic() + READY_TIMEOUT_S
    while time.monotonic() < deadline:
        if path.exists():
            return json.loads(path.read_text())
        assert proc_alive(), f"no {path.name}"
        time.sleep(0.01)
    pytest.fail(f"no {path.name} after {READY_TIMEOUT_S}s")


def is_alive(pid: int) -> bool:
    """True while ``pid`` runs (a zombie counts as gone)."""
    try:
        with open(f"/proc/{pid}/stat") as stat:
            return stat.read().rsplit(")", 1)[1].split()[0] != "Z"
    except FileNotFoundError:
        return False


def read_all(fd: int) -> str:
    """Everything until EOF on ``fd``."""
    chunks = []
    while chunk := os.read(fd, 65536):
        chunks.append(chunk)
    return b"".join(chunks).decode(errors="replace")


def test_a_forked_worker_serves_with_its_own_identity(server: Server,
                                                      tmp_path: Path) -> None:
    ready = server.receive()
    assert ready["op"] == "ready" and ready["pid"] == server.proc.pid
    out_read, out_write = os.pipe()
    err_read, err_write = os.pipe()
    answer = server.fork(7, worker_argv(tmp_path, "w1", IDENTITY),
                         {"SNAKEPIT_TEST_IDENTITY": "w1"}, out_write,
                         err_write)
    os.close(out_write)
    os.close(err_write)
    assert answer["op"] == "started" and answer["id"] == 7
    pid = answer["pid"]
    info = wait_for_file(tmp_path / "w1.ready", lambda: is_alive(pid))
    assert info["status"] == "ready", info
    client = NativeClient(info["address"])
    try:
        reply = client.call(execute(1, "identity", names=[
            "SNAKEPIT_TEST_IDENTITY", "SNAKEPIT_HOST_PID"]))
        seen = json.loads(reply.result.result.value)
    finally:
        client.close()
    # Its own process group, a child of the fork server, its command line,
    # the environment it was given and the host's pid to watch.
    assert seen["pid"] == pid and seen["pgid"] == pid
    assert seen["ppid"] == server.proc.pid
    assert seen["argv"] == worker_argv(tmp_path, "w1", IDENTITY)
    assert seen["env"] == {"SNAKEPIT_TEST_IDENTITY": "w1",
                           "SNAKEPIT_HOST_PID": str(os.getpid())}
    os.kill(pid, signal.SIGTERM)
    exited = server.receive()
    assert exited == {"op": "exited", "pid": pid, "status": 0}
    # Its output went to the pipes it was given, not the server's.
    assert f"snakepit_bridge[{pid}] ready adapter=" in read_all(err_read)
    read_all(out_read)
    assert f"snakepit_bridge[{pid}]" not in server.log()


def test_a_worker_dies_with_its_fork_server(server: Server,
                                            tmp_path: Path) -> None:
    assert server.receive()["op"] == "ready"
    out_read, out_write = os.pipe()
    answer = server.fork(1, worker_argv(tmp_path, "w2"), {}, out_write,
                         out_write)
    os.close(out_write)
    pid = answer["pid"]
    wait_for_file(tmp_path / "w2.ready", lambda: is_alive(pid))
    server.proc.kill()
    server.proc.wait(timeout=10)
    # The kernel's parent-death signal, not Python code, ends it.
    deadline = time.monotonic() + READY_TIMEOUT_S
    while is_alive(pid) and time.monotonic() < deadline:
        time.sleep(0.01)
    assert not is_alive(pid)
    os.close(out_read)


def test_bad_requests_are_refused_and_the_server_serves_on(
        server: Server, tmp_path: Path) -> None:
    assert server.receive()["op"] == "ready"
    out_read, out_write = os.pipe()
    bad = [
        (b"not json", [out_write, out_write], "bad JSON"),
        (json.dumps({"op": "exec", "id": 1}).encode(), [out_write, out_write],
         "not a fork request"),
        (json.dumps({"op": "fork", "id": 2, "argv": "x", "env": {}}).encode(),
         [out_write, out_write], "argv must be"),
        (json.dumps({"op": "fork", "id": 3, "argv": [],
                     "env": {"A=B": "c"}}).encode(), [out_write, out_write],
         "env must"),
        (json.dumps({"op": "fork", "id": 4, "argv": [], "env": {}}).encode(),
         [out_write], "expected 2 descriptors"),
    ]
    for packet, fds, reason in bad:
        socket.send_fds(server.control, [packet], fds)
        answer = server.receive()
        assert answer["op"] == "refused" and reason in answer["error"], answer
    answer = server.fork(5, worker_argv(tmp_path, "w3"), {}, out_write,
                         out_write)
    os.close(out_write)
    assert answer["op"] == "started"
    wait_for_file(tmp_path / "w3.ready", lambda: is_alive(answer["pid"]))
    os.close(out_read)


def test_a_child_with_bad_worker_flags_exits_with_the_usage_error(
        server: Server) -> None:
    assert server.receive()["op"] == "ready"
    out_read, out_write = os.pipe()
    answer = server.fork(1, ["--no-such-flag"], {}, out_write, out_write)
    os.close(out_write)
    assert answer["op"] == "started"
    exited = server.receive()
    assert exited["op"] == "exited" and exited["pid"] == answer["pid"]
    assert os.waitstatus_to_exitcode(exited["status"]) == 2
    assert "the following arguments are required" in read_all(out_read)


def test_the_server_leaves_when_the_host_closes_the_socket(
        server: Server) -> None:
    assert server.receive()["op"] == "ready"
    server.control.shutdown(socket.SHUT_RDWR)
    assert server.proc.wait(timeout=10) == 0


def test_a_failing_preload_exits_with_the_traceback(tmp_path: Path) -> None:
    failing = Server(tmp_path, adapter="no_such_module_xyz.Adapter",
                     preload=True)
    try:
        assert failing.proc.wait(timeout=READY_TIMEOUT_S) == 3
        assert "ModuleNotFoundError" in failing.log()
        assert "no_such_module_xyz" in failing.log()
    finally:
        failing.close()


def test_a_preload_imports_the_adapter_before_any_fork(tmp_path: Path) -> None:
    preloaded = Server(tmp_path, preload=True)
    try:
        ready = preloaded.receive()
        assert ready == {"op": "ready", "pid": preloaded.proc.pid,
                         "preloaded": True}
    finally:
        preloaded.close()


def test_warming_prepares_what_every_worker_computes_alike() -> None:
    """The worker's flag parser and the interpreter's facts are built in the
    server, so that no forked worker pays for them at start."""
    from snakepit_bridge import cli, fork_server, interpreter
    cli.worker_parser.cache_clear()
    interpreter._build_facts.cache_clear()
    fork_server.warm_imports(SHOWCASE, preload=False)
    assert cli.worker_parser.cache_info().currsize == 1
    assert interpreter._build_facts.cache_info().currsize == 1


def test_the_server_never_imports_grpc_nor_starts_threads(
        server: Server) -> None:
    assert server.receive()["op"] == "ready"
    tasks = os.listdir(f"/proc/{server.proc.pid}/task")
    assert tasks == [str(server.proc.pid)]
    maps = Path(f"/proc/{server.proc.pid}/maps").read_text()
    assert "cygrpc" not in maps
