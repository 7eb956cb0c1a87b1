"""The library compatibility matrix, its loaded-module check and its table in
docs/thread_safety.md."""

from __future__ import annotations

import importlib.util
import subprocess
import sys
import types

from snakepit_bridge import compat
from worker_harness import PYTHON_DIR, worker_env

TOOL = PYTHON_DIR / "tools" / "gen_compat_table.py"
DOC = PYTHON_DIR.parent / "docs" / "thread_safety.md"

_spec = importlib.util.spec_from_file_location("gen_compat_table", TOOL)
assert _spec is not None and _spec.loader is not None
gen_compat_table = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(gen_compat_table)


def test_matrix_has_at_least_20_libraries_with_a_verdict_and_advice() -> None:
    assert len(compat.MATRIX) >= 20
    assert len({row.module for row in compat.MATRIX}) == len(compat.MATRIX)
    for row in compat.MATRIX:
        assert row.verdict in compat.VERDICTS, row
        assert row.advice and "\n" not in row.advice, row
        assert row.module.isidentifier(), row
    assert compat.BY_MODULE["sqlite3"] is compat.MATRIX[
        [row.module for row in compat.MATRIX].index("sqlite3")]


def test_known_verdicts() -> None:
    verdict = {row.module: row.verdict for row in compat.MATRIX}
    for module in ("numpy", "scipy", "torch", "tensorflow", "polars", "plotly",
                   "psycopg2", "httpx", "sklearn", "xgboost", "lightgbm",
                   "spacy", "json", "hashlib"):
        assert verdict[module] == compat.THREAD_SAFE, module
    for module in ("requests", "transformers", "PIL"):
        assert verdict[module] == compat.CONDITIONAL, module
    for module in ("pandas", "matplotlib", "sqlite3", "tkinter", "asyncio"):
        assert verdict[module] == compat.NOT_THREAD_SAFE, module


def test_check_loaded_modules_finds_matrix_libraries_in_order() -> None:
    fake = {name: types.ModuleType(name)
            for name in ("pandas", "numpy", "sqlite3", "requests", "unrelated")}
    found = compat.check_loaded_modules(fake)
    assert [f.module for f in found] == ["numpy", "requests", "pandas", "sqlite3"]
    assert found[2] == compat.Finding(
        "pandas", "pandas", compat.NOT_THREAD_SAFE,
        compat.BY_MODULE["pandas"].advice)
    assert [f.module for f in compat.check_loaded_modules(
        fake, exclude={"numpy", "pandas"})] == ["requests", "sqlite3"]
    # Without arguments it looks at sys.modules.
    assert "json" in [f.module for f in compat.check_loaded_modules()]


def test_startup_warnings_only_for_unsafe_libraries_in_the_thread_profile() -> None:
    fake = {"numpy": 1, "requests": 1, "sqlite3": 1}
    warnings = compat.startup_warnings(4, fake)
    assert len(warnings) == 2
    assert warnings[0].startswith(
        "library requests (conditional) is loaded in a thread-profile worker "
        "(max_workers=4): ")
    assert "sqlite3 (stdlib) (not_thread_safe)" in warnings[1]
    assert "check_same_thread" in warnings[1]
    assert compat.startup_warnings(1, fake) == []


def test_generator_prints_the_matrix_table() -> None:
    done = subprocess.run([sys.executable, str(TOOL)], env=worker_env(),
                          capture_output=True, text=True, timeout=30)
    assert done.returncode == 0, done.stderr
    assert done.stdout == compat.markdown_table()
    lines = done.stdout.splitlines()
    assert lines[0] == "| library | import | verdict | advice |"
    assert len(lines) == 2 + len(compat.MATRIX)
    assert "| sqlite3 (stdlib) | `sqlite3` | not_thread_safe |" in done.stdout


def test_docs_table_matches_the_generator() -> None:
    """Regenerate with: python/tools/gen_compat_table.py --write"""
    table = gen_compat_table.table_in(DOC.read_text())
    assert table == compat.markdown_table(), (
        "docs/thread_safety.md is out of date: run "
        "PYTHONPATH=build/share/snakepit/python /usr/bin/python3 "
        "python/tools/gen_compat_table.py --write")


def test_write_replaces_only_the_table() -> None:
    text = (f"intro\n{gen_compat_table.BEGIN_MARK}\nold table\n"
            f"{gen_compat_table.END_MARK}\noutro\n")
    updated = gen_compat_table.with_table(text, "| new |\n")
    assert updated == (f"intro\n{gen_compat_table.BEGIN_MARK}\n| new |\n"
                       f"{gen_compat_table.END_MARK}\noutro\n")
    assert gen_compat_table.table_in(updated) == "| new |\n"
