"""The keyword index kept in step with the store: built from what the store holds, saved in the data folder
for other processes, and opened from there when it is of the same documents."""
from __future__ import annotations

import hashlib
from pathlib import Path

from .keyword import KeywordIndex
from .records import DocumentRecord
from .sentence_vectors import SentenceVectors
from .store import Store


def manifest_stamp(manifest: dict[str, DocumentRecord]) -> str:
    lines = [f"keyword index format {KeywordIndex.FORMAT}"]
    lines += [f"{k}:{r.sha256}:{r.indexed_at}:{r.collection}" for k, r in sorted(manifest.items())]
    return hashlib.sha256("\n".join(lines).encode()).hexdigest()


def sentence_store(keyword_dir: Path) -> SentenceVectors:
    return SentenceVectors(keyword_dir / "sentences")


def build_keyword_index(store: Store, keyword_dir: Path, manifest: dict[str, DocumentRecord],
                        stamp: str) -> KeywordIndex:
    chunks = store.complete_chunks(manifest)
    vectors = sentence_store(keyword_dir).matrix(chunks, {key: r.sha256 for key, r in manifest.items()},
                                                 store.embedder)
    return KeywordIndex.build(chunks, stamp, sentence_vectors=vectors)


def save_keyword_index(store: Store, keyword_dir: Path) -> None:
    """Build and save the keyword index for what the store holds, unless the saved one is of it already."""
    manifest = store.manifest()
    stamp = manifest_stamp(manifest)
    if KeywordIndex.saved_stamp(keyword_dir) != stamp:
        build_keyword_index(store, keyword_dir, manifest, stamp).save(keyword_dir)


def refresh_keyword_index(store: Store, keyword_dir: Path, current: KeywordIndex | None = None,
                          manifest: dict[str, DocumentRecord] | None = None) -> KeywordIndex:
    """The keyword index for what the store holds now (`manifest`, when the caller has just read it): the
    one in hand or the saved one when they are of the same documents, else built (and saved for the next
    process)."""
    manifest = store.manifest() if manifest is None else manifest
    stamp = manifest_stamp(manifest)
    if current is not None and current.stamp == stamp:
        return current
    if KeywordIndex.saved_stamp(keyword_dir) == stamp:
        index = KeywordIndex.load(keyword_dir)
        if index is not None and index.stamp == stamp:
            return index
    index = build_keyword_index(store, keyword_dir, manifest, stamp)
    index.save(keyword_dir)
    return index
