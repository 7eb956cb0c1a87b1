"""A pool's fork server: ``python -m snakepit_bridge.fork_server``.

One single-threaded template process per pool. It pays the interpreter's
start and the bridge's imports once (with ``--preload``, the adapter's
module too, so that its heavy imports are shared copy-on-write), then forks
a worker on each request of its host. A forked worker sets its identity
(command line, environment, output pipes, process group) and runs exactly
what ``python -m snakepit_bridge`` runs.

The host talks to it over an inherited ``SOCK_SEQPACKET`` socket
(``--control-fd``, never a listener), one JSON object per packet, at most
``MAX_PACKET`` bytes:

- host -> server ``{"op": "fork", "id": N, "argv": [...], "env": {...}}``
  with two descriptors attached (``SCM_RIGHTS``): the write ends of the
  worker's stdout and stderr pipes. ``argv`` is what would follow
  ``python -m snakepit_bridge``; ``env`` is set in the worker's environment.
- server -> host ``{"op": "ready", "pid": P, "preloaded": bool}`` once,
  after the imports; ``{"op": "started", "id": N, "pid": P}`` or
  ``{"op": "refused", "id": N, "error": "..."}`` for each fork request, in
  order; ``{"op": "exited", "pid": P, "status": S}`` (the raw wait status)
  when a worker it forked has ended and been reaped.

The server never starts a thread and never imports grpc (forking a process
that has threads or grpc's is unsafe), so it serves the native transport
only. It exits when its host goes (a pidfd of the parent in its select
loop, besides the parent-death signal the host sets) or closes the control
socket. Its workers die with it (a parent-death signal of their own), so
that none outlives the host even if its Python code no longer runs; they
also watch the host, to leave cleanly when it goes. Exit codes: 0 when the host closed the socket, 1 when the host
died, 2 on a usage error, 3 when the preload failed (traceback on stderr).
"""

from __future__ import annotations

import argparse
import ctypes
import gc
import json
import os
import select
import signal
import socket
import sys
import traceback
from typing import Any, Sequence

#: Largest control packet read; a fork request is a command line and an
#: environment, far below this.
MAX_PACKET = 1 << 20
#: Exit codes.
EXIT_HOST_CLOSED = 0
EXIT_HOST_DIED = 1
EXIT_PRELOAD_FAILED = 3
#: Exit code of a forked child whose setup failed before the worker ran.
EXIT_CHILD_SETUP_FAILED = 70
#: Environment variable naming the pid a forked worker watches (its host).
HOST_PID_VARIABLE = "SNAKEPIT_HOST_PID"
#: prctl option: the signal a process gets when its parent dies.
PR_SET_PDEATHSIG = 1


def log(message: str) -> None:
    """One line on stderr, prefixed so the host's log shows whose it is."""
    print(f"snakepit_fork_server[{os.getpid()}] {message}", file=sys.stderr,
          flush=True)


def parse_args(argv: Sequence[str]) -> argparse.Namespace:
    """The server's flags."""
    parser = argparse.ArgumentParser(
        prog="python -m snakepit_bridge.fork_server",
        description="Snakepit fork server: forks workers of one pool on "
                    "its host's request.")
    parser.add_argument("--control-fd", type=int, required=True, metavar="FD",
                        help="inherited SOCK_SEQPACKET socket to the host")
    parser.add_argument("--adapter", required=True,
                        metavar="PACKAGE.MODULE.CLASS")
    parser.add_argument("--preload", action="store_true",
                        help="import the adapter's module before forking")
    parser.add_argument("--snakepit-run-id", required=True, metavar="ID",
                        help="host run id, kept on the command line (its "
                             "forked workers inherit it, so reaping finds "
                             "them)")
    return parser.parse_args(list(argv))


def warm_imports(adapter: str, preload: bool) -> None:
    """Imports what every worker needs, and the adapter's module when
    ``preload``; raises what the import raised. Also builds what every
    worker computes the same way at start (its flag parser, the
    interpreter's facts), so that forked workers inherit it."""
    # The worker's own modules on the native transport (never grpc).
    from snakepit_bridge import cli, native_server, tool_call  # noqa: F401
    from snakepit_bridge.interpreter import interpreter_facts
    import google.protobuf  # noqa: F401
    cli.worker_parser()
    interpreter_facts()
    if preload:
        from snakepit_bridge.loader import resolve_adapter_class
        resolve_adapter_class(adapter)


def send(control: socket.socket, message: dict[str, Any]) -> None:
    """One packet to the host."""
    control.send(json.dumps(message, separators=(",", ":")).encode())


def valid_request(request: Any, fds: list[int]) -> str:
    """Why ``request`` cannot be served ("" if it can)."""
    if not isinstance(request, dict) or request.get("op") != "fork":
        return "not a fork request"
    if not isinstance(request.get("id"), int):
        return "fork request without an integer id"
    argv, env = request.get("argv"), request.get("env")
    if not isinstance(argv, list) or not all(isinstance(a, str) for a in argv):
        return "argv must be a list of strings"
    if not isinstance(env, dict) or not all(
            isinstance(k, str) and isinstance(v, str) and k and "=" not in k
            and "\0" not in k + v for k, v in env.items()):
        return "env must map names to strings"
    if len(fds) != 2:
        return f"expected 2 descriptors (stdout, stderr), got {len(fds)}"
    return ""


def close_all(fds: Sequence[int]) -> None:
    """Closes descriptors, ignoring those already closed."""
    for fd in fds:
        try:
            os.close(fd)
        except OSError:
            pass


class ForkServer:
    """The select loop: fork requests, ended children, the host's end."""

    def __init__(self, control: socket.socket, host_pid: int) -> None:
        self.control = control
        self.host_pid = host_pid
        self.wake_read, self.wake_write = os.pipe()
        os.set_blocking(self.wake_read, False)
        os.set_blocking(self.wake_write, False)
        self.host_fd = parent_pidfd(host_pid)
        self.server_pid = os.getpid()
        # Resolved once here: loading it in each child cost ~50 ms of CPU.
        self.libc = ctypes.CDLL(None, use_errno=True)

    def own_fds(self) -> list[int]:
        """The server's descriptors that a forked worker must not keep (it
        keeps the pidfd of the host, to die with it)."""
        return [self.wake_read, self.wake_write]

    def serve(self) -> int:
        """Serves until the host goes or closes the socket."""
        if self.host_fd is None or os.getppid() != self.host_pid:
            return EXIT_HOST_DIED
        signal.set_wakeup_fd(self.wake_write)
        signal.signal(signal.SIGCHLD, lambda *_: None)
        watched = [self.control, self.wake_read, self.host_fd]
        while True:
            readable, _, _ = select.select(watched, [], [])
            if self.host_fd in readable:
                log("host died; exiting")
                return EXIT_HOST_DIED
            if self.wake_read in readable:
                self.drain_wakeups()
                self.reap()
            if self.control in readable and not self.take_request():
                return EXIT_HOST_CLOSED

    def drain_wakeups(self) -> None:
        """Empties the signal wakeup pipe."""
        try:
            while os.read(self.wake_read, 512):
                pass
        except BlockingIOError:
            pass

    def reap(self) -> None:
        """Reports every child that has ended."""
        while True:
            try:
                pid, status = os.waitpid(-1, os.WNOHANG)
            except ChildProcessError:
                return
            if pid == 0:
                return
            send(self.control, {"op": "exited", "pid": pid, "status": status})

    def take_request(self) -> bool:
        """Reads one packet and serves it; False when the host closed."""
        packet, fds, flags, _ = socket.recv_fds(self.control, MAX_PACKET, 2)
        if not packet and not fds:
            return False
        if flags & (socket.MSG_TRUNC | socket.MSG_CTRUNC):
            close_all(fds)
            send(self.control, {"op": "refused", "id": -1,
                                "error": "packet or descriptors truncated"})
            return True
        self.serve_fork(packet, fds)
        return True

    def serve_fork(self, packet: bytes, fds: list[int]) -> None:
        """Forks a worker for one request, or refuses it."""
        request: Any = None
        try:
            request = json.loads(packet)
            error = valid_request(request, fds)
        except ValueError as exc:
            error = f"bad JSON: {exc}"
        call_id = request.get("id", -1) if isinstance(request, dict) else -1
        if error:
            close_all(fds)
            send(self.control, {"op": "refused", "id": call_id, "error": error})
            return
        sys.stdout.flush()
        sys.stderr.flush()
        # The collector in a child would otherwise touch every object the
        # server has, copying their pages (~80 ms of CPU per child here).
        gc.freeze()
        try:
            pid = os.fork()
        except OSError as exc:
            close_all(fds)
            send(self.control, {"op": "refused", "id": call_id,
                                "error": f"fork: {exc}"})
            return
        if pid == 0:
            self.run_child(request, fds)
        try:
            # The child does the same; whichever runs first, the host never
            # sees the worker outside its own group.
            os.setpgid(pid, pid)
        except OSError:
            pass  # it has set it (EACCES) or is gone (ESRCH) already
        close_all(fds)
        send(self.control, {"op": "started", "id": call_id, "pid": pid})

    def run_child(self, request: dict[str, Any], fds: list[int]) -> None:
        """The forked child: takes its identity, runs the worker, never
        returns."""
        code = EXIT_CHILD_SETUP_FAILED
        try:
            signal.set_wakeup_fd(-1)
            for sig in (signal.SIGCHLD, signal.SIGTERM, signal.SIGINT):
                signal.signal(sig, signal.SIG_DFL)
            self.control.close()
            close_all(self.own_fds())
            os.setpgid(0, 0)
            die_with_parent(self.server_pid, self.libc)
            stdin = os.open(os.devnull, os.O_RDONLY)
            for target, fd in ((0, stdin), (1, fds[0]), (2, fds[1])):
                os.dup2(fd, target)
            close_all([fd for fd in (stdin, *fds) if fd > 2])
            os.environ.update(request["env"])
            os.environ[HOST_PID_VARIABLE] = str(self.host_pid)
            argv = list(request["argv"])
            sys.argv = [sys.argv[0], *argv]
            from snakepit_bridge.cli import main as worker_main
            code = worker_main(argv, host_pidfd=self.host_fd)
        except SystemExit as exc:  # argparse's usage errors, sys.exit()
            code = exc.code if isinstance(exc.code, int) else 1
        except BaseException:  # noqa: BLE001 - a child must never return
            traceback.print_exc()
        finally:
            try:
                sys.stdout.flush()
                sys.stderr.flush()
            finally:
                os._exit(code)


def die_with_parent(parent: int, libc: ctypes.CDLL) -> None:
    """Has the kernel SIGKILL this process when ``parent`` (the fork server)
    dies; raises if that cannot be set or the parent is gone already. The
    fork server dies the same way with the host, so no worker outlives its
    host, even one whose Python code no longer runs."""
    if libc.prctl(PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0) != 0:
        raise OSError(ctypes.get_errno(), "prctl(PR_SET_PDEATHSIG)")
    if os.getppid() != parent:
        raise RuntimeError("the fork server died before the worker started")


def parent_pidfd(host_pid: int) -> int | None:
    """A pidfd of the host, None where there is none."""
    try:
        return os.pidfd_open(host_pid)
    except (AttributeError, OSError):
        return None


def main(argv: Sequence[str] | None = None) -> int:
    """Runs the fork server to completion and returns its exit code."""
    args = parse_args(sys.argv[1:] if argv is None else argv)
    host_pid = os.getppid()
    try:
        control = socket.socket(fileno=args.control_fd)
    except OSError as exc:
        log(f"fd {args.control_fd} is not a socket: {exc}")
        return 2
    if control.type != socket.SOCK_SEQPACKET:
        log(f"fd {args.control_fd} is not a SOCK_SEQPACKET socket")
        return 2
    try:
        warm_imports(args.adapter, args.preload)
    except (Exception, SystemExit):  # noqa: BLE001 - reported, then exit
        log(f"preload of {args.adapter} failed:")
        traceback.print_exc()
        sys.stderr.flush()
        return EXIT_PRELOAD_FAILED
    send(control, {"op": "ready", "pid": os.getpid(),
                   "preloaded": bool(args.preload)})
    log(f"ready adapter={args.adapter} preload={args.preload}")
    return ForkServer(control, host_pid).serve()


if __name__ == "__main__":
    exit_code = main()
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(exit_code)
