"""Adapters that fail on purpose, for tests of the worker and of the host.

Not for production use: each module breaks one startup stage.
"""
