"""Facts about the running interpreter, reported in the ready file and by
DescribeWorker so that the host knows what it got (e.g. a free-threaded build).
"""

from __future__ import annotations

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


def interpreter_facts() -> dict[str, Any]:
    """pid, python_version, implementation, executable, free_threaded_build and
    gil_enabled of this process, as JSON-ready values."""
    return {
        "pid": os.getpid(),
        "python_version": platform.python_version(),
        "implementation": sys.implementation.name,
        "executable": sys.executable,
        "free_threaded_build": free_threaded_build(),
        "gil_enabled": gil_enabled(),
    }
