"""Bounded JSON in the worker: nesting checked before json.loads, deep input
refused as invalid_arguments (never an internal error), deep results as a
python_error."""

from __future__ import annotations

import json
import sys
from typing import Any

import pytest
from google.protobuf import any_pb2

from snakepit_bridge import tool_call
from snakepit_bridge.cli import parse_args
from snakepit_bridge.dispatch import encode_result
from snakepit_bridge.errors import ToolFailure
from snakepit_bridge.json_limits import DEFAULT_MAX_JSON_DEPTH, nesting_overflow
from snakepit_bridge.tool_call import JSON_TYPE_URL, decode_parameters


def packed(raw: bytes) -> any_pb2.Any:
    return any_pb2.Any(type_url=JSON_TYPE_URL, value=raw)


def nested(depth: int) -> bytes:
    return b"[" * depth + b"]" * depth


def test_nesting_overflow_finds_the_first_bracket_too_deep() -> None:
    assert nesting_overflow(b"1", 0) is None
    assert nesting_overflow(b"[]", 1) is None
    assert nesting_overflow(b"[]", 0) == 0
    assert nesting_overflow(b'{"a": [1, {"b": []}]}', 4) is None
    assert nesting_overflow(b'{"a": [1, {"b": []}]}', 3) == 16
    # Siblings do not add up.
    assert nesting_overflow(b"[[], [], [[]]]", 3) is None
    assert nesting_overflow(nested(100_000), 128) == 128


def test_nesting_overflow_ignores_brackets_in_strings() -> None:
    assert nesting_overflow(b'["[[[[", "{{{{"]', 1) is None
    # An escaped quote does not end a string; an escaped backslash does not
    # escape the quote after it.
    assert nesting_overflow(b'["\\"[[[["]', 1) is None
    assert nesting_overflow(b'["\\\\", [[]]]', 2) == 8
    assert nesting_overflow(b'["\\\\", [[]]]', 3) is None


def test_deep_values_are_refused_before_json_loads(
        monkeypatch: pytest.MonkeyPatch) -> None:
    def no_parse(raw: Any) -> Any:
        raise AssertionError("json.loads ran on input it should have refused")

    monkeypatch.setattr(tool_call.json, "loads", no_parse)
    with pytest.raises(ToolFailure) as info:
        decode_parameters({"deep": packed(nested(100_000))})
    assert info.value.category == "invalid_arguments"
    assert "'deep'" in info.value.message
    assert "max_json_depth" in info.value.message
    assert len(info.value.message) < 200


def test_the_limit_counts_the_arguments_object_as_level_one() -> None:
    inside = DEFAULT_MAX_JSON_DEPTH - 1
    assert decode_parameters({"v": packed(nested(inside))}) == {
        "v": json.loads(nested(inside))}
    with pytest.raises(ToolFailure):
        decode_parameters({"v": packed(nested(inside + 1))})
    assert decode_parameters({"v": packed(nested(3))}, max_depth=4)
    with pytest.raises(ToolFailure):
        decode_parameters({"v": packed(nested(4))}, max_depth=4)


def test_depth_beyond_pythons_recursion_limit_is_invalid_arguments() -> None:
    depth = sys.getrecursionlimit() * 3
    with pytest.raises(ToolFailure) as info:
        decode_parameters({"v": packed(nested(depth))}, max_depth=depth + 1)
    assert info.value.category == "invalid_arguments"
    assert info.value.type == "RecursionError"
    assert "recursion limit" in info.value.message


def test_a_result_too_deep_to_encode_is_a_python_error() -> None:
    result: list[Any] = []
    for _ in range(sys.getrecursionlimit() * 3):
        result = [result]
    with pytest.raises(ToolFailure) as info:
        encode_result("deep", result)
    assert info.value.category == "python_error"


def test_the_worker_takes_its_limits_from_the_command_line() -> None:
    base = ["--adapter", "a.B", "--socket", "s", "--ready-file", "r",
            "--snakepit-run-id", "x"]
    args = parse_args(base)
    assert args.max_json_depth == DEFAULT_MAX_JSON_DEPTH
    assert args.max_message_bytes == 64 * 1024 * 1024
    args = parse_args(base + ["--max-json-depth", "7",
                              "--max-message-bytes", "1000000"])
    assert (args.max_json_depth, args.max_message_bytes) == (7, 1_000_000)


def test_messages_that_quote_a_large_input_are_cut() -> None:
    key = "k" * 1_000_000
    with pytest.raises(ToolFailure) as info:
        decode_parameters({key: packed(b"{not json")})
    assert len(info.value.message) < 2100
    assert info.value.message.endswith("characters)")
    assert len(ToolFailure("python_error", "ValueError", "short").message) == 5
