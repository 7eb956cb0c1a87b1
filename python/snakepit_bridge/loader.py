"""Finds and builds the adapter named on the command line ("package.module.Class").

Two steps, so that the worker can tell the host which stage failed:
``resolve_adapter_class`` (stage "import") and ``instantiate`` (stage "init").
"""

from __future__ import annotations

import importlib
import re
from typing import Any

from snakepit_bridge.adapter import BaseAdapter, discover_tools

_SPEC = re.compile(r"^[A-Za-z_]\w*(\.[A-Za-z_]\w*)+$")


def is_adapter_class(candidate: Any) -> bool:
    """True for a ``BaseAdapter`` subclass or any class with ``execute_tool``."""
    if not isinstance(candidate, type):
        return False
    return issubclass(candidate, BaseAdapter) or callable(
        getattr(candidate, "execute_tool", None))


def resolve_adapter_class(spec: str) -> type:
    """Imports the module of ``spec`` and returns its adapter class.

    Raises ``ValueError`` for a malformed name, ``ImportError`` (with the
    module's own error chained) when the module or the class is missing, and
    ``TypeError`` when the object found is not an adapter.
    """
    if not _SPEC.match(spec):
        raise ValueError(
            f"bad adapter name {spec!r}: expected 'package.module.Class'")
    module_name, _, class_name = spec.rpartition(".")
    module = importlib.import_module(module_name)
    try:
        candidate = getattr(module, class_name)
    except AttributeError:
        raise ImportError(
            f"module {module_name!r} has no attribute {class_name!r}",
            name=module_name) from None
    if not is_adapter_class(candidate):
        raise TypeError(
            f"{spec} is not an adapter: expected a subclass of "
            "snakepit_bridge.BaseAdapter or a class with an execute_tool method")
    return candidate


def instantiate(cls: type, argv: list[str]) -> Any:
    """Builds ``cls()``, checks its tool declarations and calls ``on_start(argv)``.

    Exceptions from the constructor or ``on_start`` propagate unchanged.
    """
    discover_tools(cls)
    adapter = cls()
    on_start = getattr(adapter, "on_start", None)
    if callable(on_start):
        on_start(list(argv))
    return adapter


def load_adapter(spec: str, argv: list[str] | None = None) -> Any:
    """``resolve_adapter_class`` then ``instantiate``: the adapter, ready to serve."""
    return instantiate(resolve_adapter_class(spec), argv or [])
