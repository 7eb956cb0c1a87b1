"""Tools for adapters that run in a thread-profile worker (``--max-workers N > 1``).

In such a worker up to N tool calls run at once, each on its own thread, on
the one adapter object. This module provides:

- ``ThreadSafeAdapter``: a ``BaseAdapter`` with named reentrant locks
  (``self.lock("cache")``), thread-local storage (``self.local``) and request
  tracking (``self.active_requests()``, ``self.request_count``). It declares
  ``__thread_safe__ = True``.
- ``thread_safe_method``: marks a method as safe to run concurrently. It does
  not wrap or serialize anything; it exempts the method from the checker.
- ``not_thread_safe``: marks a method that must not be entered by two threads
  at once. It does not serialize either (protect the body with a lock, or use
  ``synchronized``); with ``--thread-safety-checks`` the worker reports the
  first concurrent entry into it.
- ``synchronized(name)``: runs a method while holding ``self.lock(name)``.
- The startup policy (``startup_warnings``): an adapter that declares
  ``__thread_safe__ = False`` is refused when max_workers > 1
  (``ThreadSafetyError``); one that declares nothing gets a warning.
- ``ConcurrencyChecker``: the opt-in checker behind ``--thread-safety-checks``.
  It only observes: it never makes a call wait.
"""

from __future__ import annotations

import functools
import inspect
import threading
import time
import traceback
from dataclasses import dataclass, field
from typing import Any, Callable, ContextManager, TypeVar

from snakepit_bridge.adapter import BaseAdapter, discover_tools

F = TypeVar("F", bound=Callable[..., Any])

#: Class attribute by which an adapter declares whether it is thread-safe.
THREAD_SAFE_ATTR = "__thread_safe__"
#: Function attribute set by ``thread_safe_method`` (True) and
#: ``not_thread_safe`` (False).
METHOD_SAFETY_ATTR = "__snakepit_thread_safe__"
#: Attribute set on the checker's wrappers (so a method is watched once).
WATCHED_ATTR = "__snakepit_watched__"
#: Longest stack (in frames) a concurrency report shows.
REPORT_STACK_FRAMES = 8


class ThreadSafetyError(RuntimeError):
    """The adapter declares itself unsafe for the thread profile it was given."""


def thread_safe_method(func: F) -> F:
    """Marks ``func`` as safe to run on several threads at once.

    Nothing is wrapped or serialized: the mark documents the method and keeps
    the checker (``--thread-safety-checks``) from watching it, e.g. a stateless
    tool on an adapter that does not declare ``__thread_safe__ = True``.
    Combines with ``@tool`` in either order.
    """
    if not callable(func):
        raise TypeError("thread_safe_method decorates functions")
    setattr(func, METHOD_SAFETY_ATTR, True)
    return func


def not_thread_safe(func: F) -> F:
    """Marks ``func`` as NOT safe to enter from two threads at once.

    Nothing is serialized: guard the body with ``self.lock(...)`` (or use
    ``synchronized``) to make it safe. With ``--thread-safety-checks`` the
    worker watches the method and reports the first time two threads are
    inside it together. Combines with ``@tool`` in either order.
    """
    if not callable(func):
        raise TypeError("not_thread_safe decorates functions")
    setattr(func, METHOD_SAFETY_ATTR, False)
    return func


def synchronized(name: str = "default") -> Callable[[F], F]:
    """Runs the decorated method while holding ``self.lock(name)``.

    For ``ThreadSafeAdapter`` methods: calls of every method synchronized on
    the same name run one at a time. The method counts as thread-safe.
    """
    def decorate(func: F) -> F:
        @functools.wraps(func)
        def locked(self: ThreadSafeAdapter, *args: Any, **kwargs: Any) -> Any:
            with self.lock(name):
                return func(self, *args, **kwargs)

        setattr(locked, METHOD_SAFETY_ATTR, True)
        return locked  # type: ignore[return-value]

    return decorate


def method_safety(func: Any) -> bool | None:
    """True (``thread_safe_method``), False (``not_thread_safe``) or None."""
    mark = getattr(func, METHOD_SAFETY_ATTR, None)
    return mark if isinstance(mark, bool) else None


def declared_thread_safety(adapter: Any) -> bool | None:
    """The ``__thread_safe__`` declaration of an adapter class or object:
    True, False, or None when it declares nothing."""
    value = getattr(adapter, THREAD_SAFE_ATTR, None)
    return None if value is None else bool(value)


def startup_warnings(adapter: Any, adapter_name: str, max_workers: int) -> list[str]:
    """The thread-safety policy applied when a worker starts.

    With ``max_workers == 1`` (process profile) nothing is refused or warned.
    With more: ``__thread_safe__ = False`` raises ``ThreadSafetyError``; no
    declaration returns one warning; ``__thread_safe__ = True`` returns none.
    """
    if max_workers <= 1:
        return []
    declared = declared_thread_safety(adapter)
    if declared is False:
        raise ThreadSafetyError(
            f"adapter {adapter_name} declares __thread_safe__ = False, so it "
            f"cannot serve with max_workers={max_workers} (thread profile): "
            "make it thread-safe and set __thread_safe__ = True, or use the "
            "process profile (max_workers 1)")
    if declared is None:
        return [
            f"adapter {adapter_name} does not declare __thread_safe__ but runs "
            f"with max_workers={max_workers}: up to {max_workers} tool calls "
            "enter it at once. Make it thread-safe and set __thread_safe__ = "
            "True (or subclass ThreadSafeAdapter), or use the process profile; "
            "thread_safety_checks = true in the pool config reports concurrent "
            "access."]
    return []


@dataclass
class _TrackingState:
    """Per-adapter state of ``ThreadSafeAdapter``, created on first use."""

    locks: dict[str, threading.RLock] = field(default_factory=dict)
    guard: threading.Lock = field(default_factory=threading.Lock)
    local: threading.local = field(default_factory=threading.local)
    #: The tracked calls running now: (tool, thread, wall-clock start).
    active: dict[int, tuple[str, threading.Thread, float]] = field(
        default_factory=dict)
    count: int = 0


_STATE_ATTR = "_snakepit_thread_state"
_state_creation = threading.Lock()


class ThreadSafeAdapter(BaseAdapter):
    """A ``BaseAdapter`` for thread-profile workers: named locks, thread-local
    storage and request tracking. Declares ``__thread_safe__ = True``: the
    subclass promises to protect its shared state, e.g.::

        class Cache(ThreadSafeAdapter):
            def __init__(self):
                super().__init__()
                self.entries = {}

            @tool
            def put(self, key: str, value: Any) -> int:
                with self.lock("entries"):
                    self.entries[key] = value
                    return len(self.entries)

    The helpers work even when a subclass's ``__init__`` does not call
    ``super().__init__()``: their state is created on first use.
    """

    __thread_safe__ = True

    def __init__(self) -> None:
        self._thread_state()

    def _thread_state(self) -> _TrackingState:
        state = self.__dict__.get(_STATE_ATTR)
        if state is None:
            with _state_creation:
                state = self.__dict__.get(_STATE_ATTR)
                if state is None:
                    state = _TrackingState()
                    self.__dict__[_STATE_ATTR] = state
        return state

    def lock(self, name: str = "default") -> threading.RLock:
        """The reentrant lock called ``name``, created on first request.

        The same name always gives the same lock (per adapter object), so
        ``with self.lock("cache"):`` guards everything that uses "cache".
        """
        state = self._thread_state()
        with state.guard:
            found = state.locks.get(name)
            if found is None:
                found = state.locks[name] = threading.RLock()
            return found

    @property
    def local(self) -> threading.local:
        """Thread-local storage: each serving thread sees its own attributes
        (e.g. a per-thread database connection or RNG)."""
        return self._thread_state().local

    @property
    def request_count(self) -> int:
        """Tool calls this adapter has received (running or finished)."""
        state = self._thread_state()
        with state.guard:
            return state.count

    def active_requests(self) -> list[dict[str, Any]]:
        """The calls in progress, oldest first: ``{"tool", "thread",
        "thread_id", "started"}`` (``started`` is wall-clock seconds)."""
        state = self._thread_state()
        with state.guard:
            running = list(state.active.values())
        calls = [{"tool": tool, "thread": thread.name,
                  "thread_id": thread.ident, "started": started}
                 for tool, thread, started in running]
        return sorted(calls, key=lambda call: call["started"])

    def track_request(self, tool_name: str) -> ContextManager[None]:
        """Counts a call and lists it in ``active_requests`` while it runs.

        The worker wraps every tool call in this; call it yourself for work
        that does not come through a tool call.
        """
        return _RequestTracking(self._thread_state(), tool_name)


class _RequestTracking:
    """``track_request``'s context manager: a class, not a generator, and
    the entry a tuple, since the worker enters one per call."""

    __slots__ = ("_state", "_entry")

    def __init__(self, state: _TrackingState, tool_name: str) -> None:
        self._state = state
        self._entry = (tool_name, threading.current_thread(), time.time())

    def __enter__(self) -> None:
        state = self._state
        with state.guard:
            state.count += 1
            state.active[id(self)] = self._entry

    def __exit__(self, *exc_info: object) -> None:
        state = self._state
        with state.guard:
            del state.active[id(self)]


@dataclass(frozen=True)
class ConcurrencyReport:
    """Two threads were inside a watched method at the same time."""

    #: Class name of the adapter.
    adapter: str
    #: Name of the method (attribute name on the adapter).
    method: str
    #: Why it is watched: "not_thread_safe" or "undeclared adapter".
    reason: str
    #: The thread that was inside first: name and ident.
    first_thread: str
    first_ident: int
    #: The thread that entered while the first was inside.
    second_thread: str
    second_ident: int
    #: The second entrant's stack at entry (``traceback.format_list`` lines,
    #: outermost first, trimmed to the last frames that matter).
    stack: tuple[str, ...]

    def message(self) -> str:
        """The report as one line, for ``emit_warning``."""
        frames = " | ".join(
            ": ".join(part.strip() for part in line.strip().splitlines())
            for line in self.stack)
        return (
            f"thread-safety: concurrent entry into {self.adapter}.{self.method} "
            f"({self.reason}): thread {self.second_thread!r} "
            f"(ident {self.second_ident}) entered while thread "
            f"{self.first_thread!r} (ident {self.first_ident}) was inside; "
            f"stack of {self.second_thread!r}: {frames or '(unavailable)'} "
            "[reported once per method]")


_NOISE = ("/threading.py", "/concurrent/futures/", "/grpc/", "/contextlib.py")


def _entrant_stack() -> tuple[str, ...]:
    # Drop this helper, _conflict and the watcher's own frame.
    frames = traceback.extract_stack()[:-3]
    kept = [frame for frame in frames
            if not any(noise in frame.filename for noise in _NOISE)]
    return tuple(traceback.format_list(kept[-REPORT_STACK_FRAMES:]))


class ConcurrencyChecker:
    """Detects two threads inside the same watched method at once.

    ``watch(adapter)`` replaces each watched method on the adapter object with
    an observing wrapper. The wrapper only records which threads are inside
    (a short bookkeeping lock, never held during the call), so calls still
    overlap. The first overlap of each method is passed to ``report`` once.

    Watched: methods marked ``not_thread_safe``; and, when the adapter does
    not declare ``__thread_safe__ = True``, every ``@tool`` method (and
    ``execute_tool``) not marked ``thread_safe_method``.
    """

    def __init__(self, report: Callable[[ConcurrencyReport], Any]) -> None:
        self._report = report
        self._lock = threading.Lock()
        self._reported: set[tuple[str, str]] = set()
        #: Every report made so far, in order.
        self.reports: list[ConcurrencyReport] = []

    def watched_methods(self, adapter: Any) -> dict[str, str]:
        """Attribute name -> reason, for each method ``watch`` would wrap."""
        cls = type(adapter)
        declared_safe = declared_thread_safety(cls) is True
        tools = set(discover_tools(cls).values())
        watched: dict[str, str] = {}
        for attr in dir(cls):
            value = inspect.getattr_static(cls, attr, None)
            if not inspect.isfunction(value):
                continue
            mark = method_safety(value)
            if mark is False:
                watched[attr] = "not_thread_safe"
            elif (mark is None and not declared_safe
                  and (attr in tools or attr == "execute_tool")):
                watched[attr] = "undeclared adapter"
        return watched

    def watch(self, adapter: Any) -> list[str]:
        """Wraps the watched methods of ``adapter``; returns their names."""
        done = []
        for attr, reason in sorted(self.watched_methods(adapter).items()):
            bound = getattr(adapter, attr)
            if getattr(bound, WATCHED_ATTR, False):
                continue
            try:
                setattr(adapter, attr, self._wrap(
                    type(adapter).__name__, attr, reason, bound))
            except AttributeError:  # e.g. __slots__ without __dict__
                continue
            done.append(attr)
        return done

    def _wrap(self, owner: str, attr: str, reason: str,
              bound: Callable[..., Any]) -> Callable[..., Any]:
        inside: dict[int, list[Any]] = {}  # ident -> [thread name, depth]
        guard = threading.Lock()

        @functools.wraps(bound)
        def watched(*args: Any, **kwargs: Any) -> Any:
            me = threading.get_ident()
            name = threading.current_thread().name
            with guard:
                other = next(((ident, entry[0]) for ident, entry in inside.items()
                              if ident != me), None)
                entry = inside.setdefault(me, [name, 0])
                entry[1] += 1
            if other is not None:
                self._conflict(owner, attr, reason, other, (me, name))
            try:
                return bound(*args, **kwargs)
            finally:
                with guard:
                    entry = inside[me]
                    entry[1] -= 1
                    if entry[1] == 0:
                        del inside[me]

        setattr(watched, WATCHED_ATTR, True)
        return watched

    def _conflict(self, owner: str, attr: str, reason: str,
                  first: tuple[int, str], second: tuple[int, str]) -> None:
        with self._lock:
            if (owner, attr) in self._reported:
                return
            self._reported.add((owner, attr))
        report = ConcurrencyReport(
            adapter=owner, method=attr, reason=reason,
            first_thread=first[1], first_ident=first[0],
            second_thread=second[1], second_ident=second[0],
            stack=_entrant_stack())
        with self._lock:
            self.reports.append(report)
        try:
            self._report(report)
        except Exception:  # a failing reporter must not fail the tool call
            pass
