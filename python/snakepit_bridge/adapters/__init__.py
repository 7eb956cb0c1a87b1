"""Adapters shipped with the package: ``showcase`` and ``threaded_showcase``
for demos and tests, and ``testing`` fixtures that fail or misbehave on
purpose."""
