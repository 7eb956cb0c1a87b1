"""Test fixture: what a worker process is, for the fork server's tests.

``IdentityAdapter.identity(names, ms)`` returns the worker's pid, parent
pid, process group, command line and the environment variables named,
after holding its worker for ``ms`` milliseconds (so that calls sent side
by side reach every worker of a pool). Exists only for tests (a shipped
adapter must not hand out its environment).
"""

from __future__ import annotations

import os
import sys
import time
from typing import Any

from snakepit_bridge.adapter import BaseAdapter, tool


class IdentityAdapter(BaseAdapter):
    """Tells who the worker is."""

    __thread_safe__ = True

    @tool
    def identity(self, names: Any = (), ms: Any = 0) -> dict[str, Any]:
        """pid, ppid, pgid, argv and the variables of ``names``, after
        ``ms`` milliseconds."""
        time.sleep(float(ms) / 1000.0)
        return {"pid": os.getpid(), "ppid": os.getppid(),
                "pgid": os.getpgid(0), "argv": sys.argv[1:],
                "env": {name: os.environ.get(name) for name in names}}
