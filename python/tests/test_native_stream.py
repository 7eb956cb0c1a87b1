"""Streaming tools end to end: a real worker (``--transport native``) and
``execute`` requests with ``stream`` set, chunks sent against credit."""

from __future__ import annotations

import json
import select
import signal
import time
from typing import Any, Callable

from native_client import (
    NativeClient,
    cancel,
    credit,
    describe,
    execute,
    ping,
    result_of,
    stream,
)
from snakepit_bridge._proto.native_pb2 import Envelope
from worker_harness import Worker

Spawn = Callable[..., Worker]
NATIVE = ("--transport", "native")
MIB = 1024 * 1024


def chunks_then_end(client: NativeClient, call_id: int) -> tuple[list[Any],
                                                                 Any]:
    """The chunks of stream ``call_id`` (JSON decoded, binary as bytes)
    until its ``result``, and that result."""
    chunks: list[Any] = []
    while True:
        reply = client.receive(call_id)
        kind = reply.WhichOneof("body")
        if kind == "result":
            return chunks, reply.result
        assert kind == "chunk", reply
        value = reply.chunk.WhichOneof("value")
        chunks.append(json.loads(reply.chunk.json) if value == "json"
                      else reply.chunk.binary)


def assert_ended_well(result: Any) -> None:
    """A stream's success: no value, no binary result, a time."""
    assert result.success, result
    assert not result.HasField("result") and result.binary_result == b""
    assert result.execution_time_us > 0


def nothing_arrives(client: NativeClient, seconds: float) -> bool:
    """True when the worker sends nothing for ``seconds``."""
    readable, _, _ = select.select([client.sock], [], [], seconds)
    return not readable


def closed_streams(client: NativeClient, call_id: int = 900) -> int:
    """The showcase's count of ``count`` generators that ran ``finally``."""
    return result_of(client.call(execute(call_id, "closed_streams")))


def wait_closed_streams(client: NativeClient, expected: int) -> None:
    """Waits until ``closed_streams`` reaches ``expected``."""
    deadline = time.monotonic() + 10
    while closed_streams(client) != expected:
        assert time.monotonic() < deadline, "the generator was never closed"
        time.sleep(0.01)


def wait_idle(client: NativeClient) -> None:
    """Waits until describe shows no call running (the slot of a closed
    stream is freed just after its cleanup has run)."""
    deadline = time.monotonic() + 10
    while (info := client.call(describe(800)).info).busy_slots:
        assert time.monotonic() < deadline, info
        time.sleep(0.005)
    assert list(info.active_calls) == []


def test_chunks_arrive_in_order_then_the_result(spawn_worker: Spawn) -> None:
    client = spawn_worker(flags=NATIVE).native()
    client.send(stream(1, "count", n=5), credit(1, 100))
    chunks, result = chunks_then_end(client, 1)
    assert chunks == [{"i": i} for i in range(5)]
    assert_ended_well(result)

    client.send(stream(2, "count_bytes", n=3, size=4), credit(2, 3))
    chunks, result = chunks_then_end(client, 2)
    assert chunks == [b"\x00" * 4, b"\x01" * 4, b"\x02" * 4]
    assert_ended_well(result)
    assert closed_streams(client) == 1


def test_async_generator_and_plain_tools_stream(spawn_worker: Spawn) -> None:
    client = spawn_worker(flags=NATIVE).native()
    client.send(stream(1, "tokens", text="to be  or not"), credit(1, 10))
    chunks, result = chunks_then_end(client, 1)
    assert chunks == ["to", "be", "or", "not"]
    assert_ended_well(result)
    # A tool that is no generator streams its result as the one chunk.
    client.send(stream(2, "add", a=1, b=2), credit(2, 1))
    chunks, result = chunks_then_end(client, 2)
    assert chunks == [3]
    assert_ended_well(result)
    # ... and its failure as the stream's end, without chunks.
    client.send(stream(3, "fail", message="no"), credit(3, 1))
    chunks, result = chunks_then_end(client, 3)
    assert chunks == [] and not result.success
    assert (result.error.type, result.error.message) == ("RuntimeError", "no")


def test_a_generator_called_without_stream_is_a_type_error(
        spawn_worker: Spawn) -> None:
    client = spawn_worker(flags=NATIVE).native()
    failed = client.call(execute(1, "count", n=3)).result
    assert not failed.success
    assert (failed.error.category, failed.error.type, failed.error.message) \
        == ("python_error", "TypeError",
            "tool 'count' is a generator: call it as a stream")
    # Closed unstarted: its finally never ran.
    assert closed_streams(client) == 0


def test_an_error_mid_stream_ends_it_with_the_traceback(
        spawn_worker: Spawn) -> None:
    client = spawn_worker(flags=NATIVE).native()
    client.send(stream(1, "fail_after", n=2), credit(1, 10))
    chunks, result = chunks_then_end(client, 1)
    assert chunks == [{"i": 0}, {"i": 1}]
    assert not result.success
    assert (result.error.category, result.error.type, result.error_message) \
        == ("python_error", "RuntimeError", "RuntimeError: failed after 2")
    assert "showcase.py" in result.error.traceback
    assert "fail_after" in result.error.traceback
    assert result_of(client.call(execute(2, "ping"))) == "pong"


def test_chunks_wait_for_credit(spawn_worker: Spawn) -> None:
    client = spawn_worker(flags=NATIVE).native()
    client.send(stream(1, "count", n=10), credit(1, 2))
    assert [client.receive(1).chunk.json for _ in range(2)] == [
        b'{"i": 0}', b'{"i": 1}']
    assert nothing_arrives(client, 0.5), "a chunk came without credit"
    info = client.call(describe(2)).info
    assert (info.busy_slots, list(info.active_calls)) == (1, ["1"])
    client.send(credit(1, 3), credit(1, 5))
    chunks, result = chunks_then_end(client, 1)
    assert chunks == [{"i": i} for i in range(2, 10)]
    assert_ended_well(result)
    # Credit for a stream that has ended (or never was) is ignored.
    client.send(credit(1, 5), credit(77, 1))
    assert client.call(ping(3)).call_id == 3


def test_a_stream_holds_its_slot(spawn_worker: Spawn) -> None:
    client = spawn_worker(max_workers=1, flags=NATIVE).native()
    client.send(stream(1, "count", n=2))
    refused = client.call(execute(2, "ping"))
    assert refused.error.category == "pool_saturated"
    client.send(credit(1, 2))
    assert_ended_well(chunks_then_end(client, 1)[1])
    assert result_of(client.call(execute(3, "ping"))) == "pong"


def vm_rss_kib(pid: int) -> int:
    """The resident set of process ``pid``, in KiB."""
    with open(f"/proc/{pid}/status") as status:
        for line in status:
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    raise AssertionError("no VmRSS")


def test_a_slow_reader_keeps_the_worker_memory_bounded(
        spawn_worker: Spawn) -> None:
    """100,000 chunks of 1000 bytes (100 MB) with a window of 16: the worker
    never holds more than a few chunks, however slowly the host reads."""
    worker = spawn_worker(flags=NATIVE)
    client = worker.native()
    client.send(stream(1, "count_bytes", n=1000, size=1000), credit(1, 1000))
    assert len(chunks_then_end(client, 1)[0]) == 1000
    before = vm_rss_kib(worker.proc.pid)

    total, window = 100_000, 16
    client.send(stream(2, "count_bytes", n=total, size=1000),
                credit(2, window))
    received = peak = 0
    while True:
        reply = client.receive(2)
        if reply.WhichOneof("body") == "result":
            break
        assert len(reply.chunk.binary) == 1000
        received += 1
        if received % 20_000 == 0:
            time.sleep(0.2)  # the host falls behind
            peak = max(peak, vm_rss_kib(worker.proc.pid))
        client.send(credit(2, 1))
    assert_ended_well(reply.result)
    assert received == total
    peak = max(peak, vm_rss_kib(worker.proc.pid))
    assert peak - before < 30 * 1024, (before, peak)


def test_cancel_closes_the_generator_and_frees_the_slot(
        spawn_worker: Spawn) -> None:
    client = spawn_worker(max_workers=2, flags=NATIVE).native()
    # Waiting for credit.
    client.send(stream(1, "count", n=1_000_000), credit(1, 3))
    assert [client.receive(1).chunk.json for _ in range(3)] == [
        b'{"i": 0}', b'{"i": 1}', b'{"i": 2}']
    client.send(cancel(1), credit(1, 10))
    wait_closed_streams(client, 1)
    wait_idle(client)
    assert result_of(client.call(execute(3, "ping"))) == "pong"

    # Running (sleeping between chunks) with credit to spare.
    client.send(stream(4, "count", n=1_000_000, ms=50), credit(4, 1000))
    assert client.receive(4).chunk.json == b'{"i": 0}'
    client.send(cancel(4))
    wait_closed_streams(client, 2)
    assert result_of(client.call(execute(5, "ping"))) == "pong"
    client.send(ping(6))
    while (reply := client.receive()).call_id != 6:
        assert reply.WhichOneof("body") == "chunk", reply
    assert nothing_arrives(client, 0.2)


def test_a_closed_connection_closes_its_streams(spawn_worker: Spawn) -> None:
    worker = spawn_worker(max_workers=2, flags=NATIVE)
    gone = worker.native()
    gone.send(stream(1, "count", n=1_000_000), credit(1, 1))
    assert gone.receive(1).chunk.json == b'{"i": 0}'
    gone.close()
    other = worker.native()
    wait_closed_streams(other, 1)
    wait_idle(other)


def test_a_chunk_over_the_limit_ends_the_stream(spawn_worker: Spawn) -> None:
    client = spawn_worker(flags=NATIVE + (
        "--max-message-bytes", str(MIB))).native()
    client.send(stream(1, "count_bytes", n=3, size=2 * MIB), credit(1, 3))
    chunks, result = chunks_then_end(client, 1)
    assert chunks == [] and not result.success
    assert (result.error.category, result.error.type) == (
        "python_error", "MessageTooLarge")
    assert result.error.message.startswith("a chunk is ")
    assert "yield less" in result.error.message
    assert result_of(client.call(execute(2, "ping"))) == "pong"


def test_sigterm_waits_for_a_stream(spawn_worker: Spawn) -> None:
    worker = spawn_worker(flags=NATIVE + ("--shutdown-grace", "30"))
    client = worker.native()
    client.send(stream(1, "count", n=3))
    assert client.call(describe(2)).info.busy_slots == 1
    worker.proc.send_signal(signal.SIGTERM)
    while client.call(execute(3, "ping")).WhichOneof("body") != "error":
        time.sleep(0.01)
    client.send(credit(1, 3))
    chunks, result = chunks_then_end(client, 1)
    assert chunks == [{"i": 0}, {"i": 1}, {"i": 2}]
    assert_ended_well(result)
    assert worker.proc.wait(timeout=10) == 0


def test_empty_credit_envelope_is_no_error(spawn_worker: Spawn) -> None:
    client = spawn_worker(flags=NATIVE).native()
    client.send(stream(1, "count", n=1))
    empty = Envelope(call_id=1)
    empty.credit.SetInParent()
    client.send(empty)
    assert nothing_arrives(client, 0.2)
    client.send(credit(1, 1))
    assert chunks_then_end(client, 1)[0] == [{"i": 0}]
