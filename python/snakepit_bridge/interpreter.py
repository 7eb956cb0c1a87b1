"""Facts about the running interpreter, reported in the ready file and by
DescribeWorker so that the host knows what it got (e.g. a free-threaded build).
"""

from __future__ import annotations

import functools
import os
import platform
import sys
import sysconfig
from typing import Any


def free_threaded_build() -> bool:
    """True when this CPython was built with ``--disable-gil``."""
    return bool(sysconfig.get_config_var("Py_GIL_DISABLED"))


def gil_enabled() -> bool:
    """True when the GIL is active now (always, before Python 3.13)."""
    probe = getattr(sys, "_is_gil_enabled", None)
    return bool(probe()) if callable(probe) else True


@functools.cache
def _build_facts() -> dict[str, Any]:
    """The facts fixed by the interpreter's build, read once: sysconfig's
    data module costs milliseconds to import, and a fork server reads them
    before forking, so that its workers do not."""
    return {
        "python_version": platform.python_version(),
        "implementation": sys.implementation.name,
        "executable": sys.executable,
        "free_threaded_build": free_threaded_build(),
    }


def interpreter_facts() -> dict[str, Any]:
    """pid, python_version, implementation, executable, free_threaded_build and
    gil_enabled of this process, as JSON-ready values."""
    return {"pid": os.getpid(), **_build_facts(), "gil_enabled": gil_enabled()}
