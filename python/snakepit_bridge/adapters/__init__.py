"""Adapters shipped with the package: ``showcase`` for demos and tests, and
``testing`` fixtures that fail on purpose."""
