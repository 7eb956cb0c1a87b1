"""Free-threading detection: the build flag and the runtime GIL state are two
facts (a free-threaded build may still run with the GIL enabled)."""

from __future__ import annotations

import os
import sys
import sysconfig
from typing import Any, Iterator

import pytest

from snakepit_bridge import interpreter


@pytest.fixture(autouse=True)
def fresh_facts() -> Iterator[None]:
    """The build facts are read once per process; each test reads its own."""
    interpreter._build_facts.cache_clear()
    yield
    interpreter._build_facts.cache_clear()


def fake_build(monkeypatch: pytest.MonkeyPatch, gil_disabled: Any) -> None:
    real = sysconfig.get_config_var

    def get_config_var(name: str) -> Any:
        return gil_disabled if name == "Py_GIL_DISABLED" else real(name)

    monkeypatch.setattr(sysconfig, "get_config_var", get_config_var)


@pytest.mark.parametrize("flag, probe, build, gil", [
    (1, lambda: True, True, True),     # free-threaded build, GIL re-enabled
    (1, lambda: False, True, False),   # free-threaded build, GIL off
    (0, lambda: True, False, True),    # normal 3.13+ build
    (None, None, False, True),         # before 3.13: no flag, no probe
])
def test_free_threading_cases(monkeypatch: pytest.MonkeyPatch, flag: Any,
                              probe: Any, build: bool, gil: bool) -> None:
    fake_build(monkeypatch, flag)
    if probe is None:
        monkeypatch.delattr(sys, "_is_gil_enabled", raising=False)
    else:
        monkeypatch.setattr(sys, "_is_gil_enabled", probe, raising=False)
    assert interpreter.free_threaded_build() is build
    assert interpreter.gil_enabled() is gil
    facts = interpreter.interpreter_facts()
    assert (facts["free_threaded_build"], facts["gil_enabled"]) == (build, gil)


def test_version_alone_decides_nothing(monkeypatch: pytest.MonkeyPatch) -> None:
    """Snakepit 0.6.0 inferred free-threading from the version number."""
    fake_build(monkeypatch, 0)
    monkeypatch.setattr(sys, "version_info", (3, 14, 0, "final", 0))
    monkeypatch.setattr(sys, "_is_gil_enabled", lambda: True, raising=False)
    assert interpreter.free_threaded_build() is False
    assert interpreter.gil_enabled() is True


def test_a_forked_child_reports_its_own_pid() -> None:
    """A fork server reads the facts before forking; its workers inherit
    them, but not its pid."""
    parent_facts = interpreter.interpreter_facts()
    read_end, write_end = os.pipe()
    child = os.fork()
    if child == 0:
        facts = interpreter.interpreter_facts()
        same_build = {k: v for k, v in facts.items() if k != "pid"} == {
            k: v for k, v in parent_facts.items() if k != "pid"}
        ok = facts["pid"] == os.getpid() and same_build
        os.write(write_end, b"1" if ok else b"0")
        os._exit(0)
    os.close(write_end)
    try:
        assert os.read(read_end, 1) == b"1"
    finally:
        os.close(read_end)
        os.waitpid(child, 0)
