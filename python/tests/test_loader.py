"""Loading adapters by "package.module.Class": resolution, errors, startup."""

from __future__ import annotations

from typing import Any

import pytest

from snakepit_bridge import BaseAdapter
from snakepit_bridge.adapters.showcase import ShowcaseAdapter
from snakepit_bridge.loader import (
    instantiate,
    is_adapter_class,
    load_adapter,
    resolve_adapter_class,
)
from snakepit_bridge.ready_file import error_payload

TESTING = "snakepit_test_adapters"


@pytest.mark.parametrize("spec", [
    "", "NoDots", "a..b", ".a.B", "a.B.", "pkg.mod:Class", "pkg.1mod.Class",
    "pkg.mod.Class extra"])
def test_malformed_names_are_value_errors(spec: str) -> None:
    with pytest.raises(ValueError, match="package.module.Class"):
        resolve_adapter_class(spec)


def test_missing_module_raises_module_not_found_with_a_traceback() -> None:
    with pytest.raises(ModuleNotFoundError) as info:
        resolve_adapter_class("no_such_package_xyz.module.Adapter")
    payload = error_payload("import", info.value)
    assert payload["type"] == "ModuleNotFoundError"
    assert "no_such_package_xyz" in payload["message"]
    assert payload["traceback"].startswith("Traceback (most recent call last)")
    assert "ModuleNotFoundError: No module named" in payload["traceback"]


def test_missing_class_is_an_import_error_naming_it() -> None:
    with pytest.raises(ImportError, match="has no attribute 'Nope'"):
        resolve_adapter_class("snakepit_bridge.adapters.showcase.Nope")


@pytest.mark.parametrize("spec", [
    "collections.OrderedDict",           # a class, not an adapter
    "snakepit_bridge.loader.load_adapter",  # not a class at all
    "snakepit_bridge.adapter.TOOL_ATTR",
])
def test_objects_that_are_not_adapters_are_type_errors(spec: str) -> None:
    with pytest.raises(TypeError, match="is not an adapter"):
        resolve_adapter_class(spec)


def test_import_failure_of_the_adapter_module_propagates() -> None:
    with pytest.raises(ImportError, match="missing_dependency") as info:
        resolve_adapter_class(f"{TESTING}.import_error.ImportErrorAdapter")
    assert "import_error.py" in error_payload("import", info.value)["traceback"]


def test_constructor_failure_propagates_from_instantiate() -> None:
    cls = resolve_adapter_class(f"{TESTING}.init_error.InitErrorAdapter")
    with pytest.raises(RuntimeError, match="simulated init failure"):
        instantiate(cls, [])


def test_resolves_subclasses_and_duck_typed_adapters() -> None:
    assert resolve_adapter_class(
        "snakepit_bridge.adapters.showcase.ShowcaseAdapter") is ShowcaseAdapter
    assert resolve_adapter_class("sample_adapters.FallbackOnlyAdapter")
    assert is_adapter_class(BaseAdapter)
    assert not is_adapter_class(ShowcaseAdapter())


def test_instantiate_calls_on_start_once_with_the_args() -> None:
    calls: list[list[str]] = []

    class Recorder(BaseAdapter):
        def on_start(self, argv: list[str]) -> None:
            calls.append(argv)

    adapter = instantiate(Recorder, ["-x", "1"])
    assert isinstance(adapter, Recorder) and calls == [["-x", "1"]]


def test_on_start_failure_propagates() -> None:
    class Picky(BaseAdapter):
        def on_start(self, argv: list[str]) -> None:
            raise ValueError(f"bad args {argv}")

    with pytest.raises(ValueError, match=r"bad args \['--nope'\]"):
        instantiate(Picky, ["--nope"])


def test_duck_typed_adapter_without_on_start_is_built() -> None:
    class Plain:
        def execute_tool(self, name: str, args: dict[str, Any], ctx: Any) -> Any:
            return name

    assert isinstance(instantiate(Plain, ["ignored"]), Plain)


def test_load_adapter_returns_a_started_adapter() -> None:
    adapter = load_adapter("snakepit_bridge.adapters.showcase.ShowcaseAdapter",
                           ["a", "b"])
    assert isinstance(adapter, ShowcaseAdapter)
    assert adapter.adapter_args == ["a", "b"]
