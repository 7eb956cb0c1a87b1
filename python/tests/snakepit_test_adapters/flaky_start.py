"""Test fixture: an adapter whose starts fail on demand, then work.

``--adapter snakepit_test_adapters.flaky_start.FlakyStartAdapter``
reads two environment variables:

- ``SNAKEPIT_TEST_START_LOG``: a file counting the starts of every worker of
  the pool (one byte each); with ``SNAKEPIT_TEST_FAILING_STARTS`` = N,
  starts 1 to N fail.
- ``SNAKEPIT_TEST_BROKEN_FLAG``: while a file of that name exists, every
  start fails.

A failing start raises RuntimeError from ``__init__``, so the worker
reports a start-up failure with its traceback. Otherwise it is the
showcase adapter (``sleep``, ``crash``...) plus ``start_number``. Exists
only for tests of failing and recovering pools.
"""

import fcntl
import os

from snakepit_bridge.adapter import tool
from snakepit_bridge.adapters.showcase import ShowcaseAdapter


def _count_start(path: str) -> int:
    """Appends one start to the log at ``path`` and returns its number."""
    with open(path, "a+", encoding="ascii") as log:
        fcntl.flock(log, fcntl.LOCK_EX)
        log.seek(0)
        number = len(log.read()) + 1
        log.write("x")
        log.flush()
        return number


class FlakyStartAdapter(ShowcaseAdapter):
    """The showcase adapter, failing the starts the environment asks for."""

    def __init__(self) -> None:
        failing = int(os.environ.get("SNAKEPIT_TEST_FAILING_STARTS", "0"))
        log = os.environ.get("SNAKEPIT_TEST_START_LOG")
        number = _count_start(log) if log else 0
        if number and number <= failing:
            raise RuntimeError(
                f"simulated start failure {number} of {failing}")
        flag = os.environ.get("SNAKEPIT_TEST_BROKEN_FLAG")
        if flag and os.path.exists(flag):
            raise RuntimeError(f"simulated start failure: {flag} exists")
        super().__init__()
        self._start = number

    @tool
    def start_number(self) -> int:
        """Which start (counted over the pool) built this adapter."""
        return self._start
