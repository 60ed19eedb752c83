"""Test helpers for the compaction proof's child process."""

from __future__ import annotations

from journeyboard.processes import ChildProcess


def dies_before_answering(child: ChildProcess) -> None:
    """Make the child's next call find it dead (as if killed during the proof)."""
    call = child.call

    def killed_first(request: bytes) -> bytes:
        child.process.kill()
        child.process.wait()
        return call(request)

    child.call = killed_first  # type: ignore[method-assign]
