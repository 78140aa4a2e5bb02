"""A vector for every quotable sentence, beside the chunk vectors in the store.

MiniLM was trained to match a sentence against a sentence; a 200-word chunk's vector mostly says what the
chunk is about (a contents page and a finding score alike). So each sentence of each chunk gets a vector
of its own, made at ingest from the same pass of the model as its chunk's (see `embed_with_parts`).

They are kept per document in the data folder, keyed by the document's key and content hash: the keyword
index gathers them into one matrix, row for row with its sentences. A process that finds a document's
vectors missing (a bot whose data folder is not the ingest job's) makes them once and keeps them."""
from __future__ import annotations

import logging
import os
import threading
from pathlib import Path

import numpy as np

from .records import Chunk
from .text import lines_and_units, unit_spans

log = logging.getLogger("reviewbot.ingest")


def embedded_text(chunk: Chunk) -> str:
    """What the model reads for a chunk: its context header, then its text."""
    return f"{chunk.header()}\n{chunk.text}"


def sentence_spans(chunk: Chunk) -> list[tuple[int, int]]:
    """Where the chunk's quotable units lie in its embedded text."""
    offset = len(chunk.header()) + 1
    return [(offset + a, offset + b) for a, b in unit_spans(chunk.text, chunk.headings())]


def units_per_chunk(chunks: list[Chunk]) -> list[int]:
    return [len(lines_and_units(c.text, c.headings())) for c in chunks]


class SentenceVectors:
    """The per-document files of sentence vectors in one folder."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder

    def _path(self, key: str, sha256: str) -> Path:
        return self.folder / f"{key}-{sha256[:16]}.npz"

    def save(self, key: str, sha256: str, per_chunk: list[list[list[float]]]) -> None:
        """Written to a file of its own and renamed, so a reader never sees half of it."""
        self.folder.mkdir(parents=True, exist_ok=True)
        counts = np.array([len(vectors) for vectors in per_chunk], dtype=np.int32)
        rows = [v for vectors in per_chunk for v in vectors]
        # Half precision: the scores they give differ by under 0.001, and the files are half the size.
        matrix = np.array(rows, dtype=np.float16) if rows else np.zeros((0, 0), dtype=np.float16)
        partial = self.folder / f".{key}.{os.getpid()}.{threading.get_ident()}.npz"
        np.savez(partial, vectors=matrix, counts=counts)
        partial.replace(self._path(key, sha256))

    def load(self, key: str, sha256: str) -> tuple[np.ndarray, np.ndarray] | None:
        try:
            with np.load(self._path(key, sha256)) as data:
                return data["vectors"], data["counts"]
        except (OSError, ValueError, KeyError):
            return None

    def matrix(self, chunks: list[Chunk], shas: dict[str, str], embedder) -> np.ndarray:
        """One row per unit of `chunks` (in their order), from the saved files; a document without a usable
        file is embedded again and saved. Files of documents no longer indexed are removed. Each file is
        copied into the matrix as it is read, so the national matrix (380 MB) is held once."""
        by_document: dict[str, list[Chunk]] = {}
        for chunk in chunks:
            by_document.setdefault(chunk.id.rsplit(":", 1)[0], []).append(chunk)
        expected = {key: units_per_chunk(document_chunks) for key, document_chunks in by_document.items()}
        matrix: np.ndarray | None = None
        start = 0
        for key, document_chunks in by_document.items():
            saved = self.load(key, shas[key])
            if saved is None or saved[1].tolist() != expected[key]:
                log.info("making sentence vectors for %s", document_chunks[0].source)
                _, per_chunk = embedder.embed_with_parts([embedded_text(c) for c in document_chunks],
                                                         [sentence_spans(c) for c in document_chunks])
                self.save(key, shas[key], per_chunk)
                saved = self.load(key, shas[key])
            vectors = saved[0]
            if not len(vectors):
                continue
            if matrix is None:
                matrix = np.empty((sum(map(sum, expected.values())), vectors.shape[1]), dtype=np.float32)
            matrix[start:start + len(vectors)] = vectors
            start += len(vectors)
        self._remove_others({self._path(key, shas[key]).name for key in by_document})
        return matrix if matrix is not None else np.zeros((0, 0), dtype=np.float32)

    def _remove_others(self, keep: set[str]) -> None:
        if not self.folder.is_dir():
            return
        for path in self.folder.glob("*.npz"):
            if path.name not in keep and not path.name.startswith("."):
                path.unlink(missing_ok=True)
