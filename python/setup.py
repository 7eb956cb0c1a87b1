"""Build of the snakepit_bridge package (metadata: pyproject.toml).

Besides copying the sources, ``build_py`` writes the files the checkout does
not hold into the build directory, never into the source tree:

- ``snakepit_bridge/_proto/``: the gRPC and protobuf stubs of
  ``proto/bridge.proto``, generated with ``protoc`` and
  ``grpc_python_plugin`` (Debian: protobuf-compiler, protobuf-compiler-grpc;
  the environment variables ``PROTOC`` and ``GRPC_PYTHON_PLUGIN`` name
  others). Not grpc_tools: Debian's bundles a protoc too old for proto3.
- ``snakepit_bridge/_version.py``: the version, read from
  ``project(snakepit VERSION ...)`` in the top-level ``CMakeLists.txt``, the
  one place it is written.

pip runs this (``pip install --no-build-isolation ./python``), and so does
CMake, which stages the package in ``<build>/share/snakepit/python`` with
``setup.py build_py --build-lib <that directory>``.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import tempfile
from pathlib import Path

from setuptools import find_packages, setup
from setuptools.command.build_py import build_py

ROOT = Path(__file__).resolve().parent.parent
CMAKE_LISTS = ROOT / "CMakeLists.txt"
PROTO = ROOT / "proto" / "bridge.proto"
#: The native transport's envelope: messages only, no gRPC service.
NATIVE_PROTO = ROOT / "proto" / "native.proto"
PACKAGE = "snakepit_bridge"


def project_version(cmake_lists: Path) -> str:
    """The VERSION of ``project(snakepit VERSION x.y.z ...)``."""
    text = cmake_lists.read_text(encoding="utf-8")
    found = re.search(r"project\(\s*snakepit\s+VERSION\s+([0-9][0-9.]*)", text)
    if found is None:
        raise RuntimeError(f"{cmake_lists}: no project(snakepit VERSION ...)")
    return found.group(1)


def tool(variable: str, name: str, package: str) -> str:
    """The program named by ``$variable``, else ``name`` on PATH."""
    program = os.environ.get(variable) or shutil.which(name)
    if not program:
        raise RuntimeError(f"{name} not found: install the Debian package "
                           f"{package}, or name it in ${variable}")
    return program


def generate_stubs(build_lib: Path) -> None:
    """Writes ``_proto/bridge_pb2.py``, ``bridge_pb2_grpc.py``,
    ``native_pb2.py`` and ``__init__.py`` under ``build_lib/snakepit_bridge``.
    The protos are staged under ``snakepit_bridge/_proto/`` so the generated
    imports are absolute package imports."""
    protoc = tool("PROTOC", "protoc", "protobuf-compiler")
    plugin = tool("GRPC_PYTHON_PLUGIN", "grpc_python_plugin",
                  "protobuf-compiler-grpc")
    with tempfile.TemporaryDirectory(prefix="snakepit-proto-") as stage:
        staged = Path(stage) / PACKAGE / "_proto" / "bridge.proto"
        staged.parent.mkdir(parents=True)
        shutil.copyfile(PROTO, staged)
        # native.proto imports "bridge.proto": staged with the import
        # rewritten to the package path, like bridge.proto itself.
        native = staged.with_name("native.proto")
        native.write_text(
            NATIVE_PROTO.read_text(encoding="utf-8").replace(
                'import "bridge.proto";',
                f'import "{PACKAGE}/_proto/bridge.proto";'),
            encoding="utf-8")
        subprocess.run(
            [protoc, f"--proto_path={stage}", f"--python_out={build_lib}",
             f"--grpc_python_out={build_lib}",
             f"--plugin=protoc-gen-grpc_python={plugin}", str(staged)],
            check=True)
        subprocess.run(
            [protoc, f"--proto_path={stage}", f"--python_out={build_lib}",
             str(native)],
            check=True)
    (build_lib / PACKAGE / "_proto" / "__init__.py").write_text(
        '"""Generated gRPC and protobuf stubs of proto/bridge.proto."""\n',
        encoding="utf-8")


def write_version(build_lib: Path, version: str) -> None:
    """Writes ``snakepit_bridge/_version.py`` under ``build_lib``."""
    (build_lib / PACKAGE / "_version.py").write_text(
        '"""Version of snakepit_bridge, written by the build from '
        'CMakeLists.txt."""\n\n'
        f'__version__ = "{version}"\n', encoding="utf-8")


class BuildWithGenerated(build_py):
    """``build_py`` that adds the stubs and the version file."""

    def run(self) -> None:
        super().run()
        if not self.dry_run:
            build_lib = Path(self.build_lib)
            generate_stubs(build_lib)
            write_version(build_lib, self.distribution.get_version())


# No package data beyond the modules: with it, build_py would first run
# egg_info, which writes into the source tree.
setup(version=project_version(CMAKE_LISTS),
      packages=find_packages(include=[PACKAGE, f"{PACKAGE}.*"]),
      include_package_data=False,
      cmdclass={"build_py": BuildWithGenerated})
