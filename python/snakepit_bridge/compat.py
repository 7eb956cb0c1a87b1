"""Library compatibility matrix for thread-profile workers (``--max-workers N > 1``).

``MATRIX`` lists common libraries with a verdict and one line of advice:

- ``thread_safe``: designed for threads, or releases the GIL in its heavy
  work; the advice names what still must not be shared.
- ``conditional``: safe only when used a certain way (the advice says how).
- ``not_thread_safe``: shared objects or global state break under threads.

After the adapter is loaded, a thread-profile worker calls
``check_loaded_modules`` and emits one ``snakepit-warning: `` line per
``conditional`` or ``not_thread_safe`` library that the adapter (or anything
it imports) loaded. Modules the worker itself had loaded before the adapter
(grpc pulls in e.g. ``asyncio``) are left out, since their presence says
nothing about the adapter.

The table in ``docs/thread_safety.md`` is generated from ``MATRIX`` by
``python/tools/gen_compat_table.py``; a test keeps the two equal.
"""

from __future__ import annotations

import sys
from dataclasses import dataclass
from typing import Collection, Mapping

THREAD_SAFE = "thread_safe"
CONDITIONAL = "conditional"
NOT_THREAD_SAFE = "not_thread_safe"
#: Every verdict, from safest to least safe.
VERDICTS = (THREAD_SAFE, CONDITIONAL, NOT_THREAD_SAFE)


@dataclass(frozen=True)
class Library:
    """One row of the matrix."""

    #: Name as users know it (the distribution name), e.g. "scikit-learn".
    name: str
    #: Top-level import name looked up in ``sys.modules``, e.g. "sklearn".
    module: str
    #: One of ``VERDICTS``.
    verdict: str
    #: One line: how to use it from several threads.
    advice: str


@dataclass(frozen=True)
class Finding:
    """A matrix library that is loaded in this process."""

    library: str
    module: str
    verdict: str
    advice: str

    def warning(self, max_workers: int) -> str:
        """The startup warning text for a thread-profile worker."""
        return (f"library {self.library} ({self.verdict}) is loaded in a "
                f"thread-profile worker (max_workers={max_workers}): "
                f"{self.advice}")


def _row(name: str, module: str, verdict: str, advice: str) -> Library:
    return Library(name, module, verdict, advice)


MATRIX: tuple[Library, ...] = (
    # Thread-safe: release the GIL in heavy work or are designed for threads.
    _row("numpy", "numpy", THREAD_SAFE,
         "Most heavy operations release the GIL; an array written by one "
         "thread while others use it still needs a lock."),
    _row("scipy", "scipy", THREAD_SAFE,
         "Compiled routines release the GIL; a few legacy solvers "
         "(scipy.integrate.ode, odeint) are not re-entrant: lock around them."),
    _row("torch", "torch", THREAD_SAFE,
         "Ops release the GIL; share a model only for inference (eval mode, "
         "torch.no_grad()) and cap torch.set_num_threads to avoid "
         "oversubscription."),
    _row("tensorflow", "tensorflow", THREAD_SAFE,
         "Ops release the GIL and a loaded model can serve concurrent "
         "predictions; never train a shared model from several threads."),
    _row("polars", "polars", THREAD_SAFE,
         "Queries run in Rust without the GIL and DataFrames are immutable; "
         "limit POLARS_MAX_THREADS when many calls run at once."),
    _row("plotly", "plotly", THREAD_SAFE,
         "Figures are plain data; build a figure per call instead of mutating "
         "a shared one."),
    _row("psycopg2", "psycopg2", THREAD_SAFE,
         "Module and connections are thread-safe (threadsafety 2) but cursors "
         "are not; prefer a connection per thread or ThreadedConnectionPool, "
         "as a shared connection serializes queries and shares one transaction."),
    _row("requests", "requests", CONDITIONAL,
         "requests.get() and friends are fine; a Session is not guaranteed "
         "thread-safe: keep one Session per thread (self.local)."),
    _row("httpx", "httpx", THREAD_SAFE,
         "An httpx.Client may be shared by threads (it pools connections); an "
         "AsyncClient belongs to one event loop."),
    _row("scikit-learn", "sklearn", THREAD_SAFE,
         "predict/transform on a fitted estimator may run concurrently; never "
         "fit a shared estimator from several threads; cap n_jobs."),
    _row("xgboost", "xgboost", THREAD_SAFE,
         "Booster.predict is thread-safe and releases the GIL; do not train a "
         "shared booster concurrently; cap nthread."),
    _row("lightgbm", "lightgbm", THREAD_SAFE,
         "Prediction runs in native code without the GIL; keep num_threads x "
         "max_workers within the CPU count."),
    _row("transformers", "transformers", CONDITIONAL,
         "Tokenizers may be shared; a model or pipeline used by several "
         "threads needs a lock or one instance per thread."),
    _row("spaCy", "spacy", THREAD_SAFE,
         "Load the pipeline once and share it for read-only nlp() calls; do "
         "not update or train it while serving."),
    _row("redis-py", "redis", THREAD_SAFE,
         "A Redis client is thread-safe (it pools connections); PubSub and "
         "Pipeline objects must not be shared between threads."),
    _row("urllib3", "urllib3", THREAD_SAFE,
         "PoolManager and connection pools are thread-safe and may be shared."),
    _row("json (stdlib)", "json", THREAD_SAFE,
         "Stateless functions; safe from any thread."),
    _row("hashlib (stdlib)", "hashlib", THREAD_SAFE,
         "Use a hash object per call; updates on large buffers release the GIL."),
    _row("decimal (stdlib)", "decimal", THREAD_SAFE,
         "The arithmetic context is thread-local; set it in each thread "
         "(decimal.localcontext) rather than relying on another thread's."),
    _row("random (stdlib)", "random", THREAD_SAFE,
         "Module functions are thread-safe but share one generator: use "
         "random.Random(seed) per thread (self.local) for reproducible "
         "sequences."),
    _row("logging (stdlib)", "logging", THREAD_SAFE,
         "Handlers lock around each record; safe from any thread."),
    # Conditional: fine when used a certain way.
    _row("Pillow", "PIL", CONDITIONAL,
         "Separate Image objects per thread are fine and many operations "
         "release the GIL; never mutate one Image from two threads."),
    _row("SQLAlchemy", "sqlalchemy", CONDITIONAL,
         "An Engine (and its pool) is thread-safe; a Session is not: one "
         "Session per thread or per call (scoped_session)."),
    _row("boto3", "boto3", CONDITIONAL,
         "Clients are thread-safe; Session and resource objects are not: "
         "create them per thread."),
    _row("h5py", "h5py", CONDITIONAL,
         "Safe, but one global lock serializes every HDF5 call: no parallel "
         "speed-up; consider the process profile for HDF5-heavy work."),
    _row("multiprocessing (stdlib)", "multiprocessing", CONDITIONAL,
         "Forking a process that runs gRPC threads can deadlock: use the "
         "'spawn' or 'forkserver' start method, never 'fork'."),
    # Not thread-safe: global state or objects bound to one thread.
    _row("pandas", "pandas", NOT_THREAD_SAFE,
         "DataFrame/Series mutation is not thread-safe: copy per call or guard "
         "shared frames with self.lock(); concurrent reads of an unchanging "
         "frame are fine."),
    _row("matplotlib", "matplotlib", NOT_THREAD_SAFE,
         "pyplot keeps global state (the current figure): use the object API "
         "(matplotlib.figure.Figure with the Agg backend) per call, never "
         "pyplot from threads."),
    _row("sqlite3 (stdlib)", "sqlite3", NOT_THREAD_SAFE,
         "A connection belongs to the thread that opened it "
         "(check_same_thread): open one per thread (self.local), or lock a "
         "shared one opened with check_same_thread=False."),
    _row("tkinter (stdlib)", "tkinter", NOT_THREAD_SAFE,
         "Tk objects belong to the thread that created the interpreter; "
         "calls from other threads fail or block on it: keep GUIs out of "
         "workers."),
    _row("asyncio (stdlib)", "asyncio", NOT_THREAD_SAFE,
         "Event loops and their objects are not thread-safe: one loop per "
         "thread, and cross threads only via run_coroutine_threadsafe or "
         "call_soon_threadsafe."),
)

#: The matrix by import name.
BY_MODULE: dict[str, Library] = {row.module: row for row in MATRIX}


def check_loaded_modules(modules: Mapping[str, object] | None = None,
                         exclude: Collection[str] = ()) -> list[Finding]:
    """Matrix libraries whose top-level module is loaded, in matrix order.

    ``modules`` defaults to ``sys.modules``; names in ``exclude`` (e.g. the
    modules loaded before the adapter was imported) are skipped.
    """
    loaded = sys.modules if modules is None else modules
    return [Finding(row.name, row.module, row.verdict, row.advice)
            for row in MATRIX
            if row.module in loaded and row.module not in exclude]


def startup_warnings(max_workers: int,
                     modules: Mapping[str, object] | None = None,
                     exclude: Collection[str] = ()) -> list[str]:
    """One warning per loaded ``conditional`` or ``not_thread_safe`` library
    when ``max_workers > 1``; none in the process profile."""
    if max_workers <= 1:
        return []
    return [finding.warning(max_workers)
            for finding in check_loaded_modules(modules, exclude)
            if finding.verdict != THREAD_SAFE]


def markdown_table() -> str:
    """The matrix as a markdown table (what docs/thread_safety.md holds)."""
    lines = ["| library | import | verdict | advice |",
             "|---|---|---|---|"]
    for row in MATRIX:
        advice = row.advice.replace("|", "\\|")
        lines.append(f"| {row.name} | `{row.module}` | {row.verdict} | {advice} |")
    return "\n".join(lines) + "\n"
