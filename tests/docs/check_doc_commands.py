"""Runs the `snakepit` commands that README.md and docs/*.md show.

Every line of a ```sh block that starts with `build/bin/snakepit` is run
from the repository root, with the built tool, and must exit as its comment
says ("exit N"; 0 when it says nothing). `run` is started, left serving
until it says so, then stopped with SIGTERM and must exit 0. `inspect`,
`recycle` and `restart` run against a `snakepit run` of the same config
started for them.
Lines with placeholders (`[...]`, `<...>`, `A|B`) or naming a file that does
not exist are skipped and listed; so are the other programs (scripts/*.sh
build and install, the benchmarks take minutes; ctest runs them elsewhere).

Usage: check_doc_commands.py REPO_ROOT BIN_DIR
"""

import os
import pathlib
import re
import shlex
import signal
import subprocess
import sys
import tempfile
import time

BLOCK = re.compile(r"```(?:sh|bash)\n(.*?)```", re.S)
EXIT = re.compile(r"\bexit (\d+)")
NEEDS_HOST = {"inspect", "recycle", "restart"}
SERVING = "serving"
PATIENCE = 60


def doc_files(root):
    yield root / "README.md"
    yield from sorted((root / "docs").glob("*.md"))


def commands(root):
    """(file, line text) of every `build/bin/snakepit` line in a sh block."""
    for path in doc_files(root):
        for block in BLOCK.findall(path.read_text()):
            for line in block.splitlines():
                if line.strip().startswith("build/bin/snakepit "):
                    yield path.relative_to(root), line.strip()


def split(line):
    """The argv and the expected exit code of a documented line."""
    comment = ""
    if "  #" in line:
        line, comment = line.split("  #", 1)
    match = EXIT.search(comment)
    return shlex.split(line), int(match.group(1)) if match else 0


def skip_reason(root, argv):
    for arg in argv:
        if re.search(r"[\[\]<>|]|\.\.\.", arg):
            return "placeholder " + arg
    for flag, value in zip(argv, argv[1:]):
        if flag in ("-c", "--config") and not (root / value).exists():
            return "example file " + value
    return None


def config_of(argv):
    for flag, value in zip(argv, argv[1:]):
        if flag in ("-c", "--config"):
            return value
    return None


class Host:
    """`snakepit run` of a config, serving until stopped."""

    def __init__(self, tool, config, env, root):
        argv = [tool, "run"] + (["-c", config] if config else [])
        self.proc = subprocess.Popen(argv, cwd=root, env=env,
                                     stdout=subprocess.PIPE,
                                     stderr=subprocess.PIPE, text=True)
        self.err = ""
        deadline = time.time() + PATIENCE
        while SERVING not in self.err and time.time() < deadline:
            line = self.proc.stderr.readline()
            if not line:
                break
            self.err += line
        if SERVING not in self.err:
            self.stop()
            raise RuntimeError("snakepit run did not serve:\n" + self.err)

    def stop(self):
        self.proc.send_signal(signal.SIGTERM)
        out, err = self.proc.communicate(timeout=PATIENCE)
        self.err += err
        return self.proc.returncode


def run_line(root, tool, argv, expected, env):
    """Runs one documented line; returns an error text or None."""
    argv = [tool] + argv[1:]
    sub = argv[1] if len(argv) > 1 else ""
    if sub == "run":
        host = Host(tool, config_of(argv), env, root)
        code = host.stop()
        return None if code == 0 else f"exit {code}:\n{host.err}"
    host = Host(tool, config_of(argv), env, root) if sub in NEEDS_HOST else None
    try:
        if "--watch" in argv:
            proc = subprocess.Popen(argv, cwd=root, env=env, text=True,
                                    stdout=subprocess.PIPE,
                                    stderr=subprocess.PIPE)
            time.sleep(3)
            proc.send_signal(signal.SIGINT)
            out, err = proc.communicate(timeout=PATIENCE)
        else:
            proc = subprocess.run(argv, cwd=root, env=env, text=True,
                                  capture_output=True, timeout=300)
            out, err = proc.stdout, proc.stderr
        if proc.returncode != expected:
            return (f"exit {proc.returncode}, expected {expected}\n"
                    f"--- stdout:\n{out}\n--- stderr:\n{err}")
        return None
    finally:
        if host:
            host.stop()


def main():
    root = pathlib.Path(sys.argv[1]).resolve()
    tool = str(pathlib.Path(sys.argv[2]).resolve() / "snakepit")
    failures, ran, skipped = [], 0, []
    with tempfile.TemporaryDirectory() as runtime_dir:
        # A private default run base, so that the hosts started here are
        # the only ones the CLI can find.
        env = dict(os.environ, XDG_RUNTIME_DIR=runtime_dir)
        for doc, line in commands(root):
            argv, expected = split(line)
            reason = skip_reason(root, argv)
            if reason:
                skipped.append(f"{doc}: {line}  ({reason})")
                continue
            print(f"{doc}: {line}", flush=True)
            error = run_line(root, tool, argv, expected, env)
            ran += 1
            if error:
                failures.append(f"{doc}: {line}\n{error}")
    for line in skipped:
        print("skipped", line)
    for failure in failures:
        print("FAILED", failure)
    print(f"{ran} commands run, {len(failures)} failed, "
          f"{len(skipped)} skipped")
    return 1 if failures or ran == 0 else 0


if __name__ == "__main__":
    sys.exit(main())
