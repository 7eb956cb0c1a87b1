"""The package as it is shipped: its version, and an offline pip install
(``pip install --no-build-isolation``, Debian's setuptools and pip, no index)
that holds the generated stubs, leaves the test adapters out and runs a real
worker."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Callable

import pytest

from snakepit_bridge import __version__
from snakepit_bridge._proto import bridge_pb2
from worker_harness import PYTHON_DIR, Worker, worker_env

ROOT = PYTHON_DIR.parent


def test_version_is_the_cmake_project_version() -> None:
    expected = os.environ.get("SNAKEPIT_PROJECT_VERSION")
    if expected is None:
        pytest.skip("SNAKEPIT_PROJECT_VERSION unset (ctest sets it)")
    assert __version__ == expected


@pytest.fixture(scope="module")
def installed(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The directory holding snakepit_bridge after ``pip install
    --no-build-isolation --no-index --prefix P`` of a copy of the checkout's
    python/ (with the proto and CMakeLists.txt the build reads): the
    checkout is never written to. grpcio and protobuf come from Debian."""
    work = tmp_path_factory.mktemp("pip")
    source = work / "src"
    shutil.copytree(PYTHON_DIR, source / "python", ignore=shutil.ignore_patterns(
        "tests", "build", "*.egg-info", "__pycache__"))
    shutil.copytree(ROOT / "proto", source / "proto")
    shutil.copy2(ROOT / "CMakeLists.txt", source)
    prefix = work / "prefix"
    env = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"}
    done = subprocess.run(
        [sys.executable, "-m", "pip", "install", "--no-build-isolation",
         "--no-index", "--disable-pip-version-check", "--prefix", str(prefix),
         str(source / "python")],
        capture_output=True, text=True, env=env, timeout=300)
    assert done.returncode == 0, done.stdout + done.stderr
    inits = list(prefix.rglob("snakepit_bridge/__init__.py"))
    assert len(inits) == 1, inits
    return inits[0].parent.parent


def test_pip_install_holds_the_stubs_and_version_but_no_test_adapters(
        installed: Path) -> None:
    package = installed / "snakepit_bridge"
    for generated in ("_proto/__init__.py", "_proto/bridge_pb2.py",
                      "_proto/bridge_pb2_grpc.py", "_version.py"):
        assert (package / generated).is_file(), generated
    assert (package / "adapters" / "showcase.py").is_file()
    assert not (package / "adapters" / "testing").exists()
    assert (installed / f"snakepit_bridge-{__version__}.dist-info").is_dir()
    assert f'__version__ = "{__version__}"' in (
        package / "_version.py").read_text()


def test_pip_installed_package_runs_a_worker(
        installed: Path, short_tmp: Path,
        spawn_worker: Callable[..., Worker]) -> None:
    where = subprocess.run(
        [sys.executable, "-c",
         "import snakepit_bridge; print(snakepit_bridge.__file__)"],
        env=worker_env(installed), cwd=short_tmp, capture_output=True,
        text=True, timeout=30)
    assert Path(where.stdout.strip()).is_relative_to(installed), where

    usage = subprocess.run([sys.executable, "-m", "snakepit_bridge", "--help"],
                           env=worker_env(installed), cwd=short_tmp,
                           capture_output=True, text=True, timeout=30)
    assert usage.returncode == 0 and "--adapter" in usage.stdout, usage

    worker = spawn_worker(package_dir=installed)
    assert worker.stub().Ping(bridge_pb2.PingRequest(message="hi"),
                              timeout=5).message == "hi"
    response = worker.stub().ExecuteTool(
        bridge_pb2.ExecuteToolRequest(tool_name="ping"), timeout=5)
    assert response.success, response
    assert json.loads(response.result.value) == "pong"
