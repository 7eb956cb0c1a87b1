"""Adapters that fail or misbehave on purpose, for tests of the worker and of
the host. Not part of the shipped package: pytest and the C++ integration
tests put ``python/tests`` on the workers' ``PYTHONPATH``.

- ``import_error``, ``init_error``: each breaks one startup stage.
- ``flaky_start``: fails its first N starts (counted in a file), then works.
- ``unsafe``: declares ``__thread_safe__ = False`` (refused with
  max_workers > 1).
- ``racy``: undeclared, with a racy ``not_thread_safe`` tool for the checker.
- ``pandas_user``: imports a library the compatibility matrix flags.
- ``ballast``: holds 50 MiB of data from import on (the preload bench).
"""
