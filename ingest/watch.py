"""Keep an index in step with folders: a cheap look at names, sizes and times every interval, and an ingest
only when something there changed (which itself re-reads only the files whose contents changed)."""
from __future__ import annotations

import logging
import threading
from pathlib import Path
from typing import Callable

from .pipeline import discover

log = logging.getLogger("reviewbot.watch")


def snapshot(paths: list[Path]) -> frozenset[tuple[str, int, int]]:
    """Every file under the paths, with its size and modification time."""
    seen = set()
    for _, path in discover([p for p in paths if p.exists()]):
        try:
            stat = path.stat()
        except OSError:  # removed between listing and looking
            continue
        seen.add((str(path), stat.st_size, stat.st_mtime_ns))
    return frozenset(seen)


def watch(paths: list[Path], run: Callable[[], bool], interval: float, stop: threading.Event) -> None:
    """Call `run` now and after every change under `paths`, until `stop` is set. `run` says whether it got
    through; one that didn't (the store down, say) is tried again at the next interval."""
    last = None
    while True:
        current = snapshot(paths)
        if current != last:
            try:
                done = run()
            except Exception:
                log.exception("ingest failed")
                done = False
            if done:
                last = current  # taken before the run, so a change made during it is seen next time
            else:
                log.warning("ingest did not finish; trying again in %g seconds", interval)
        if stop.wait(interval):
            return
