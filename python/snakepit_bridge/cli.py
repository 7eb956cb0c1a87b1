"""Command line of a worker process (``python -m snakepit_bridge``).

Startup: load the adapter, bind the unix socket, write the ready file; then
serve until SIGTERM/SIGINT. ``--transport`` picks the protocol on the
socket: ``grpc`` (BridgeService, needs grpcio) or ``native`` (framed
Protobuf, ``native_server``; needs protobuf only and never imports grpc).
Exit codes: 0 after a signal, 1 when the parent process died, 2 on a usage
error, 3 when startup failed (the ready file then says why).

Thread profile (``--max-workers N > 1``): an adapter declaring
``__thread_safe__ = False`` fails at stage "init" (``ThreadSafetyError``); an
undeclared one and each loaded library that the compatibility matrix marks
conditional or not thread-safe give a startup warning. Warnings go to stderr
as ``snakepit-warning: `` lines and into the ready file's ``warnings``.
``--thread-safety-checks`` turns on the concurrency checker.
"""

from __future__ import annotations

import argparse
import functools
import importlib
import math
import os
import select
import signal
import sys
import threading
import time
from typing import Any, Callable, Sequence

from snakepit_bridge import compat, thread_safety
from snakepit_bridge.dispatch import adapter_tools
from snakepit_bridge.host_warnings import emit_warning
from snakepit_bridge.json_limits import (
    DEFAULT_MAX_JSON_DEPTH,
    DEFAULT_MAX_MESSAGE_BYTES,
)
from snakepit_bridge.loader import instantiate, resolve_adapter_class
from snakepit_bridge.ready_file import (
    error_payload,
    ready_payload,
    write_atomically,
)
from snakepit_bridge.sessions import supports_snapshots

#: Exit code after a clean stop on SIGTERM/SIGINT.
EXIT_OK = 0
#: Exit code when the parent process went away.
EXIT_PARENT_DIED = 1
#: Exit code when loading the adapter or binding the socket failed.
EXIT_STARTUP_FAILED = 3
#: Default of ``--shutdown-grace``: at most this many seconds for the calls
#: in flight after SIGTERM (the host passes its pool's shutdown_timeout).
SHUTDOWN_GRACE_S = 2.0
#: How often the parent watcher looks at getppid() where no pidfd is
#: available (it blocks on a pidfd of the parent otherwise).
PARENT_POLL_S = 0.5
#: Values of ``--transport``: framed Protobuf, or gRPC's BridgeService.
TRANSPORTS = ("native", "grpc")
#: Default of ``--transport`` (the host passes its pool's choice).
DEFAULT_TRANSPORT = "native"


def log(message: str) -> None:
    """One line on stderr, prefixed so the host's log shows whose it is."""
    print(f"snakepit_bridge[{os.getpid()}] {message}", file=sys.stderr, flush=True)


def split_argv(argv: Sequence[str]) -> tuple[list[str], list[str]]:
    """Splits at the first literal ``--``: (worker args, adapter args)."""
    argv = list(argv)
    if "--" in argv:
        cut = argv.index("--")
        return argv[:cut], argv[cut + 1:]
    return argv, []


def _positive_int(text: str) -> int:
    value = int(text)
    if value < 1:
        raise argparse.ArgumentTypeError("must be at least 1")
    return value


def _non_negative_seconds(text: str) -> float:
    value = float(text)
    if not (math.isfinite(value) and value >= 0):
        raise argparse.ArgumentTypeError("must be a finite number of seconds "
                                         ">= 0")
    return value


@functools.cache
def worker_parser() -> argparse.ArgumentParser:
    """The worker's flags, built once: building them costs milliseconds
    (argparse looks up translations for its messages), and a fork server
    builds them before forking, so that its workers do not."""
    parser = argparse.ArgumentParser(
        prog="python -m snakepit_bridge",
        description="Snakepit Python worker: serves one adapter on a unix "
                    "socket, over gRPC or the native framed transport.",
        epilog="Arguments after a literal -- go to the adapter's on_start.")
    parser.add_argument("--adapter", required=True, metavar="PACKAGE.MODULE.CLASS")
    parser.add_argument("--socket", required=True, metavar="PATH",
                        help="unix socket to bind (a stale one is replaced)")
    parser.add_argument("--ready-file", required=True, metavar="PATH",
                        help="JSON handshake file, written atomically")
    parser.add_argument("--snakepit-run-id", required=True, metavar="ID",
                        help="host run id, kept on the command line only")
    parser.add_argument("--max-workers", type=_positive_int, default=1,
                        metavar="N", help="concurrent tool calls (default 1)")
    parser.add_argument("--max-json-depth", type=_positive_int,
                        default=DEFAULT_MAX_JSON_DEPTH, metavar="N",
                        help="deepest nesting of arguments accepted "
                             f"(default {DEFAULT_MAX_JSON_DEPTH})")
    parser.add_argument("--transport", choices=TRANSPORTS,
                        default=DEFAULT_TRANSPORT,
                        help="protocol on the socket (default %(default)s)")
    parser.add_argument("--max-message-bytes", type=_positive_int,
                        default=DEFAULT_MAX_MESSAGE_BYTES, metavar="N",
                        help="largest message received or sent, in bytes "
                             f"(default {DEFAULT_MAX_MESSAGE_BYTES}); a "
                             "larger result fails as MessageTooLarge")
    parser.add_argument("--shutdown-grace", type=_non_negative_seconds,
                        default=SHUTDOWN_GRACE_S, metavar="SECONDS",
                        help="after SIGTERM, wait at most this long for the "
                             "calls in flight (default %(default)s); the "
                             "worker leaves as soon as they are answered")
    parser.add_argument("--thread-safety-checks", action="store_true",
                        help="report concurrent entry into methods that are "
                             "not thread-safe (snakepit-warning: lines)")
    return parser


def parse_args(argv: Sequence[str]) -> argparse.Namespace:
    """Parses the worker's flags; ``adapter_args`` holds what follows ``--``."""
    own, adapter_args = split_argv(argv)
    args = worker_parser().parse_args(own)
    args.adapter_args = adapter_args
    return args


def _pidfd(pid: int) -> int | None:
    """A pidfd of process ``pid``, readable once it exits (Linux >= 5.3);
    None where the platform has none or the process is gone."""
    pidfd_open: Any = getattr(os, "pidfd_open", None)
    if pidfd_open is None:
        return None
    try:
        return int(pidfd_open(pid))
    except OSError:
        return None


def watch_parent(initial_ppid: int, on_death: Callable[[], None],
                 interval: float = PARENT_POLL_S,
                 host_pidfd: int | None = None) -> threading.Thread:
    """Starts a daemon thread calling ``on_death`` once the host has exited.

    The host is the parent, or the process of ``host_pidfd`` for a worker
    forked by a fork server (whose parent is the fork server, which may go
    without the host). It blocks on a pidfd of the host, so an idle worker
    does not wake up for it; without pidfds it polls getppid() every
    ``interval`` seconds.
    """
    def run() -> None:
        if host_pidfd is not None:
            wait_readable(host_pidfd)
            on_death()
            return
        pidfd = _pidfd(initial_ppid)
        # Still our parent after opening: the pidfd is the parent's, not a
        # later process's that reused its pid.
        if pidfd is not None and os.getppid() == initial_ppid:
            wait_readable(pidfd)
        while os.getppid() == initial_ppid:
            time.sleep(interval)
        on_death()

    thread = threading.Thread(target=run, name="snakepit-parent-watch", daemon=True)
    thread.start()
    return thread


def wait_readable(fd: int) -> None:
    """Blocks until ``fd`` is readable (a pidfd: its process has exited)."""
    poller = select.poll()
    poller.register(fd, select.POLLIN)
    while not poller.poll():
        pass


def _parent_died() -> None:
    log("parent process died; exiting")
    os._exit(EXIT_PARENT_DIED)


class StopRequest:
    """Set by SIGTERM/SIGINT; the main thread waits on it while serving."""

    def __init__(self) -> None:
        self._event = threading.Event()
        #: Name of the signal that asked to stop, "" until one did.
        self.signal_name = ""

    def on_signal(self, signum: int, _frame: Any) -> None:
        """Signal handler. No I/O here: it may interrupt a write to stderr."""
        self.signal_name = signal.Signals(signum).name
        self._event.set()

    def install(self) -> None:
        """Routes SIGTERM and SIGINT to ``on_signal``."""
        signal.signal(signal.SIGTERM, self.on_signal)
        signal.signal(signal.SIGINT, self.on_signal)

    def wait(self) -> None:
        """Blocks until a stop was requested, without waking up meanwhile.

        The kernel may deliver SIGTERM to any thread, and Python runs its
        handler only once the main thread runs bytecode again: a main thread
        blocked on a lock would not notice a signal another thread took. So
        it blocks in ``select`` on the signal wakeup pipe, which the
        interpreter writes on every signal, whatever thread takes it; the
        handler then runs as the main thread returns from ``select``.
        """
        read_end, write_end = os.pipe()
        os.set_blocking(write_end, False)
        previous = signal.set_wakeup_fd(write_end)
        try:
            # A signal taken before the pipe was set is handled here, at the
            # first bytecode of the loop.
            while not self._event.is_set():
                select.select([read_end], [], [])
                os.read(read_end, 512)
        finally:
            signal.set_wakeup_fd(previous)
            os.close(read_end)
            os.close(write_end)


def _startup_failed(ready_file: str, stage: str, exc: BaseException) -> int:
    log(f"startup failed at stage {stage}: {type(exc).__name__}: {exc}")
    try:
        write_atomically(ready_file, error_payload(stage, exc))
    except OSError as write_error:
        log(f"cannot write ready file {ready_file}: {write_error}")
    return EXIT_STARTUP_FAILED


class InterpreterUnusable(RuntimeError):
    """The interpreter running the worker lacks what its transport needs."""


#: What each transport imports: (module, Debian package, pip name).
_TRANSPORT_NEEDS = {
    "native": ("google.protobuf", "python3-protobuf", "protobuf"),
    "grpc": ("grpc", "python3-grpcio", "grpcio"),
}


def _check_interpreter(transport: str) -> None:
    """Fails early, in words the host can show, when the module the
    transport needs is missing (the native transport never imports grpc)."""
    module, debian, pip_name = _TRANSPORT_NEEDS[transport]
    try:
        importlib.import_module(module)
    except ImportError as exc:
        raise InterpreterUnusable(
            f"interpreter {sys.executable} cannot import {module} ({exc}), "
            f"which the {transport} transport needs; install {debian} for "
            f"it, or set the pool's python to an interpreter that has "
            f"{pip_name} (e.g. /usr/bin/python3)") from exc


def _install_checker(adapter: object) -> None:
    """Watches the adapter's unsafe methods; reports go out as warnings."""
    checker = thread_safety.ConcurrencyChecker(
        lambda report: emit_warning(report.message()))
    watched = checker.watch(adapter)
    log(f"thread-safety checks on; watching: {', '.join(watched) or '(nothing)'}")


def _start_transport(args: argparse.Namespace, adapter: object) -> Any:
    """The started server of ``args.transport``: it has ``address`` and
    ``stop(grace)``. Imported here, so that the native transport never
    loads grpc and a failing import is reported at stage "bind"."""
    from snakepit_bridge.tool_call import ServedAdapter
    served = ServedAdapter(adapter, args.adapter, args.max_workers,
                           args.max_json_depth, args.max_message_bytes)
    if args.transport == "native":
        from snakepit_bridge.native_server import start_native_server
        return start_native_server(served, args.socket, log)
    from snakepit_bridge.server import start_server
    return start_server(served, args.socket)


def _serve(args: argparse.Namespace, stop: StopRequest) -> int:
    try:
        _check_interpreter(args.transport)
    except InterpreterUnusable as exc:
        return _startup_failed(args.ready_file, "interpreter", exc)
    # Modules loaded before the adapter (the transport's) are not the
    # adapter's doing: the compatibility check leaves them out.
    preloaded = set(sys.modules)
    try:
        cls = resolve_adapter_class(args.adapter)
    except (Exception, SystemExit) as exc:
        return _startup_failed(args.ready_file, "import", exc)
    try:
        warnings = thread_safety.startup_warnings(cls, args.adapter,
                                                  args.max_workers)
        adapter = instantiate(cls, args.adapter_args)
        tools = adapter_tools(adapter)
        if args.thread_safety_checks:
            _install_checker(adapter)
    except (Exception, SystemExit) as exc:
        return _startup_failed(args.ready_file, "init", exc)
    warnings += compat.startup_warnings(args.max_workers, exclude=preloaded)
    for warning in warnings:
        emit_warning(warning)
    try:
        running = _start_transport(args, adapter)
    except (Exception, SystemExit) as exc:
        return _startup_failed(args.ready_file, "bind", exc)

    try:
        write_atomically(args.ready_file, ready_payload(
            running.address, args.adapter, tools, args.max_workers, warnings,
            session_snapshots=supports_snapshots(adapter)))
    except OSError as exc:
        log(f"cannot write ready file {args.ready_file}: {exc}")
        running.stop(0)
        return EXIT_STARTUP_FAILED
    log(f"ready adapter={args.adapter} address={running.address} "
        f"max_workers={args.max_workers} tools={len(tools)}")

    stop.wait()
    log(f"stopping on {stop.signal_name}")
    abandoned = running.stop(args.shutdown_grace)
    if abandoned:
        log(f"{abandoned} call(s) still running after the "
            f"{args.shutdown_grace:g} s grace; abandoned")
    log("stopped")
    return EXIT_OK


def main(argv: Sequence[str] | None = None,
         host_pidfd: int | None = None) -> int:
    """Runs a worker to completion and returns its exit code.
    ``host_pidfd``: a pidfd of the host to die with, when the host is not
    the parent (a worker forked by a fork server)."""
    args = parse_args(sys.argv[1:] if argv is None else argv)
    for stream in (sys.stdout, sys.stderr):
        reconfigure: Any = getattr(stream, "reconfigure", None)
        if callable(reconfigure):
            reconfigure(line_buffering=True)

    ppid = os.getppid()
    if ppid != 1 or host_pidfd is not None:
        watch_parent(ppid, _parent_died, host_pidfd=host_pidfd)

    stop = StopRequest()
    stop.install()
    log(f"starting adapter={args.adapter} run_id={args.snakepit_run_id} "
        f"python={sys.executable}")
    return _serve(args, stop)
