"""ShowcaseAdapter: small tools that exercise every path of a worker.

Used by the examples, the benchmarks and the host's integration tests:
latency (``ping``), payloads (``echo``, and ``xor_bytes`` for binary
arguments and results), errors (``fail``, ``add`` with bad
input), crashes (``crash``), concurrency (``sleep`` with wall-clock stamps),
GIL-bound and GIL-free CPU work (``cpu_burn``, ``hash_blob``), memory growth
for recycling (``allocate``), interpreter facts (``worker_info``) and
streams (``count``, ``count_bytes``, ``fail_after``, the async ``tokens``;
``closed_streams`` tells how many ``count`` streams ran their cleanup;
``blob`` is ``count_bytes``'s bytes in one result, for comparing the two),
sessions (``session_add``, ``session_peek``: a running total per session,
kept by the worker; no snapshot hooks, see ``session_counter`` for those)
and host tools (``ask_host`` calls any of them, ``ask_host_async`` the same
from an async tool, ``ask_host_twice`` twice at once from two threads;
``host_tool_names`` lists them; ``time_host_calls`` times a loop of them
against the same loop of a Python function; native transport only).

Runs in both profiles: every tool is stateless except ``allocate``,
``count`` and the session tools, whose shared state is guarded by
``self.lock``, so the adapter is a ``ThreadSafeAdapter``
(``__thread_safe__ = True``).
"""

from __future__ import annotations

import asyncio
import hashlib
import os
import sys
import threading
import time
from typing import Any, AsyncIterator, Iterator

from snakepit_bridge.adapter import ToolContext, tool
from snakepit_bridge.interpreter import interpreter_facts
from snakepit_bridge.thread_safety import ThreadSafeAdapter

MIB = 1024 * 1024
_PAGE = 4096


def _number(name: str, value: Any) -> float:
    """``value`` if it is an int or float (not a bool), else TypeError."""
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise TypeError(f"{name} must be a number, got {type(value).__name__}")
    return value


def _non_negative(name: str, value: Any) -> float:
    value = _number(name, value)
    if value < 0:
        raise ValueError(f"{name} must not be negative, got {value}")
    return value


def _host_arguments(tool: Any, arguments: Any) -> dict[str, Any]:
    """``arguments`` (None for none) as keyword arguments for host tool
    ``tool``; TypeError unless a string and an object."""
    if not isinstance(tool, str):
        raise TypeError(f"tool must be a string, got {type(tool).__name__}")
    if arguments is None:
        return {}
    if not isinstance(arguments, dict):
        raise TypeError("arguments must be an object, got "
                        f"{type(arguments).__name__}")
    return arguments


def _non_negative_int(name: str, value: Any) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        raise TypeError(f"{name} must be an integer, got {type(value).__name__}")
    if value < 0:
        raise ValueError(f"{name} must not be negative, got {value}")
    return value


def _local_echo(**kwargs: Any) -> dict[str, Any]:
    """What a trivial host tool does, in Python: ``time_host_calls``'s
    baseline."""
    return kwargs


class ShowcaseAdapter(ThreadSafeAdapter):
    """Demo tools; see the module docstring for what each one is for."""

    def __init__(self) -> None:
        super().__init__()
        self.adapter_args: list[str] = []
        self._kept: list[bytearray] = []
        self._closed_streams = 0

    @tool
    def ping(self) -> str:
        """Returns "pong"."""
        return "pong"

    @tool
    def echo(self, **kwargs: Any) -> dict[str, Any]:
        """Returns its arguments as an object."""
        return kwargs

    @tool
    def xor_bytes(self, data: bytes, key: Any = 0) -> bytes:
        """``data`` (a binary argument) with every byte XORed with ``key``
        (0-255), returned as a binary result."""
        if not isinstance(data, bytes):
            raise TypeError("data must be a binary argument (bytes), got "
                            f"{type(data).__name__}")
        key = _non_negative_int("key", key)
        if key > 255:
            raise ValueError(f"key must be at most 255, got {key}")
        return data.translate(bytes(b ^ key for b in range(256)))

    @tool
    def add(self, a: Any, b: Any) -> float:
        """a + b for two numbers; TypeError otherwise."""
        return _number("a", a) + _number("b", b)

    @tool
    def sleep(self, ms: Any) -> dict[str, Any]:
        """Sleeps ``ms`` milliseconds; returns wall-clock start and end."""
        ms = _non_negative("ms", ms)
        started = time.time()
        time.sleep(ms / 1000.0)
        return {"slept_ms": ms, "started": started, "ended": time.time()}

    @tool
    def cpu_burn(self, ms: Any) -> dict[str, Any]:
        """Busy-loops in pure Python (holding the GIL) for ``ms`` milliseconds."""
        ms = _non_negative("ms", ms)
        deadline = time.perf_counter() + ms / 1000.0
        iterations = 0
        while time.perf_counter() < deadline:
            iterations += 1
        return {"iterations": iterations, "ms": ms}

    @tool
    def hash_blob(self, mb: Any) -> dict[str, Any]:
        """SHA-256 of ``mb`` MiB of zero bytes, fed in 1 MiB chunks.

        hashlib releases the GIL on large buffers, so calls run in parallel.
        """
        mb = _non_negative_int("mb", mb)
        chunk = bytes(MIB)
        digest = hashlib.sha256()
        for _ in range(mb):
            digest.update(chunk)
        return {"mb": mb, "sha256": digest.hexdigest()}

    @tool
    def allocate(self, mb: Any) -> dict[str, Any]:
        """Allocates ``mb`` MiB, touches every page and keeps it until exit."""
        mb = _non_negative_int("mb", mb)
        block = bytearray(mb * MIB)
        block[::_PAGE] = b"\x01" * len(range(0, len(block), _PAGE))
        with self.lock("kept"):
            self._kept.append(block)
            total = sum(len(b) for b in self._kept) // MIB
        return {"allocated_mb": mb, "total_mb": total}

    @tool
    def fail(self, message: str = "simulated failure") -> None:
        """Raises RuntimeError(message)."""
        raise RuntimeError(message)

    @tool
    def crash(self, code: Any = 1) -> None:
        """Flushes stdout/stderr and ends the process with ``os._exit(code)``."""
        code = _non_negative_int("code", code)
        if code > 255:
            raise ValueError(f"code must be at most 255, got {code}")
        sys.stdout.flush()
        sys.stderr.flush()
        os._exit(code)

    @tool
    def worker_info(self) -> dict[str, Any]:
        """pid, serving thread and interpreter facts."""
        current = threading.current_thread()
        return {"thread": current.name, "thread_id": threading.get_ident(),
                **interpreter_facts()}

    @tool
    def count(self, n: Any, ms: Any = 0) -> Iterator[dict[str, int]]:
        """Streams ``{"i": i}`` for i in range(n), sleeping ``ms``
        milliseconds between; ``closed_streams`` counts its cleanups."""
        n = _non_negative_int("n", n)
        pause = _non_negative("ms", ms) / 1000.0
        try:
            for i in range(n):
                if i and pause:
                    time.sleep(pause)
                yield {"i": i}
        finally:
            with self.lock("streams"):
                self._closed_streams += 1

    @tool
    def closed_streams(self) -> int:
        """How many ``count`` streams have run their ``finally`` (ended,
        failed or cancelled)."""
        with self.lock("streams"):
            return self._closed_streams

    @tool
    def count_bytes(self, n: Any, size: Any) -> Iterator[bytes]:
        """Streams ``n`` binary chunks of ``size`` bytes, each the chunk's
        index modulo 256 repeated."""
        n = _non_negative_int("n", n)
        size = _non_negative_int("size", size)
        for i in range(n):
            yield bytes([i % 256]) * size

    @tool
    def blob(self, size: Any) -> bytes:
        """``size`` bytes of 7 as a binary result: what ``count_bytes``
        streams, in one reply."""
        return bytes([7]) * _non_negative_int("size", size)

    @tool
    def fail_after(self, n: Any) -> Iterator[dict[str, int]]:
        """Streams ``{"i": i}`` for i in range(n), then raises
        RuntimeError("failed after n")."""
        n = _non_negative_int("n", n)
        for i in range(n):
            yield {"i": i}
        raise RuntimeError(f"failed after {n}")

    @tool
    def session_add(self, amount: int = 1, *,
                    context: ToolContext) -> dict[str, Any]:
        """Adds ``amount`` (an integer) to the session's total in this
        worker; returns ``{"total", "pid"}``."""
        if isinstance(amount, bool) or not isinstance(amount, int):
            raise TypeError("amount must be an integer, got "
                            f"{type(amount).__name__}")
        state = context.session
        with self.lock("sessions"):
            state["total"] = state.get("total", 0) + amount
            total = state["total"]
        return {"total": total, "pid": os.getpid()}

    @tool
    def session_peek(self, context: ToolContext) -> dict[str, Any]:
        """The session's total in this worker (0 for a new session) and the
        pid: ``{"total", "pid"}``."""
        state = context.session
        with self.lock("sessions"):
            total = state.get("total", 0)
        return {"total": total, "pid": os.getpid()}

    @tool
    def ask_host(self, tool: str, arguments: dict[str, Any] | None = None,
                 *, context: ToolContext) -> Any:
        """The result of host tool ``tool`` called with ``arguments`` (an
        object); its ``HostToolError`` fails the call."""
        return context.call_host(tool, **_host_arguments(tool, arguments))

    @tool
    async def ask_host_async(self, tool: str,
                             arguments: dict[str, Any] | None = None, *,
                             context: ToolContext) -> Any:
        """``ask_host`` from an async tool (``call_host_async``)."""
        return await context.call_host_async(
            tool, **_host_arguments(tool, arguments))

    @tool
    def ask_host_twice(self, tool: str,
                       arguments: dict[str, Any] | None = None, *,
                       context: ToolContext) -> list[Any]:
        """Calls host tool ``tool`` with ``arguments`` twice at once, from
        two threads; returns both results, in the threads' order. The
        first ``HostToolError`` fails the call."""
        arguments = _host_arguments(tool, arguments)
        results: list[Any] = [None, None]
        errors: list[BaseException] = []
        both_ready = threading.Barrier(2)

        def ask(index: int) -> None:
            try:
                both_ready.wait()
                results[index] = context.call_host(tool, **arguments)
            except BaseException as exc:  # noqa: BLE001 - raised below
                errors.append(exc)

        threads = [threading.Thread(target=ask, args=(index,),
                                    name=f"ask_host_twice-{index}")
                   for index in range(2)]
        try:
            for thread in threads:
                thread.start()
        except BaseException:
            both_ready.abort()  # a started thread must not wait for ever
            raise
        for thread in threads:
            thread.join()
        if errors:
            raise errors[0]
        return results

    @tool
    def time_host_calls(self, tool: str, calls: Any,
                        arguments: dict[str, Any] | None = None, *,
                        context: ToolContext) -> dict[str, Any]:
        """Calls host tool ``tool`` with ``arguments`` ``calls`` times in a
        row, then a trivial Python function as many times; returns the
        mean time per call of each in microseconds (``time.perf_counter``
        around each loop): ``{"calls", "host_us", "local_us", "result"}``,
        ``result`` being the host tool's last answer. The first
        ``HostToolError`` fails the call."""
        arguments = _host_arguments(tool, arguments)
        calls = _non_negative_int("calls", calls)
        if calls == 0:
            raise ValueError("calls must be at least 1, got 0")
        result = None
        started = time.perf_counter()
        for _ in range(calls):
            result = context.call_host(tool, **arguments)
        host_s = time.perf_counter() - started
        started = time.perf_counter()
        for _ in range(calls):
            _local_echo(**arguments)
        local_s = time.perf_counter() - started
        return {"calls": calls, "host_us": host_s / calls * 1e6,
                "local_us": local_s / calls * 1e6, "result": result}

    @tool
    def host_tool_names(self, context: ToolContext) -> list[str]:
        """The names of the host tools the host offers, sorted."""
        return sorted(spec.name for spec in context.host_tools)

    @tool
    async def tokens(self, text: str) -> AsyncIterator[str]:
        """Streams the words of ``text`` from an async generator."""
        if not isinstance(text, str):
            raise TypeError(f"text must be a string, got {type(text).__name__}")
        for word in text.split():
            await asyncio.sleep(0)
            yield word
