"""Sessions in real worker processes: the shipped ``session_counter``
adapter over the native transport and over gRPC (CleanupSession,
DescribeWorker's capability)."""

from __future__ import annotations

import json
from typing import Callable

from native_client import (
    close_session,
    describe,
    execute,
    in_session,
    restore_session,
    result_of,
    snapshot_session,
)
from snakepit_bridge._proto import bridge_pb2
from snakepit_bridge.tool_call import JSON_TYPE_URL
from worker_harness import Worker

Spawn = Callable[..., Worker]
NATIVE = ("--transport", "native")
COUNTER = "snakepit_bridge.adapters.session_counter.SessionCounterAdapter"


def test_a_native_worker_moves_and_closes_sessions(spawn_worker: Spawn) -> None:
    first = spawn_worker(adapter=COUNTER, max_workers=2, flags=NATIVE)
    old = first.native()
    added = result_of(old.call(in_session("s", execute(1, "session_add",
                                                       amount=5))))
    assert added["total"] == 5 and added["pid"] != 0
    assert old.call(describe(2)).info.session_snapshots is True
    state = old.call(snapshot_session(3, "s")).session_state
    assert json.loads(state.json) == {"total": 5}
    assert old.call(close_session(4, "s")).session_closed.success
    assert result_of(old.call(execute(5, "closed_sessions"))) == ["s"]

    # The replacement takes the same files (the harness reads one ready
    # file), once the first worker has gone.
    first.close()
    first.ready_file.unlink()
    new = spawn_worker(adapter=COUNTER, flags=NATIVE).native()
    assert new.call(restore_session(6, state)).WhichOneof("body") == \
        "session_restored"
    moved = result_of(new.call(in_session("s", execute(7, "session_peek"))))
    assert moved["total"] == 5 and moved["pid"] != added["pid"]


def test_grpc_cleanup_session_and_describe(spawn_worker: Spawn) -> None:
    stub = spawn_worker(adapter=COUNTER).stub()
    request = bridge_pb2.ExecuteToolRequest(tool_name="session_add",
                                            session_id="g")
    request.parameters["amount"].type_url = JSON_TYPE_URL
    request.parameters["amount"].value = b"3"
    for expected in (3, 6):
        response = stub.ExecuteTool(request, timeout=10)
        assert response.success, response
        assert json.loads(response.result.value)["total"] == expected
    info = stub.DescribeWorker(bridge_pb2.DescribeWorkerRequest(), timeout=10)
    assert info.session_snapshots is True

    cleanup = bridge_pb2.CleanupSessionRequest(session_id="g")
    done = stub.CleanupSession(cleanup, timeout=10)
    assert (done.success, done.resources_cleaned) == (True, 1)
    again = stub.CleanupSession(cleanup, timeout=10)
    assert (again.success, again.resources_cleaned) == (False, 0)
    closed = stub.ExecuteTool(
        bridge_pb2.ExecuteToolRequest(tool_name="closed_sessions"), timeout=10)
    assert json.loads(closed.result.value) == ["g"]


def test_the_showcase_has_no_snapshot_capability(spawn_worker: Spawn) -> None:
    info = spawn_worker().stub().DescribeWorker(
        bridge_pb2.DescribeWorkerRequest(), timeout=10)
    assert info.session_snapshots is False
