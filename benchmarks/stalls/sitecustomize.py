"""Where a server's event loop stops: a diagnosis for the capacity count, never a figure.

    PYTHONPATH=benchmarks/stalls JOURNEYBOARD_STALLS=/tmp/stalls \\
        python benchmarks/workshop.py --runs 1 --duration 15 --boards 16 --servers journeyboard

Python imports a `sitecustomize` it finds on the path at start-up, and the benchmark hands its
environment to the servers it starts. In a `journeyboard serve` process (and nowhere else)
this module writes to `$JOURNEYBOARD_STALLS/stalls-<pid>.log`:

- `gc`: every collection of the oldest generation, and any collection over 5 ms, with its
  duration and how many objects it freed;
- `stall`: each time the event loop has not run a 4 ms heartbeat for 25 ms, the stack of
  every other thread at that moment (a watchdog thread samples them). A loop thread whose top
  frame is `run_until_complete` was not running Python at all: in uvloop's own loop, waiting
  for the GIL, or not scheduled by the operating system.

The watchdog wakes every 3 ms and takes the GIL to look: it costs the server a little, which
is one more reason this module gives no figure. The steal time of the machine's cores is in
/proc/stat (the eighth number of each `cpu` line, in hundredths of a second);
benchmarks/workshop.py does not read it.
"""

from __future__ import annotations

import os
import sys

if "serve" in sys.argv and os.environ.get("JOURNEYBOARD_STALLS"):
    import asyncio
    import gc
    import threading
    import time
    import traceback
    from pathlib import Path
    from typing import Any

    import uvicorn.server

    _folder = Path(os.environ["JOURNEYBOARD_STALLS"])
    _folder.mkdir(parents=True, exist_ok=True)
    _log = (_folder / f"stalls-{os.getpid()}.log").open("a", buffering=1, encoding="utf-8")
    _gc_started = [0.0]
    _beat = [time.perf_counter()]

    def _on_gc(phase: str, info: dict[str, int]) -> None:
        if phase == "start":
            _gc_started[0] = time.perf_counter()
            return
        ms = (time.perf_counter() - _gc_started[0]) * 1000
        if ms > 5 or info["generation"] == 2:  # counting the heap here would lengthen it
            _log.write(
                f"{time.time():.3f} gc generation {info['generation']} {ms:.1f} ms, "
                f"{info['collected']} collected\n"
            )

    def _watch(loop_thread: int) -> None:
        reported = 0.0
        while True:
            time.sleep(0.003)
            last = _beat[0]
            if time.perf_counter() - last <= 0.025 or last == reported:
                continue
            reported = last
            names = {thread.ident: thread.name for thread in threading.enumerate()}
            stacks = []
            for ident, frame in sys._current_frames().items():
                if ident == threading.get_ident():
                    continue
                where = "".join(traceback.format_stack(frame)[-4:])
                loop = " (the event loop)" if ident == loop_thread else ""
                stacks.append(f"-- {names.get(ident, ident)}{loop}\n{where}")
            _log.write(f"{time.time():.3f} stall over 25 ms\n{''.join(stacks)}\n")

    async def _heartbeat() -> None:
        while True:
            _beat[0] = time.perf_counter()
            await asyncio.sleep(0.004)

    _serve = uvicorn.server.Server.serve

    async def _serve_watched(self: uvicorn.server.Server, *args: Any, **kwargs: Any) -> None:
        beating = asyncio.get_running_loop().create_task(_heartbeat())
        watcher = threading.Thread(target=_watch, args=(threading.get_ident(),), daemon=True)
        watcher.start()
        try:
            await _serve(self, *args, **kwargs)
        finally:
            beating.cancel()

    gc.callbacks.append(_on_gc)
    uvicorn.server.Server.serve = _serve_watched  # type: ignore[method-assign]
