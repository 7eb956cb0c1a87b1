"""Helpers to run real worker processes from tests.

Workers are started with ``subprocess.Popen`` (never ``os.fork``) on the
interpreter running the tests, as ``-m snakepit_bridge``.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest

import snakepit_bridge
from native_client import NativeClient

#: The source tree's python/ directory (tools, tests; not importable alone:
#: the build stages the runnable package).
PYTHON_DIR = Path(__file__).resolve().parent.parent
TESTS_DIR = Path(__file__).resolve().parent
#: The directory holding the snakepit_bridge package under test (the
#: build's staged copy, put on PYTHONPATH by ctest).
PACKAGE_DIR = Path(snakepit_bridge.__file__).resolve().parent.parent
SHOWCASE = "snakepit_bridge.adapters.showcase.ShowcaseAdapter"
READY_TIMEOUT_S = 10.0


def worker_env(package_dir: Path = PACKAGE_DIR,
               first_on_path: tuple[Path, ...] = ()) -> dict[str, str]:
    """Environment of a worker: the package in ``package_dir`` and the test
    adapters importable, after the directories ``first_on_path``."""
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join(
        [*map(str, first_on_path), str(package_dir), str(TESTS_DIR)])
    env["PYTHONDONTWRITEBYTECODE"] = "1"
    return env


def worker_command(directory: Path, adapter: str, max_workers: int = 1,
                   adapter_args: tuple[str, ...] = (),
                   socket: Path | None = None,
                   flags: tuple[str, ...] = ()) -> list[str]:
    """The command line the host uses to start a worker; ``flags`` are added
    before the adapter args (e.g. ``("--thread-safety-checks",)``). The
    worker serves gRPC (``Worker.stub``) unless ``flags`` name another
    transport (``("--transport", "native")``: the last one given wins)."""
    command = [
        sys.executable, "-m", "snakepit_bridge",
        "--adapter", adapter,
        "--socket", str(socket or directory / "w.sock"),
        "--ready-file", str(directory / "ready.json"),
        "--snakepit-run-id", "pytest-run",
        "--max-workers", str(max_workers),
        "--transport", "grpc",
        *flags,
    ]
    if adapter_args:
        command += ["--", *adapter_args]
    return command


class Worker:
    """A worker process started by a test, with its files, a gRPC stub and
    native clients."""

    def __init__(self, directory: Path, proc: subprocess.Popen[bytes],
                 log_path: Path) -> None:
        self.directory = directory
        self.proc = proc
        self.log_path = log_path
        self.ready_file = directory / "ready.json"
        self._channel: Any = None
        self._clients: list[NativeClient] = []

    def wait_ready_file(self, timeout: float = READY_TIMEOUT_S) -> dict[str, Any]:
        """The ready file's JSON once it appears; fails if it never does."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.ready_file.exists():
                return json.loads(self.ready_file.read_text())
            if self.proc.poll() is not None and not self.ready_file.exists():
                pytest.fail(f"worker exited with {self.proc.returncode} "
                            f"without a ready file:\n{self.log()}")
            time.sleep(0.01)
        pytest.fail(f"no ready file after {timeout}s:\n{self.log()}")

    def log(self) -> str:
        """Everything the worker wrote to stdout and stderr so far."""
        return self.log_path.read_text(errors="replace")

    def wait_log(self, text: str, timeout: float = READY_TIMEOUT_S) -> str:
        """The log once it holds ``text`` (a worker logs after it acts, e.g.
        "ready" after writing the ready file); fails if it never does."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            logged = self.log()
            if text in logged:
                return logged
            time.sleep(0.01)
        pytest.fail(f"{text!r} not logged after {timeout}s:\n{self.log()}")

    def stub(self) -> Any:
        """A BridgeService stub on the worker's address (from the ready file)."""
        import grpc

        from snakepit_bridge._proto import bridge_pb2_grpc

        if self._channel is None:
            address = json.loads(self.ready_file.read_text())["address"]
            self._channel = grpc.insecure_channel(address)
        return bridge_pb2_grpc.BridgeServiceStub(self._channel)

    def native(self) -> NativeClient:
        """A new native-transport connection to the worker's address (from
        the ready file); closed with the worker."""
        address = json.loads(self.ready_file.read_text())["address"]
        client = NativeClient(address)
        self._clients.append(client)
        return client

    def close(self) -> None:
        """Kills the process if it still runs and closes the connections."""
        if self._channel is not None:
            self._channel.close()
        for client in self._clients:
            client.close()
        if self.proc.poll() is None:
            self.proc.kill()
        self.proc.wait(timeout=10)
