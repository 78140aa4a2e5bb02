"""Ingest files and folders into the store: only what changed costs work, and bad files never stop the batch."""
from __future__ import annotations

import ctypes
import logging
import os
from dataclasses import dataclass, field
from datetime import datetime, timezone
from functools import lru_cache
from pathlib import Path
from typing import Callable

from index import tuning
from index.embeddings import Embedder
from index.files import file_sha256
from index.records import DEFAULT_COLLECTION, Chunk, DocumentRecord
from index.refresh import save_keyword_index, sentence_store
from index.sentence_vectors import SentenceVectors, embedded_text, sentence_spans
from index.store import Store

from .chunking import document_key
from .document import Document
from .loaders import UnreadableFile
from .ocr import NOT_INSTALLED, missing_tools
from .reader import FileToRead, Reader

log = logging.getLogger("reviewbot.ingest")
CORES = os.cpu_count() or 1
# Raise when a change to reading, cleaning or chunking should reach documents already indexed.
INDEX_VERSION = 6  # 6: a bullet's wrapped line ending in a colon is no lead-in; the Symbol font's dash is a bullet
# (5: scanned pages read by OCR, a text PDF's image-only pages too)


@dataclass
class FileOutcome:
    source: str
    status: str  # "indexed", "unchanged", "failed", "removed"
    reason: str = ""
    chunks: int = 0


@dataclass
class IngestReport:
    outcomes: list[FileOutcome] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)  # said once for the whole run (OCR not installed)

    def count(self, status: str) -> int:
        return sum(1 for o in self.outcomes if o.status == status)

    @property
    def failed(self) -> list[FileOutcome]:
        return [o for o in self.outcomes if o.status == "failed"]


def discover(paths: list[Path]) -> list[tuple[Path, Path]]:
    """(root, file) for every file under the given paths; a file given by itself is its own folder's."""
    found = []
    for path in paths:
        path = path.resolve()
        if path.is_dir():
            for file in sorted(path.rglob("*")):
                relative = file.relative_to(path)
                if file.is_file() and not any(part.startswith(".") for part in relative.parts):
                    found.append((path, file))
        else:
            found.append((path.parent, path))
    return found


def ingest(paths: list[Path], store: Store, embedder: Embedder, keyword_dir: Path,
           on_file: Callable[[FileOutcome], None] | None = None,
           collection: str = DEFAULT_COLLECTION, ocr_dir: Path | None = None) -> IngestReport:
    """Index the files under `paths` into `collection` (a tag that access control allows per channel). Scanned
    pages are read by OCR; their recognised copies are kept in `ocr_dir` (by default `ocr/` in the data folder,
    beside the keyword index)."""
    report = IngestReport()
    ocr_dir = ocr_dir or keyword_dir.parent / "ocr"

    def record(outcome: FileOutcome) -> None:
        report.outcomes.append(outcome)
        if on_file:
            on_file(outcome)

    manifest = store.manifest()
    # Chunks a killed run left behind are removed before anything else.
    orphans = store.orphan_ids(manifest)
    if orphans:
        log.info("removing %d chunks left by an interrupted run", len(orphans))
        store.delete_chunks(orphans)

    for path in paths:
        if not path.exists():
            record(FileOutcome(str(path), "failed", "no such file or folder"))

    files = discover([p for p in paths if p.exists()])
    seen: set[str] = set()
    to_read: list[FileToRead] = []
    for root, path in files:
        source = path.relative_to(root).as_posix()
        key = document_key(str(root), source)
        seen.add(key)
        previous = manifest.get(key)
        try:
            sha = file_sha256(path)
        except OSError as exc:
            record(FileOutcome(source, "failed", f"cannot read: {exc.strerror or exc}"))
            continue
        if previous is not None and (previous.sha256, previous.version, previous.collection) == (
                sha, INDEX_VERSION, collection):
            record(FileOutcome(source, "unchanged", chunks=previous.chunks))
            continue
        to_read.append(FileToRead(root, path, source, key, sha, previous is not None, ocr_dir))

    sentences = sentence_store(keyword_dir)
    with Reader.for_files(len(to_read)) as reader:
        for item, result in reader.read_all(to_read):
            record(_index_file(item, result, store, embedder, sentences, collection, reader.busy))

    # A file gone from a folder that was ingested again leaves the index too.
    roots = {str(p.resolve()) for p in paths if p.is_dir()}
    for key, previous in sorted(manifest.items(), key=lambda item: item[1].source):
        if previous.root in roots and key not in seen:
            store.forget(key)
            record(FileOutcome(previous.source, "removed", "no longer in the folder"))
    _drop_unused_copies(manifest, store.manifest())
    if any("needs OCR" in o.reason for o in report.failed) and missing_tools():
        report.notes.append(NOT_INSTALLED)

    save_keyword_index(store, keyword_dir)
    return report


def _drop_unused_copies(before: dict[str, DocumentRecord], now: dict[str, DocumentRecord]) -> None:
    """A scan's recognised copy goes when no document uses it any more (its file changed or was removed)."""
    kept = {record.ocr_copy for record in now.values()}
    for record in before.values():
        if record.ocr_copy and record.ocr_copy not in kept:
            Path(record.ocr_copy).unlink(missing_ok=True)


def _index_file(item: FileToRead, result: "tuple[Document, list[Chunk]] | Exception", store: Store,
                embedder: Embedder, sentences: SentenceVectors, collection: str,
                reader_busy: Callable[[], bool]) -> FileOutcome:
    if isinstance(result, Exception):
        if item.was_indexed:
            store.forget(item.key)  # the old version no longer matches the file on disk
        if isinstance(result, UnreadableFile):
            return FileOutcome(item.source, "failed", str(result))
        return FileOutcome(item.source, "failed", f"unexpected error: {result}")
    document, chunks = result
    try:
        vectors, sentence_vectors = embed_sharing_cores(
            embedder, [embedded_text(c) for c in chunks], [sentence_spans(c) for c in chunks], reader_busy)
    except Exception as exc:  # the embedding service failing loses this file only, with the reason
        log.exception("could not embed %s", item.source)
        if item.was_indexed:
            store.forget(item.key)
        return FileOutcome(item.source, "failed", f"could not embed: {exc}")
    record = DocumentRecord(
        key=item.key, root=str(item.root), source=item.source, sha256=item.sha, title=document.title,
        council=document.council, date=document.date, years=document.years, doc_type=document.doc_type,
        topics=document.topics, chunks=len(chunks), pages=document.pages, version=INDEX_VERSION,
        collection=collection, indexed_at=datetime.now(timezone.utc).isoformat(timespec="seconds"),
        published=document.published, inspection_start=document.inspection_start,
        inspection_end=document.inspection_end, months=document.months, facts=document.facts,
        ocr_pages=document.ocr_pages, ocr_copy=document.ocr_copy,
    )
    # The sentences' file first: the store's record is what says the document is indexed.
    sentences.save(item.key, item.sha, sentence_vectors)
    store.put(record, chunks, vectors)
    _return_freed_memory()
    return FileOutcome(item.source, "indexed", chunks=len(chunks))


@lru_cache(maxsize=1)
def _libc():
    try:
        return ctypes.CDLL("libc.so.6")
    except OSError:  # not glibc (macOS, musl): nothing to trim
        return None


def _return_freed_memory() -> None:
    """Give the heap's free pages back to the system after each document. Pooling each sentence's word
    pieces leaves the heap fragmented: measured on 91 national reports, ingest peaked at 1.62 GB without
    this, 1.37 GB with it, and 1.31 GB with no sentence vectors at all; it costs no measurable time."""
    libc = _libc()
    if libc is not None and hasattr(libc, "malloc_trim"):
        libc.malloc_trim(0)


def embed_sharing_cores(embedder: Embedder, texts: list[str], parts: list[list[tuple[int, int]]],
                        reader_busy: Callable[[], bool]) -> tuple[list[list[float]], list[list[list[float]]]]:
    """Embed in slices, giving the model every core while the reader waits and all but one while it reads.

    Measured on 2 cores: MiniLM on both embeds 44 chunks/s, on one 27; beside a busy reader, on both it
    falls to 15 (its threads wait on each other) while on one it keeps 27. So the thread count follows
    the reader, slice by slice."""
    use_threads = getattr(embedder, "use_threads", None)  # a local model; a remote service shares no cores
    if use_threads is None:
        return embedder.embed_with_parts(texts, parts)
    # Longest first, so each slice pads little; the vectors go back in the texts' order.
    order = sorted(range(len(texts)), key=lambda i: -len(texts[i]))
    vectors: list[list[float]] = [[] for _ in texts]
    part_vectors: list[list[list[float]]] = [[] for _ in texts]
    for start in range(0, len(order), tuning.EMBED_SLICE):
        piece = order[start:start + tuning.EMBED_SLICE]
        use_threads(max(1, CORES - 1) if reader_busy() else CORES)
        done, done_parts = embedder.embed_with_parts([texts[i] for i in piece], [parts[i] for i in piece])
        for index, vector, its_parts in zip(piece, done, done_parts):
            vectors[index], part_vectors[index] = vector, its_parts
    use_threads(CORES)
    return vectors, part_vectors
