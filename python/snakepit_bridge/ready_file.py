"""The ready-file handshake: how a worker tells the host it is up, or why not.

The file holds one JSON object and appears atomically (written to
``<path>.tmp``, then renamed), so the host never reads half of it.
"""

from __future__ import annotations

import json
import os
import traceback
from typing import Any

from snakepit_bridge.interpreter import interpreter_facts

#: Startup stages an error payload can name.
STAGES = ("interpreter", "import", "init", "bind")


def write_atomically(path: str, payload: dict[str, Any]) -> None:
    """Writes ``payload`` as JSON to ``path`` via ``path + ".tmp"`` and rename."""
    tmp = path + ".tmp"
    with open(tmp, "w", encoding="utf-8") as out:
        json.dump(payload, out)
        out.write("\n")
    os.rename(tmp, path)


def ready_payload(address: str, adapter: str, tools: list[str],
                  max_workers: int,
                  warnings: list[str] | None = None,
                  session_snapshots: bool = False) -> dict[str, Any]:
    """``{"status": "ready", ...}``: address, interpreter facts, adapter, tools,
    and whether the adapter can snapshot and restore sessions.

    ``warnings`` (the startup warnings, also written to stderr) is added as
    the optional ``"warnings"`` field only when there is at least one.
    """
    payload = {"status": "ready", **interpreter_facts(), "address": address,
               "adapter": adapter, "tools": list(tools),
               "max_workers": max_workers,
               "session_snapshots": session_snapshots}
    if warnings:
        payload["warnings"] = list(warnings)
    return payload


def error_payload(stage: str, exc: BaseException) -> dict[str, Any]:
    """``{"status": "error", ...}``: the failed stage and the exception."""
    if stage not in STAGES:
        raise ValueError(f"unknown stage {stage!r}")
    return {"status": "error", "stage": stage, "pid": os.getpid(),
            "type": type(exc).__name__,
            "message": str(exc),
            "traceback": "".join(traceback.format_exception(exc))}
