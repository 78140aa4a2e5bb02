"""Reading files (load, clean, structure, chunk) a few files ahead of the embedding, in a process of its own.

pypdf is pure Python and takes about a third of an ingest; in a second process it runs on the core the
model is not using, and the model takes both cores back whenever the reader has caught up (see
pipeline.embed_sharing_cores)."""
from __future__ import annotations

import logging
import multiprocessing
import os
import threading
import time
from collections import deque
from concurrent.futures import Future, ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Iterator

from index import tuning
from index.embeddings import MiniLMTokenCounter
from index.records import Chunk

from .chunking import chunk_document
from .document import Document
from .loaders import UnreadableFile
from .parse import read_document

log = logging.getLogger("reviewbot.ingest")


@dataclass(frozen=True)
class FileToRead:
    root: Path
    path: Path
    source: str
    key: str
    sha: str
    was_indexed: bool
    ocr_dir: Path | None = None  # where scans' recognised copies are kept; None: scans are not read


_busy = None  # in the worker: the flag it raises while it reads


# Chunks are measured in MiniLM's word pieces whichever embedder is in use, as both embedders measure them.
@lru_cache(maxsize=1)
def _token_counter() -> MiniLMTokenCounter:
    return MiniLMTokenCounter()


def _start_worker(busy) -> None:
    global _busy
    _busy = busy
    # An ingest killed outright (kill -9) can't stop its reader: the reader stops itself when orphaned.
    parent = os.getppid()

    def stop_when_orphaned() -> None:
        while os.getppid() == parent:
            time.sleep(1)
        os._exit(0)

    threading.Thread(target=stop_when_orphaned, name="reviewbot-reader-watch", daemon=True).start()


def read_file(item: FileToRead) -> "tuple[Document, list[Chunk]] | Exception":
    """The file's document and chunks, or the exception that says why it can't be read (returned, not
    raised, so that one hostile file never stops the batch)."""
    if _busy is not None:
        _busy.value = 1
    try:
        document = read_document(item.path, item.source, item.ocr_dir)
        chunks = chunk_document(document, item.key, _token_counter())
        if not chunks:
            return UnreadableFile("no text found")
        document.blocks = []  # the chunks carry the text now; no need to send it back twice
        return document, chunks
    except UnreadableFile as exc:
        return exc
    except Exception as exc:  # a parser bug on one hostile file must not lose the rest of the batch
        log.exception("unexpected error reading %s", item.source)
        return RuntimeError(f"{type(exc).__name__}: {exc}")
    finally:
        if _busy is not None:
            _busy.value = 0


class Reader:
    """Yields each file's result in order; with `in_worker`, read in a separate process ahead of time."""

    def __init__(self, in_worker: bool) -> None:
        self.in_worker = in_worker
        self._busy = None
        self._pool: ProcessPoolExecutor | None = None

    @classmethod
    def for_files(cls, count: int) -> "Reader":
        """A reader for `count` files: in a worker from READ_IN_WORKER_FROM files, since starting one costs
        about a second."""
        return cls(count >= tuning.READ_IN_WORKER_FROM)

    def __enter__(self) -> "Reader":
        if self.in_worker:
            self._start()
        return self

    def __exit__(self, *exc) -> None:
        if self._pool is not None:
            self._pool.shutdown(wait=True, cancel_futures=True)

    def _start(self) -> None:
        # spawn, not fork: the parent may already run torch's thread pool, which a fork does not survive.
        context = multiprocessing.get_context("spawn")
        self._busy = context.Value("b", 0, lock=False)
        self._pool = ProcessPoolExecutor(1, mp_context=context, initializer=_start_worker, initargs=(self._busy,))

    def busy(self) -> bool:
        """Whether the reader is using a core right now."""
        return bool(self._busy.value) if self._busy is not None else False

    def read_all(self, items: list[FileToRead]) -> Iterator[tuple[FileToRead, "tuple[Document, list[Chunk]] | Exception"]]:
        if self._pool is None:
            for item in items:
                yield item, read_file(item)
            return
        pending: deque[tuple[FileToRead, Future]] = deque()
        queue = deque(items)
        read_any = False
        while queue or pending:
            if self._pool is None:  # the worker could not run at all: read here instead
                for item in [waiting for waiting, _ in pending] + list(queue):
                    yield item, read_file(item)
                return
            while queue and len(pending) < tuning.READ_AHEAD:
                item = queue.popleft()
                pending.append((item, self._pool.submit(read_file, item)))
            item, future = pending.popleft()
            try:
                result = future.result()
            except BrokenProcessPool as exc:
                # The worker died on this file (a crash inside a parser, memory): report it, start another,
                # and read the files it had queued again.
                queue.extendleft(reversed([waiting for waiting, _ in pending]))
                if read_any:
                    log.error("the reader stopped while reading %s: %s", item.source, exc)
                    yield item, UnreadableFile(f"the reader crashed on this file ({exc})")
                else:
                    log.warning("the reader process could not start (%s); reading in this one", exc)
                    queue.appendleft(item)
                pending.clear()
                self._pool.shutdown(wait=False, cancel_futures=True)
                self._pool = None
                if read_any:
                    self._start()
                continue
            read_any = True
            yield item, result
