"""Shared fixtures: a short temporary directory, real worker processes and
in-process native servers.

Every worker a test starts is killed at teardown, and every server stopped,
so no process or server thread outlives it.
"""

from __future__ import annotations

import shutil
import subprocess
import tempfile
from pathlib import Path
from typing import Any, Callable, Iterator

import pytest

from native_client import NativeClient, ServedInProcess
from snakepit_bridge.native_server import NativeServer, start_native_server
from snakepit_bridge.tool_call import ServedAdapter
from worker_harness import (
    PACKAGE_DIR,
    SHOWCASE,
    Worker,
    worker_command,
    worker_env,
)


@pytest.fixture
def short_tmp() -> Iterator[Path]:
    """A fresh directory with a short path (unix socket paths max 107 bytes)."""
    path = Path(tempfile.mkdtemp(prefix="spw-", dir="/tmp"))
    try:
        yield path
    finally:
        shutil.rmtree(path, ignore_errors=True)


@pytest.fixture
def spawn_worker(short_tmp: Path) -> Iterator[Callable[..., Worker]]:
    """Starts workers (``spawn_worker(adapter=..., wait=True, flags=(...))``)
    of the package in ``package_dir`` (default: the one under test), with
    ``first_on_path`` ahead of it on PYTHONPATH and ``environment`` added to
    the environment; every one is killed at teardown. Their stdout and
    stderr go to one log."""
    workers: list[Worker] = []

    def spawn(adapter: str = SHOWCASE, max_workers: int = 1,
              adapter_args: tuple[str, ...] = (), wait: bool = True,
              socket: Path | None = None,
              flags: tuple[str, ...] = (),
              package_dir: Path = PACKAGE_DIR,
              first_on_path: tuple[Path, ...] = (),
              environment: dict[str, str] | None = None) -> Worker:
        log_path = short_tmp / f"worker{len(workers)}.log"
        with open(log_path, "wb") as log:
            proc = subprocess.Popen(
                worker_command(short_tmp, adapter, max_workers, adapter_args,
                               socket, flags),
                stdin=subprocess.DEVNULL, stdout=log, stderr=subprocess.STDOUT,
                env={**worker_env(package_dir, first_on_path),
                     **(environment or {})}, cwd=short_tmp)
        worker = Worker(short_tmp, proc, log_path)
        workers.append(worker)
        if wait:
            ready = worker.wait_ready_file()
            assert ready["status"] == "ready", ready
        return worker

    try:
        yield spawn
    finally:
        for worker in workers:
            worker.close()


@pytest.fixture
def native_server(short_tmp: Path) -> Iterator[Callable[..., ServedInProcess]]:
    """Starts in-process native servers (``native_server(adapter,
    max_workers=1, name=None, **limits)``, ``limits`` as ``ServedAdapter``
    takes them) on unix sockets in ``short_tmp``, each with a client;
    ``name`` defaults to the adapter's class name. Every server is stopped
    at teardown."""
    servers: list[NativeServer] = []

    def start(adapter: Any, max_workers: int = 1, name: str | None = None,
              **limits: Any) -> ServedInProcess:
        logged: list[str] = []
        server = start_native_server(
            ServedAdapter(adapter, name or type(adapter).__name__,
                          max_workers, **limits),
            str(short_tmp / f"s{len(servers)}.sock"), logged.append)
        servers.append(server)
        return ServedInProcess(server, NativeClient(server.address), logged)

    try:
        yield start
    finally:
        for server in servers:
            server.stop(0)
