"""Thread-safety tools in-process: ThreadSafeAdapter helpers, the decorators,
the startup policy and the concurrency checker."""

from __future__ import annotations

import io
import json
import threading
import time
from typing import Any

import pytest

from snakepit_bridge import ToolContext, tool
from snakepit_bridge.adapter import BaseAdapter
from snakepit_bridge.adapters.showcase import ShowcaseAdapter
from snakepit_test_adapters.racy import RacyAdapter
from snakepit_test_adapters.unsafe import UnsafeAdapter
from snakepit_bridge.adapters.threaded_showcase import ThreadedShowcaseAdapter
from snakepit_bridge.dispatch import run_tool
from snakepit_bridge.host_warnings import WARNING_PREFIX, emit_warning, one_line
from snakepit_bridge.thread_safety import (
    ConcurrencyChecker,
    ConcurrencyReport,
    ThreadSafeAdapter,
    ThreadSafetyError,
    declared_thread_safety,
    method_safety,
    not_thread_safe,
    startup_warnings,
    synchronized,
    thread_safe_method,
)


def call(adapter: Any, name: str, **arguments: Any) -> Any:
    return json.loads(run_tool(adapter, name, arguments, ToolContext()))


def run_threads(*targets: Any) -> None:
    threads = [threading.Thread(target=target, name=f"t{i}")
               for i, target in enumerate(targets)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=10)
        assert not thread.is_alive()


# ThreadSafeAdapter helpers ---------------------------------------------------

def test_locks_are_per_name_reentrant_and_stable() -> None:
    adapter = ThreadSafeAdapter()
    cache = adapter.lock("cache")
    assert adapter.lock("cache") is cache
    assert adapter.lock("other") is not cache
    assert adapter.lock() is adapter.lock("default")
    assert ThreadSafeAdapter().lock("cache") is not cache  # per adapter object
    with cache:
        with adapter.lock("cache"):  # reentrant: no deadlock
            held_elsewhere: list[bool] = []
            run_threads(lambda: held_elsewhere.append(
                adapter.lock("cache").acquire(timeout=0.05)))
            assert held_elsewhere == [False]
            free: list[bool] = []

            def take_other() -> None:
                lock = adapter.lock("other")
                free.append(lock.acquire(timeout=1))
                lock.release()

            run_threads(take_other)
            assert free == [True]


def test_lock_created_concurrently_is_one_lock() -> None:
    adapter = ThreadSafeAdapter()
    barrier = threading.Barrier(8)
    seen: list[int] = []

    def get() -> None:
        barrier.wait()
        seen.append(id(adapter.lock("same")))

    run_threads(*[get] * 8)
    assert len(set(seen)) == 1


def test_helpers_work_without_super_init() -> None:
    class NoSuper(ThreadSafeAdapter):
        def __init__(self) -> None:
            self.x = 1

    adapter = NoSuper()
    with adapter.lock("a"):
        adapter.local.y = 2
    assert adapter.request_count == 0 and adapter.active_requests() == []


def test_thread_local_storage_is_isolated_per_thread() -> None:
    adapter = ThreadedShowcaseAdapter()
    adapter.local.name = "main"
    seen: dict[str, Any] = {}

    def worker(label: str) -> None:
        seen[label + "-before"] = getattr(adapter.local, "name", None)
        adapter.local.name = label
        time.sleep(0.02)
        seen[label] = adapter.local.name

    run_threads(lambda: worker("a"), lambda: worker("b"))
    assert seen == {"a-before": None, "b-before": None, "a": "a", "b": "b"}
    assert adapter.local.name == "main"
    assert call(adapter, "thread_calls")["calls"] == 1
    assert call(adapter, "thread_calls")["calls"] == 2
    other: list[int] = []
    run_threads(lambda: other.append(call(adapter, "thread_calls")["calls"]))
    assert other == [1]


def test_request_tracking_shows_a_call_running_on_another_thread() -> None:
    adapter = ThreadedShowcaseAdapter()
    assert adapter.request_count == 0
    result: list[Any] = []
    caller = threading.Thread(
        target=lambda: result.append(call(adapter, "sleep", ms=400)),
        name="slow-caller")
    before = time.time()
    caller.start()
    try:
        deadline = time.monotonic() + 5
        while not adapter.active_requests():
            assert time.monotonic() < deadline, "call never showed up"
            time.sleep(0.005)
        (active,) = adapter.active_requests()
        assert active["tool"] == "sleep" and active["thread"] == "slow-caller"
        assert active["thread_id"] == caller.ident
        assert before <= active["started"] <= time.time()
        assert adapter.request_count == 1
        stats = call(adapter, "stats")
        assert stats["request_count"] == 2
        assert [a["tool"] for a in stats["active_requests"]] == ["sleep", "stats"]
    finally:
        caller.join(timeout=10)
    assert result and adapter.active_requests() == []
    assert adapter.request_count == 2


def test_failed_calls_are_counted_and_leave_the_active_list() -> None:
    adapter = ThreadedShowcaseAdapter()
    with pytest.raises(Exception):
        run_tool(adapter, "increment", {"n": "x"}, ToolContext())
    with pytest.raises(Exception):
        run_tool(adapter, "no_such_tool", {}, ToolContext())
    assert adapter.request_count == 2 and adapter.active_requests() == []


def test_threaded_showcase_counter_and_cache_under_contention() -> None:
    adapter = ThreadedShowcaseAdapter()
    barrier = threading.Barrier(8)

    def hammer(i: int) -> None:
        barrier.wait()
        for j in range(200):
            call(adapter, "increment", n=1)
            call(adapter, "cache_put", key=f"{i}-{j}", value=j)

    run_threads(*[lambda i=i: hammer(i) for i in range(8)])
    assert call(adapter, "increment", n=0) == {"total": 1600}
    assert call(adapter, "cache_get", key="3-7") == {
        "key": "3-7", "found": True, "value": 7}
    assert call(adapter, "cache_get", key="nope") == {
        "key": "nope", "found": False, "value": None}
    assert call(adapter, "stats")["cache_size"] == 1600


# Decorators and declarations -------------------------------------------------

def test_decorators_mark_without_wrapping() -> None:
    def f(self: Any) -> int:
        return 1

    assert thread_safe_method(f) is f and method_safety(f) is True

    def g(self: Any) -> int:
        return 2

    assert not_thread_safe(g) is g and method_safety(g) is False
    assert method_safety(lambda: 0) is None

    class Both(BaseAdapter):
        @tool
        @not_thread_safe
        def a(self) -> int:
            return 1

        @not_thread_safe
        @tool
        def b(self) -> int:
            return 2

    assert Both().tools() == ["a", "b"]
    assert method_safety(Both.a) is False and method_safety(Both.b) is False


def test_synchronized_serializes_on_the_named_lock() -> None:
    class Counter(ThreadSafeAdapter):
        def __init__(self) -> None:
            super().__init__()
            self.value = 0

        @tool
        @synchronized("value")
        def bump(self) -> int:
            seen = self.value
            time.sleep(0.001)
            self.value = seen + 1
            return self.value

    adapter = Counter()
    assert adapter.tools() == ["bump"] and method_safety(Counter.bump) is True
    run_threads(*[lambda: [call(adapter, "bump") for _ in range(20)]] * 4)
    assert adapter.value == 80


def test_declarations() -> None:
    assert declared_thread_safety(ThreadSafeAdapter) is True
    assert declared_thread_safety(ShowcaseAdapter()) is True
    assert declared_thread_safety(ThreadedShowcaseAdapter) is True
    assert declared_thread_safety(UnsafeAdapter) is False
    assert declared_thread_safety(RacyAdapter) is None
    assert declared_thread_safety(BaseAdapter) is None


def test_startup_policy() -> None:
    name = "snakepit_test_adapters.unsafe.UnsafeAdapter"
    with pytest.raises(ThreadSafetyError) as info:
        startup_warnings(UnsafeAdapter, name, 2)
    message = str(info.value)
    assert name in message and "__thread_safe__ = True" in message
    assert "process profile" in message
    assert startup_warnings(UnsafeAdapter, name, 1) == []
    (warning,) = startup_warnings(RacyAdapter, "x.racy.RacyAdapter", 4)
    assert "x.racy.RacyAdapter does not declare __thread_safe__" in warning
    assert "max_workers=4" in warning and "thread_safety_checks" in warning
    assert startup_warnings(RacyAdapter, "x.racy.RacyAdapter", 1) == []
    assert startup_warnings(ThreadedShowcaseAdapter, "t", 8) == []


def test_warning_lines_are_one_line_with_the_exact_prefix() -> None:
    out = io.StringIO()
    line = emit_warning("first\n  second  \n\nthird", out)
    assert line == "snakepit-warning: first | second | third"
    assert out.getvalue() == line + "\n"
    assert WARNING_PREFIX == "snakepit-warning: "
    assert one_line("a") == "a"


# The concurrency checker -----------------------------------------------------

def overlapping_bumps(adapter: Any, ms: int = 300) -> list[Any]:
    barrier = threading.Barrier(2)
    results: list[Any] = []

    def bump() -> None:
        barrier.wait()
        results.append(call(adapter, "bump", ms=ms))

    run_threads(bump, bump)
    return results


def test_checker_reports_racy_bump_once_with_both_threads_and_stack() -> None:
    reports: list[ConcurrencyReport] = []
    checker = ConcurrencyChecker(reports.append)
    adapter = RacyAdapter()
    assert checker.watch(adapter) == ["bump", "read"]  # ping is marked safe
    results = overlapping_bumps(adapter)
    assert [r["seen"] for r in results] == [0, 0]  # the lost update it causes
    overlapping_bumps(adapter)  # a second overlap is not reported again
    assert len(reports) == 1, reports
    (report,) = reports
    assert (report.adapter, report.method, report.reason) == (
        "RacyAdapter", "bump", "not_thread_safe")
    assert {report.first_thread, report.second_thread} == {"t0", "t1"}
    assert report.first_ident != report.second_ident
    stack = "".join(report.stack)
    assert "test_thread_safety.py" in stack and "dispatch.py" in stack
    message = report.message()
    assert "\n" not in message
    for part in ("RacyAdapter.bump", repr(report.first_thread),
                 repr(report.second_thread), str(report.first_ident),
                 str(report.second_ident), "test_thread_safety.py"):
        assert part in message
    assert checker.reports == reports


def test_checker_observes_without_serializing() -> None:
    entered = threading.Barrier(2, timeout=5)

    class Gate(BaseAdapter):
        @tool
        @not_thread_safe
        def meet(self) -> str:
            entered.wait()  # both threads must be inside at once
            return "met"

    reports: list[ConcurrencyReport] = []
    adapter = Gate()
    ConcurrencyChecker(reports.append).watch(adapter)
    results: list[str] = []
    run_threads(*[lambda: results.append(call(adapter, "meet"))] * 2)
    assert results == ["met", "met"]
    assert len(reports) == 1 and reports[0].reason == "not_thread_safe"


def test_reentry_by_the_same_thread_is_not_a_conflict() -> None:
    class Recursive(BaseAdapter):
        @tool
        @not_thread_safe
        def depth(self, n: int) -> int:
            return 0 if n == 0 else 1 + self.depth(n - 1)

    reports: list[ConcurrencyReport] = []
    adapter = Recursive()
    ConcurrencyChecker(reports.append).watch(adapter)
    assert call(adapter, "depth", n=5) == 5
    run_threads(lambda: call(adapter, "depth", n=3))
    assert reports == []


def test_no_report_without_the_checker_and_sequential_calls_are_fine() -> None:
    adapter = RacyAdapter()
    overlapping_bumps(adapter, ms=50)  # unwatched: nothing to report to
    reports: list[ConcurrencyReport] = []
    ConcurrencyChecker(reports.append).watch(adapter)
    for _ in range(3):
        call(adapter, "bump", ms=1)
    run_threads(lambda: call(adapter, "bump", ms=1))
    assert reports == []


def test_which_methods_are_watched() -> None:
    checker = ConcurrencyChecker(lambda report: None)

    class Declared(ThreadSafeAdapter):
        @tool
        def fine(self) -> int:
            return 1

        @not_thread_safe
        def helper(self) -> int:
            return 2

    class Undeclared(BaseAdapter):
        @tool
        def a(self) -> int:
            return 1

        @tool
        @thread_safe_method
        def b(self) -> int:
            return 2

        def execute_tool(self, name: str, args: Any, context: Any) -> Any:
            return None

    assert checker.watched_methods(Declared()) == {"helper": "not_thread_safe"}
    assert checker.watched_methods(Undeclared()) == {
        "a": "undeclared adapter", "execute_tool": "undeclared adapter"}
    assert checker.watched_methods(ShowcaseAdapter()) == {}
    adapter = Undeclared()
    assert checker.watch(adapter) == ["a", "execute_tool"]
    assert checker.watch(adapter) == []  # already watched
    assert call(adapter, "a") == 1


def test_a_failing_reporter_does_not_fail_the_call() -> None:
    def explode(report: ConcurrencyReport) -> None:
        raise RuntimeError("reporter broke")

    adapter = RacyAdapter()
    ConcurrencyChecker(explode).watch(adapter)
    assert len(overlapping_bumps(adapter, ms=200)) == 2
