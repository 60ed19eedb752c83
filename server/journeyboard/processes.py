"""Child processes that answer frames: a fresh interpreter talking over its stdin and stdout.

The export workers (`web/workers.py`) and the stores' compaction proof (`stores/compactor.py`)
both run CPU-heavy work in a process of its own, so that it holds none of the server's GIL.
This is what they share:

- the child is a fresh interpreter (`python -c ...`, like multiprocessing's spawn, without its
  resource tracker) that runs `module.function(*args)`;
- a request and its answer are each one frame: an 8-byte length, then the bytes;
- the child dies with the server (`PR_SET_PDEATHSIG`: with the thread that started it, so
  start it from a thread that lives as long as its owner) and when its stdin closes; it runs
  at a lower priority (`nice`), so that the server's own sockets win the CPU.

This module sits below every layer and imports nothing of the package.
"""

from __future__ import annotations

import contextlib
import ctypes
import os
import resource
import signal
import struct
import subprocess
import sys
from pathlib import Path
from typing import IO

HEADER = struct.Struct("!Q")
"""A frame's length, before its bytes."""

NICE = 10
"""How much lower a child's priority is than the server's."""

PACKAGE_ROOT = str(Path(__file__).resolve().parents[1])
"""The directory `journeyboard` is imported from, for the child's `sys.path`."""


class ChildGone(Exception):
    """The child died (killed, over its CPU budget, out of memory) before it answered."""


def read_frame(stream: IO[bytes]) -> bytes | None:
    """The next frame's bytes, or None when the stream ended (the other side is gone)."""
    head = stream.read(HEADER.size)
    if len(head) < HEADER.size:
        return None
    (length,) = HEADER.unpack(head)
    body = stream.read(length)
    return body if len(body) == length else None


def write_frame(stream: IO[bytes], body: bytes) -> None:
    stream.write(HEADER.pack(len(body)))
    stream.write(body)
    stream.flush()


def cpu_used() -> float:
    """This process's CPU seconds so far (user and system)."""
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def rss_bytes() -> int:
    """This process's resident memory."""
    try:
        with open("/proc/self/statm", "rb") as statm:
            return int(statm.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")
    except OSError:  # pragma: no cover - not Linux
        return 0


def _die_with_parent() -> None:
    """Ask Linux to kill this process when the server dies (no orphan keeps working)."""
    with contextlib.suppress(OSError, AttributeError):
        libc = ctypes.CDLL(None, use_errno=True)
        pr_set_pdeathsig = 1
        libc.prctl(pr_set_pdeathsig, signal.SIGKILL, 0, 0, 0)


def child_pipes() -> tuple[IO[bytes], IO[bytes]]:
    """Set up a child (in the child): die with the server, ignore Ctrl-C (it reaches the
    server, which stops us), run niced, dump no core; return its request and answer streams.
    The frames use the original stdout; anything a library prints goes to stderr instead."""
    _die_with_parent()
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    with contextlib.suppress(OSError):
        os.nice(NICE)
    requests = os.fdopen(os.dup(0), "rb")
    answers = os.fdopen(os.dup(1), "wb")
    os.dup2(2, 1)
    sys.stdout = sys.stderr
    with contextlib.suppress(ValueError, OSError):
        # SIGXCPU (over a CPU budget) would otherwise dump a core of a large process.
        resource.setrlimit(resource.RLIMIT_CORE, (0, 0))
    return requests, answers


class ChildProcess:
    """A fresh interpreter running `module.function(*args)`; `call` blocks, so it runs in a
    thread (the pipes' reads and writes release the GIL while they wait)."""

    def __init__(self, module: str, function: str, *args: str) -> None:
        code = (
            "import sys; sys.path.insert(0, sys.argv[1]); "
            f"from {module} import {function}; {function}(*sys.argv[2:])"
        )
        self.process = subprocess.Popen(
            [sys.executable, "-c", code, PACKAGE_ROOT, *args],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            close_fds=True,
        )
        self.killed = False

    @property
    def pid(self) -> int:
        return self.process.pid

    def alive(self) -> bool:
        return not self.killed and self.process.poll() is None

    def call(self, request: bytes) -> bytes:
        """Send one frame and return the answer's; raise ChildGone if the child died first."""
        assert self.process.stdin is not None and self.process.stdout is not None
        try:
            write_frame(self.process.stdin, request)
            body = read_frame(self.process.stdout)
        except (OSError, ValueError):
            body = None
        if body is None:
            self.kill()
            raise ChildGone(self.describe_exit())
        return body

    def describe_exit(self) -> str:
        try:
            code = self.process.wait(timeout=10)
        except subprocess.TimeoutExpired:  # pragma: no cover - kill() was sent
            return "did not exit"
        if code == -signal.SIGXCPU:
            return "cpu"
        if self.killed:
            return "killed"
        return f"exit {code}"

    def kill(self) -> None:
        self.killed = True
        with contextlib.suppress(ProcessLookupError):
            self.process.kill()

    def close(self) -> None:
        """End an idle child: closing its stdin ends its loop; kill it if it lingers."""
        with contextlib.suppress(OSError):
            if self.process.stdin is not None:
                self.process.stdin.close()
        try:
            self.process.wait(timeout=2)
        except subprocess.TimeoutExpired:
            self.kill()
            self.process.wait(timeout=5)
        if self.process.stdout is not None:
            self.process.stdout.close()
