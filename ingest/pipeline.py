"""Ingest files and folders into the store: only what changed costs work, and bad files never stop the batch."""
from __future__ import annotations

import hashlib
import logging
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from typing import Callable

from .chunking import chunk_document, document_key
from .document import DEFAULT_COLLECTION
from .embeddings import Embedder
from .keyword import KeywordIndex
from .loaders import UnreadableFile
from .parse import read_document
from .store import DocumentRecord, Store

log = logging.getLogger("reviewbot.ingest")
# Raise when a change to reading, cleaning or chunking should reach documents already indexed.
INDEX_VERSION = 1


@dataclass
class FileOutcome:
    source: str
    status: str  # "indexed", "unchanged", "failed", "removed"
    reason: str = ""
    chunks: int = 0


@dataclass
class IngestReport:
    outcomes: list[FileOutcome] = field(default_factory=list)

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


def file_sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def manifest_stamp(manifest: dict[str, DocumentRecord]) -> str:
    return hashlib.sha256("\n".join(f"{k}:{r.sha256}:{r.indexed_at}:{r.collection}" for k, r in sorted(manifest.items())).encode()).hexdigest()


def ingest(paths: list[Path], store: Store, embedder: Embedder, keyword_dir: Path,
           on_file: Callable[[FileOutcome], None] | None = None,
           collection: str = DEFAULT_COLLECTION) -> IngestReport:
    """Index the files under `paths` into `collection` (a tag that access control allows per channel)."""
    report = IngestReport()
    manifest = store.manifest()
    # Chunks a killed run left behind are removed before anything else.
    orphans = store.orphan_ids(manifest)
    if orphans:
        log.info("removing %d chunks left by an interrupted run", len(orphans))
        store.delete_chunks(orphans)

    missing = [p for p in paths if not p.exists()]
    for path in missing:
        outcome = FileOutcome(str(path), "failed", "no such file or folder")
        report.outcomes.append(outcome)
        if on_file:
            on_file(outcome)

    files = discover([p for p in paths if p.exists()])
    seen: set[str] = set()
    for root, path in files:
        source = path.relative_to(root).as_posix()
        key = document_key(str(root), source)
        seen.add(key)
        outcome = _ingest_file(root, path, source, key, manifest.get(key), store, embedder, collection)
        report.outcomes.append(outcome)
        if on_file:
            on_file(outcome)

    # A file gone from a folder that was ingested again leaves the index too.
    roots = {str(p.resolve()) for p in paths if p.is_dir()}
    for key, record in sorted(manifest.items(), key=lambda item: item[1].source):
        if record.root in roots and key not in seen:
            store.forget(key)
            outcome = FileOutcome(record.source, "removed", "no longer in the folder")
            report.outcomes.append(outcome)
            if on_file:
                on_file(outcome)

    refresh_keyword_index(store, keyword_dir)
    return report


def _ingest_file(root: Path, path: Path, source: str, key: str, previous: DocumentRecord | None,
                 store: Store, embedder: Embedder, collection: str) -> FileOutcome:
    try:
        sha = file_sha256(path)
    except OSError as exc:
        return FileOutcome(source, "failed", f"cannot read: {exc.strerror or exc}")
    current = (sha, INDEX_VERSION, collection)
    if previous is not None and (previous.sha256, previous.version, previous.collection) == current:
        return FileOutcome(source, "unchanged", chunks=previous.chunks)
    try:
        document = read_document(path, source)
        chunks = chunk_document(document, key, embedder.count_tokens)
        if not chunks:
            raise UnreadableFile("no text found")
        vectors = embedder.embed([f"{c.header()}\n{c.text}" for c in chunks])
    except UnreadableFile as exc:
        if previous is not None:
            store.forget(key)  # the old version no longer matches the file on disk
        return FileOutcome(source, "failed", str(exc))
    except Exception as exc:  # a parser bug on one hostile file must not lose the rest of the batch
        log.exception("unexpected error reading %s", source)
        if previous is not None:
            store.forget(key)
        return FileOutcome(source, "failed", f"unexpected error: {type(exc).__name__}: {exc}")
    record = DocumentRecord(
        key=key, root=str(root), source=source, sha256=sha, title=document.title, council=document.council,
        date=document.date, years=document.years, doc_type=document.doc_type, topics=document.topics,
        chunks=len(chunks), pages=document.pages, version=INDEX_VERSION, collection=collection,
        indexed_at=datetime.now(timezone.utc).isoformat(timespec="seconds"),
    )
    store.put(record, chunks, vectors)
    return FileOutcome(source, "indexed", chunks=len(chunks))


def refresh_keyword_index(store: Store, keyword_dir: Path, current: KeywordIndex | None = None) -> KeywordIndex:
    """The keyword index for what the store holds now, rebuilt only when the set of documents changed."""
    manifest = store.manifest()
    stamp = manifest_stamp(manifest)
    if current is not None and current.stamp == stamp:
        return current
    index = KeywordIndex.load(keyword_dir)
    if index is not None and index.stamp == stamp:
        return index
    index = KeywordIndex(store.complete_chunks(manifest), stamp)
    index.save(keyword_dir)
    return index
