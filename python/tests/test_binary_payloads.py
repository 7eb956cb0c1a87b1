"""Binary arguments and results: raw ``bytes`` both ways, never JSON,
base64 or pickle (``tool_call.execute_request``, ``dispatch.encode_result``)."""

from __future__ import annotations

import json

from snakepit_bridge._proto.bridge_pb2 import ExecuteToolRequest
from snakepit_bridge.adapter import BaseAdapter, ToolContext, tool
from snakepit_bridge.dispatch import encode_result
from snakepit_bridge.errors import INVALID_ARGUMENTS, PYTHON_ERROR, ToolFailure
from snakepit_bridge.tool_call import JSON_TYPE_URL, execute_request

EVERY_BYTE = bytes(range(256))


class Blobs(BaseAdapter):
    @tool
    def reverse(self, data: bytes) -> bytes:
        return data[::-1]

    @tool
    def view(self, data: bytes) -> memoryview:
        return memoryview(bytearray(data))

    @tool
    def kinds(self, data: bytes, n: int, context: ToolContext) -> dict:
        return {"data": type(data).__name__, "n": n,
                "in_context": context.binary_parameters["data"] == data}


def request(tool_name: str, binary: dict[str, bytes],
            json_args: dict[str, object] | None = None) -> ExecuteToolRequest:
    req = ExecuteToolRequest(tool_name=tool_name)
    for key, value in (json_args or {}).items():
        packed = req.parameters[key]
        packed.type_url = JSON_TYPE_URL
        packed.value = json.dumps(value).encode()
    for key, value in binary.items():
        req.binary_parameters[key] = value
    return req


def test_bytes_in_and_out_raw() -> None:
    response = execute_request(Blobs(), request("reverse",
                                                {"data": EVERY_BYTE}))
    assert response.success
    assert response.binary_result == EVERY_BYTE[::-1]
    # No JSON result at all: that is how the host tells a binary one.
    assert not response.HasField("result")


def test_bytearray_and_memoryview_results_are_binary() -> None:
    assert encode_result("t", bytearray(b"\x00\x01")) == b"\x00\x01"
    response = execute_request(Blobs(), request("view", {"data": b"\xff"}))
    assert response.binary_result == b"\xff"
    assert not response.HasField("result")


def test_binary_and_json_arguments_together() -> None:
    response = execute_request(Blobs(), request("kinds", {"data": b"x"},
                                                {"n": 3}))
    assert response.success, response.error_message
    assert json.loads(response.result.value) == {
        "data": "bytes", "n": 3, "in_context": True}


def test_a_name_given_both_ways_is_invalid_arguments() -> None:
    response = execute_request(Blobs(), request("kinds", {"n": b"x"},
                                                {"n": 3}))
    assert not response.success
    assert response.error.category == INVALID_ARGUMENTS
    assert "'n' is given both as JSON and as bytes" in response.error.message


def test_bytes_inside_a_json_result_are_a_clear_error() -> None:
    response = execute_request(Blobs(), request("kinds", {}, {"n": 1}))
    assert not response.success
    assert response.error.category == INVALID_ARGUMENTS  # data is missing
    failed = encode_failure_of({"nested": b"x"})
    assert failed.category == PYTHON_ERROR
    assert "not JSON-serializable" in failed.message


def encode_failure_of(result: object) -> ToolFailure:
    """The failure ``encode_result`` raises for ``result``."""
    try:
        encode_result("t", result)
    except ToolFailure as failure:
        return failure
    raise AssertionError("encode_result accepted " + repr(result))
