"""Where a native-transport call's time goes, from a Python client.

Sequential calls, one at a time, over a unix socket, in alternating rounds:

- ``bare``: a one-thread loop (this script, ``--serve-bare``) that reads a
  frame, parses the envelope and answers a ping with a pong: the floor.
  snakepit_bench runs the same loop as its floor path (bench/bare_worker).
- ``ping``: the same ping to a real worker (``--transport native``),
  answered by its reader thread.
- ``execute``: an ``execute`` of the showcase's trivial ``ping`` tool:
  the reader hands it to a tool thread, which decodes, dispatches, encodes
  and writes the result.

Prints median and 90th percentile round trip in µs, and the server
process's CPU time per call (from ``/proc/<pid>/task/*/schedstat``, so
other load on the machine does not count). Then the per-call steps of
``execute`` measured in-process, without sockets. Not a test: figures vary
with the machine's load. Run with the built package on the path::

  PYTHONPATH=build/share/snakepit/python /usr/bin/python3 \\
      python/tools/native_bench.py [--calls N] [--rounds R]
"""

from __future__ import annotations

import argparse
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import timeit
from pathlib import Path
from typing import Any, Callable

from snakepit_bridge._proto.native_pb2 import Envelope
from snakepit_bridge.adapters.showcase import ShowcaseAdapter
from snakepit_bridge.frames import FrameReader, encode
from snakepit_bridge.tool_call import execute_request

SHOWCASE = "snakepit_bridge.adapters.showcase.ShowcaseAdapter"
MAX_BYTES = 64 * 1024 * 1024


def serve_bare(path: str) -> None:
    """The floor: one connection, one thread, ping answered with pong."""
    listener = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    listener.bind(path)
    listener.listen(1)
    print("ready", flush=True)
    conn, _ = listener.accept()
    for envelope in FrameReader(conn, MAX_BYTES).envelopes():
        reply = Envelope(call_id=envelope.call_id)
        reply.pong.message = envelope.ping.message
        reply.pong.server_time.GetCurrentTime()
        conn.sendall(encode(reply))


def connect(path: str, deadline_s: float = 20.0) -> socket.socket:
    """A connection to ``path`` once something listens there."""
    deadline = time.monotonic() + deadline_s
    while True:
        sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        try:
            sock.connect(path)
            return sock
        except OSError:
            sock.close()
            if time.monotonic() > deadline:
                raise
            time.sleep(0.02)


def ping_envelope() -> Any:
    envelope = Envelope(call_id=1)
    envelope.ping.message = "x"
    return envelope


def execute_envelope() -> Any:
    envelope = Envelope(call_id=1)
    envelope.execute.tool_name = "ping"
    return envelope


def timed_calls(sock: socket.socket, envelope: Any, calls: int) -> list[float]:
    """µs per sequential round trip of ``envelope``."""
    frame = encode(envelope)
    replies = FrameReader(sock, MAX_BYTES).frames()
    samples = []
    clock = time.perf_counter_ns
    for _ in range(calls):
        started = clock()
        sock.sendall(frame)
        next(replies)
        samples.append((clock() - started) / 1000)
    return samples


def cpu_ns(pid: int) -> int:
    """CPU time so far of every thread of process ``pid``, in ns."""
    total = 0
    for task in os.listdir(f"/proc/{pid}/task"):
        with open(f"/proc/{pid}/task/{task}/schedstat") as stat:
            total += int(stat.read().split()[0])
    return total


def summary(samples: list[float], server_ns: int) -> str:
    ordered = sorted(samples)
    p90 = ordered[int(len(ordered) * 0.9)]
    return (f"median {statistics.median(ordered):7.1f} µs   "
            f"p90 {p90:7.1f} µs   server CPU "
            f"{server_ns / len(samples) / 1000:6.1f} µs/call")


def steps(calls: int) -> dict[str, float]:
    """µs per call of each step of ``execute``, in-process."""
    adapter = ShowcaseAdapter()
    frame_body = execute_envelope().SerializeToString()
    parsed = Envelope()
    parsed.ParseFromString(frame_body)

    def parse() -> None:
        Envelope().ParseFromString(frame_body)

    def dispatch() -> None:
        execute_request(adapter, parsed.execute)

    def reply() -> None:
        envelope = Envelope(call_id=1)
        execute_request(adapter, parsed.execute, response=envelope.result)
        envelope.SerializeToString()

    measured: dict[str, Callable[[], None]] = {
        "parse the execute envelope": parse,
        "execute_request (decode, context, run_tool, encode)": dispatch,
        "execute_request into an envelope, serialized": reply,
    }
    # CPU time of this thread: the other processes on the machine do not
    # count.
    return {name: min(timeit.repeat(step, number=calls, repeat=5,
                                    timer=time.thread_time))
            / calls * 1e6 for name, step in measured.items()}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--calls", type=int, default=5000)
    parser.add_argument("--rounds", type=int, default=4)
    parser.add_argument("--serve-bare", metavar="SOCKET")
    args = parser.parse_args()
    if args.serve_bare:
        serve_bare(args.serve_bare)
        return

    directory = Path(tempfile.mkdtemp(prefix="nbench-", dir="/tmp"))
    bare_path = str(directory / "b.sock")
    worker_path = str(directory / "w.sock")
    processes = [
        subprocess.Popen([sys.executable, __file__, "--serve-bare", bare_path],
                         stdout=subprocess.DEVNULL),
        subprocess.Popen([sys.executable, "-m", "snakepit_bridge",
                          "--adapter", SHOWCASE, "--socket", worker_path,
                          "--ready-file", str(directory / "ready.json"),
                          "--snakepit-run-id", "bench",
                          "--transport", "native"],
                         stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)]
    try:
        bare, worker = connect(bare_path), connect(worker_path)
        bare_pid, worker_pid = (process.pid for process in processes)
        runs = {"bare": (bare, ping_envelope(), bare_pid),
                "ping": (worker, ping_envelope(), worker_pid),
                "execute": (worker, execute_envelope(), worker_pid)}
        samples: dict[str, list[float]] = {name: [] for name in runs}
        server_ns = dict.fromkeys(runs, 0)
        for name, (sock, envelope, _) in runs.items():
            timed_calls(sock, envelope, 500)  # warm-up
        for _ in range(args.rounds):
            for name, (sock, envelope, pid) in runs.items():
                before = cpu_ns(pid)
                samples[name] += timed_calls(sock, envelope,
                                             args.calls // args.rounds)
                server_ns[name] += cpu_ns(pid) - before
        print(f"sequential round trips, Python client, "
              f"{args.calls} calls each, pid {os.getpid()}")
        for name, values in samples.items():
            print(f"  {name:8} {summary(values, server_ns[name])}")
        print("in-process steps of execute (thread CPU time, best of 5):")
        for name, micros in steps(args.calls).items():
            print(f"  {micros:7.2f} µs  {name}")
    finally:
        for process in processes:
            process.kill()
            process.wait()
        for leftover in directory.iterdir():
            leftover.unlink()
        directory.rmdir()


if __name__ == "__main__":
    main()
