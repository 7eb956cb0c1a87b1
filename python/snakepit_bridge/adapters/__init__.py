"""Adapters shipped with the package: ``showcase`` (the default adapter of a
pool, used by ``snakepit demo``, the examples and the benchmarks),
``threaded_showcase`` (shared state done right in the thread profile, used
by the two-pools example) and ``session_counter`` (the showcase with
session hooks: snapshots, restores and a record of closed sessions)."""
