"""What goes into a reply from a failed call (``tool_call.fill_failure``)."""

from __future__ import annotations

from snakepit_bridge._proto.bridge_pb2 import ExecuteToolResponse
from snakepit_bridge.errors import PYTHON_ERROR, ToolFailure
from snakepit_bridge.tool_call import fill_failure


def test_a_lone_surrogate_in_an_exception_is_escaped_not_fatal() -> None:
    # An exception message may hold a lone surrogate (from a decoded file
    # name, say): protobuf refuses it as UTF-8, which once turned the
    # tool's python_error into the worker's own internal error.
    failure = ToolFailure(PYTHON_ERROR, "RuntimeError", "bad \udc80 name",
                          "Traceback: \udcff")
    response = ExecuteToolResponse()
    fill_failure(response, failure)
    parsed = ExecuteToolResponse.FromString(response.SerializeToString())
    assert parsed.error.category == PYTHON_ERROR
    assert parsed.error.message == "bad \\udc80 name"
    assert parsed.error.traceback == "Traceback: \\udcff"
    assert "\\udc80" in parsed.error_message
