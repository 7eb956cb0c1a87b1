"""Adapters shipped with the package: ``showcase`` (the default adapter of a
pool, used by ``snakepit demo``, the examples and the benchmarks) and
``threaded_showcase`` (shared state done right in the thread profile, used
by the two-pools example)."""
