"""ThreadedShowcaseAdapter: shared state done right in a thread-profile worker.

Start it with ``--max-workers N`` (N > 1); every tool may run on N threads at
once. It shows the ``ThreadSafeAdapter`` helpers:

- ``increment(n)``: a shared counter, read-modify-write under
  ``self.lock("counter")``; returns the new total.
- ``cache_put(key, value)`` / ``cache_get(key)``: a shared dict under
  ``self.lock("cache")``.
- ``thread_calls()``: a per-thread counter in ``self.local`` (no lock needed).
- ``stats()``: ``request_count`` and ``active_requests()``.
- ``sleep(ms)``: wall-clock start and end plus the serving thread, so that a
  caller can prove calls overlapped.
"""

from __future__ import annotations

import threading
import time
from typing import Any

from snakepit_bridge.adapter import tool
from snakepit_bridge.thread_safety import ThreadSafeAdapter, thread_safe_method


def _int(name: str, value: Any) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        raise TypeError(f"{name} must be an integer, got {type(value).__name__}")
    return value


class ThreadedShowcaseAdapter(ThreadSafeAdapter):
    """Shared counter and cache behind named locks; see the module docstring."""

    def __init__(self) -> None:
        super().__init__()
        self.adapter_args: list[str] = []
        self._total = 0
        self._cache: dict[str, Any] = {}

    @tool
    def increment(self, n: Any = 1) -> dict[str, Any]:
        """Adds ``n`` to the shared counter; returns the new total."""
        n = _int("n", n)
        with self.lock("counter"):
            self._total += n
            return {"total": self._total}

    @tool
    def cache_put(self, key: str, value: Any) -> dict[str, Any]:
        """Stores ``value`` under ``key``; returns the cache size."""
        if not isinstance(key, str):
            raise TypeError(f"key must be a string, got {type(key).__name__}")
        with self.lock("cache"):
            self._cache[key] = value
            return {"key": key, "size": len(self._cache)}

    @tool
    def cache_get(self, key: str) -> dict[str, Any]:
        """``{"key", "found", "value"}``; value is null when not found."""
        with self.lock("cache"):
            found = key in self._cache
            value = self._cache.get(key)
        return {"key": key, "found": found, "value": value}

    @tool
    def thread_calls(self) -> dict[str, Any]:
        """How many calls the serving thread has run (thread-local count)."""
        self.local.calls = getattr(self.local, "calls", 0) + 1
        return {"thread": threading.current_thread().name,
                "calls": self.local.calls}

    @tool
    def stats(self) -> dict[str, Any]:
        """Requests received so far, the calls running now (this one
        included), the counter and the cache size."""
        with self.lock("counter"):
            total = self._total
        with self.lock("cache"):
            size = len(self._cache)
        return {"request_count": self.request_count,
                "active_requests": self.active_requests(),
                "counter": total, "cache_size": size}

    @tool
    @thread_safe_method
    def sleep(self, ms: Any) -> dict[str, Any]:
        """Sleeps ``ms`` milliseconds (no lock held); returns wall-clock
        ``started``/``ended`` and the serving thread's name and ident."""
        if isinstance(ms, bool) or not isinstance(ms, (int, float)):
            raise TypeError(f"ms must be a number, got {type(ms).__name__}")
        if ms < 0:
            raise ValueError(f"ms must not be negative, got {ms}")
        started = time.time()
        time.sleep(ms / 1000.0)
        return {"slept_ms": ms, "started": started, "ended": time.time(),
                "thread": threading.current_thread().name,
                "thread_id": threading.get_ident()}
