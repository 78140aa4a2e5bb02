"""The keyword (BM25) index beside the vector store, with the chunk texts it searches.

It is derived from the store and rebuilt whenever the set of indexed documents changes; its stamp says
which set it was built from."""
from __future__ import annotations

import hashlib
import json
import logging
import os
import re
import shutil
import threading
from collections import Counter
from dataclasses import asdict
from pathlib import Path

import numpy as np

from . import tuning
from .records import Chunk
from .text import builtin_glossary, is_verbatim, learn_acronyms, tokenize, units_of
from .vocabulary import GRADE_NAMES

logging.getLogger("bm25s").setLevel(logging.WARNING)  # it logs every index build at DEBUG


def boilerplate_text(text: str) -> str:
    # Figures kept: "…English as an additional language is 6%" and "…is 58%" are two councils' facts.
    return re.sub(r"[^a-z0-9]+", " ", text.lower()).strip()[:tuning.BOILERPLATE_CHARACTERS]


# A row of a judgement table ('Overall effectiveness Good'): many councils share the same grades, word for
# word, yet each table is its own report's finding.
_JUDGEMENT_ROW = re.compile(rf"\b({'|'.join(GRADE_NAMES)})(?: to be good)?\s*$", re.I | re.M)


class KeywordIndex:
    """BM25 over chunks (with their context header) and over single sentences, with the chunks it searches.
    Built once per set of documents and saved; bots load the saved copy, its score matrices memory-mapped."""

    # Raise when what is saved changes, so that saved copies are built again.
    FORMAT = 5  # 5: the words of the passages, for mending a question's typing slips

    def __init__(self, chunks: list[Chunk], stamp: str, acronyms: dict[str, str], bm25, unit_bm25,
                 unit_chunk: np.ndarray, boilerplate: np.ndarray, sentence_vectors: np.ndarray,
                 words: dict[str, int]) -> None:
        self.chunks = chunks
        self.stamp = stamp
        self.acronyms = acronyms
        # Each word as the passages spell it (lower case, four letters or more, in two passages or more), and
        # how many passages hold it.
        self.words = words
        self.bm25 = bm25
        self.unit_bm25 = unit_bm25
        self.unit_chunk_array = unit_chunk
        # Row i is the vector of sentence i (see ingest/sentence_vectors.py).
        self.sentence_vectors = sentence_vectors
        # Where each chunk's sentences start among all sentences, and where they end.
        self.unit_start = np.searchsorted(unit_chunk, np.arange(len(chunks) + 1))
        # Sentences are stored chunk by chunk, so each chunk's best one is a max over a run of them.
        self._unit_runs = np.flatnonzero(np.r_[True, unit_chunk[1:] != unit_chunk[:-1]]) if len(unit_chunk) else unit_chunk
        self._unit_owners = unit_chunk[self._unit_runs] if len(unit_chunk) else unit_chunk
        self.boilerplate = boilerplate
        self.by_id = {chunk.id: i for i, chunk in enumerate(chunks)}
        self._twin_keys = _identical_documents(chunks)
        self.chunk_source = np.array([chunk.source for chunk in chunks], dtype=object)
        # Chunks are kept document by document, in order: each document's are one run.
        self._runs: dict[str, range] = {}
        for index, chunk in enumerate(chunks):
            run = self._runs.get(chunk.source)
            self._runs[chunk.source] = range(run.start if run else index, index + 1)
        self._vocab = bm25.vocab_dict if chunks else {}
        self._indptr = np.asarray(bm25.scores["indptr"]) if chunks else np.zeros(1, dtype=np.int64)

    @classmethod
    def build(cls, chunks: list[Chunk], stamp: str, acronyms: dict[str, str] | None = None,
              sentence_vectors: np.ndarray | None = None) -> "KeywordIndex":
        import bm25s

        logging.getLogger("bm25s").setLevel(logging.WARNING)  # bm25s sets its own level when it starts
        acronyms = acronyms if acronyms is not None else {**learn_acronyms(c.text for c in chunks),
                                                          **builtin_glossary()}
        # What the document is (title, council, kind, year, section) is searched with the text: questions
        # name them ('the Ofsted report on Trafford', 'the letter to staff').
        bm25 = bm25s.BM25()
        if chunks:
            bm25.index([tokenize(f"{c.header()}\n{c.text}") for c in chunks], show_progress=False)
        # Sentences too: a question answered by one sentence of a long chunk should find that chunk.
        unit_chunk: list[int] = []
        unit_tokens: list[list[str]] = []
        for index, chunk in enumerate(chunks):
            for unit in units_of(chunk.text, chunk.headings()):
                unit_chunk.append(index)
                unit_tokens.append(tokenize(unit))
        unit_bm25 = bm25s.BM25()
        if unit_tokens:
            unit_bm25.index(unit_tokens, show_progress=False)
        if sentence_vectors is None:
            sentence_vectors = np.zeros((len(unit_chunk), 0), dtype=np.float32)
        if len(sentence_vectors) != len(unit_chunk):
            raise ValueError(f"{len(sentence_vectors)} sentence vectors for {len(unit_chunk)} sentences")
        return cls(chunks, stamp, acronyms, bm25, unit_bm25, np.array(unit_chunk, dtype=np.int64),
                   _find_boilerplate(chunks), np.ascontiguousarray(sentence_vectors, dtype=np.float32),
                   _words_of(chunks))

    def scores(self, query: str) -> np.ndarray:
        if not self.chunks:
            return np.zeros(0)
        tokens = tokenize(query)
        return self.bm25.get_scores(tokens) if tokens else np.zeros(len(self.chunks))

    def sentence_scores(self, query: str) -> np.ndarray:
        """Per chunk, the keyword score of its best-matching sentence."""
        tokens = tokenize(query)
        if not len(self.unit_chunk_array) or not tokens:
            return np.zeros(len(self.chunks))
        return self.best_sentence_per_chunk(self.unit_bm25.get_scores(tokens))

    def sentence_similarities(self, vector: np.ndarray, chunks: np.ndarray | None = None) -> np.ndarray:
        """Cosine similarity of every sentence to a (unit) vector; zeros when there are no sentence vectors.
        `chunks`: a mask; sentences of the other chunks are left at 0."""
        vector = np.asarray(vector, dtype=np.float32)
        if self.sentence_vectors.shape[1] == 0:
            return np.zeros(len(self.sentence_vectors), dtype=np.float32)
        if chunks is None or chunks.mean() > 0.5:
            return self.sentence_vectors @ vector
        # One council's sentences are a few thousand rows of the memory-mapped matrix: reading only those is
        # most of a question's time saved at national scale (the whole matrix is 380 MB).
        rows = np.flatnonzero(chunks[self.unit_chunk_array])
        similarities = np.zeros(len(self.sentence_vectors), dtype=np.float32)
        similarities[rows] = self.sentence_vectors[rows] @ vector
        return similarities

    def best_sentence_per_chunk(self, sentence_scores: np.ndarray) -> np.ndarray:
        """Per chunk, the highest of its sentences' scores (0 for a chunk without sentences)."""
        best = np.zeros(len(self.chunks), dtype=np.float32)
        if len(self.unit_chunk_array):
            best[self._unit_owners] = np.maximum.reduceat(sentence_scores, self._unit_runs)
        return best

    def sentences_of(self, index: int) -> slice:
        """The rows of a chunk's sentences (in `lines_and_units` order)."""
        return slice(int(self.unit_start[index]), int(self.unit_start[index + 1]))

    def _column(self, token: str) -> slice | None:
        index = self._vocab.get(token)
        if index is None or not token:
            return None
        return slice(int(self._indptr[index]), int(self._indptr[index + 1]))

    def document_frequency(self, token: str) -> int:
        """How many chunks hold the (stemmed) word."""
        column = self._column(token)
        return 0 if column is None else column.stop - column.start

    def idf(self, token: str) -> float:
        """How rare a (stemmed) word is across chunks; unknown words are the rarest."""
        n = len(self.chunks)
        df = self.document_frequency(token)
        return float(np.log(1 + (n - df + 0.5) / (df + 0.5)))

    def known(self, token: str) -> bool:
        return self.document_frequency(token) > 0

    def chunks_with(self, token: str) -> np.ndarray:
        """The indexes of the chunks that hold the (stemmed) word anywhere, their headers included."""
        column = self._column(token)
        if column is None:
            return np.zeros(0, dtype=np.int64)
        return np.asarray(self.bm25.scores["indices"][column])

    def sources_with(self, token: str) -> set[str]:
        """The documents that hold the (stemmed) word anywhere, their headers included."""
        return set(self.chunk_source[self.chunks_with(token)])

    def chunks_of(self, source: str) -> range:
        """The indexes of a document's chunks, in document order."""
        return self._runs.get(source, range(0))

    def chunk_holding(self, source: str, quote: str, page: int | None = None) -> Chunk | None:
        """The chunk of a document that holds a quote word for word, on `page` if one there does."""
        chunks = [self.chunks[i] for i in self.chunks_of(source)]
        holding = [c for c in chunks if is_verbatim(quote, c.text)]
        return next((c for c in holding if c.page == page), holding[0] if holding else None)

    def twins(self, chunk: Chunk) -> list[Chunk]:
        """The same chunk in each other document whose text is identical to this one's (the same file kept
        in two places)."""
        key, number = chunk.id.rsplit(":", 1)
        return [self.chunks[self.by_id[f"{twin}:{number}"]] for twin in self._twin_keys.get(key, ())
                if f"{twin}:{number}" in self.by_id]

    def save(self, folder: Path) -> None:
        """Into a folder of its own, then made current by renaming a pointer file: replicas sharing the data
        folder may save at once, and a reader never sees half an index."""
        folder.mkdir(parents=True, exist_ok=True)
        target = folder / f"index-{self.stamp[:16]}-{os.getpid()}-{threading.get_ident()}"
        shutil.rmtree(target, ignore_errors=True)
        target.mkdir()
        (target / "chunks.json").write_text(json.dumps({"stamp": self.stamp, "acronyms": self.acronyms,
                                                        "words": self.words,
                                                        "chunks": [asdict(c) for c in self.chunks]}),
                                            encoding="utf-8")
        if self.chunks:
            self.bm25.save(target / "chunks-bm25", show_progress=False)
        if len(self.unit_chunk_array):
            self.unit_bm25.save(target / "sentences-bm25", show_progress=False)
        np.save(target / "unit_chunk.npy", self.unit_chunk_array)
        np.save(target / "boilerplate.npy", self.boilerplate)
        np.save(target / "sentence_vectors.npy", self.sentence_vectors)
        pointer = folder / f"current.{os.getpid()}.{threading.get_ident()}.tmp"
        pointer.write_text(json.dumps({"stamp": self.stamp, "folder": target.name}), encoding="utf-8")
        pointer.replace(folder / "current.json")
        _remove_old_copies(folder, keep=target.name)

    @staticmethod
    def saved_stamp(folder: Path) -> str | None:
        """Which set of documents the saved index was built from, without loading it."""
        pointer = _pointer(folder)
        return pointer["stamp"] if pointer else None

    @classmethod
    def load(cls, folder: Path) -> "KeywordIndex | None":
        import bm25s

        pointer = _pointer(folder)
        if pointer is None:
            return None
        where = folder / pointer["folder"]
        try:
            data = json.loads((where / "chunks.json").read_text(encoding="utf-8"))
            chunks = [Chunk(**{**c, "years": tuple(c["years"]), "topics": tuple(c["topics"]),
                               "months": tuple(c.get("months", ()))}) for c in data["chunks"]]
            unit_chunk = np.load(where / "unit_chunk.npy")
            quiet = {"mmap": True, "show_progress": False}
            bm25 = bm25s.BM25.load(where / "chunks-bm25", **quiet) if chunks else bm25s.BM25()
            unit_bm25 = bm25s.BM25.load(where / "sentences-bm25", **quiet) if len(unit_chunk) else bm25s.BM25()
            return cls(chunks, data["stamp"], data["acronyms"], bm25, unit_bm25, unit_chunk,
                       np.load(where / "boilerplate.npy"), np.load(where / "sentence_vectors.npy", mmap_mode="r"),
                       data["words"])
        except (OSError, ValueError, KeyError, TypeError):  # removed or half-written by another process
            return None


def _words_of(chunks: list[Chunk]) -> dict[str, int]:
    counts: Counter = Counter()
    for chunk in chunks:
        counts.update(set(re.findall(r"[a-z]{4,}", chunk.text.lower())))
    return {word: n for word, n in counts.items() if n >= 2}


def _pointer(folder: Path) -> dict | None:
    try:
        return json.loads((folder / "current.json").read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None


def _remove_old_copies(folder: Path, keep: str) -> None:
    """Older saved copies, once no pointer names them. A bot still reading one keeps its memory map."""
    for old in folder.glob("index-*"):
        if old.name != keep and old.is_dir():
            shutil.rmtree(old, ignore_errors=True)


def _identical_documents(chunks: list[Chunk]) -> dict[str, list[str]]:
    """For each document (by key) whose chunks, in order, are another's too: the keys of the others."""
    digests: dict = {}
    for chunk in chunks:
        digests.setdefault(chunk.id.rsplit(":", 1)[0], hashlib.sha1()).update(chunk.text.encode() + b"\0")
    groups: dict[str, list[str]] = {}
    for key, digest in digests.items():
        groups.setdefault(digest.hexdigest(), []).append(key)
    return {key: [other for other in group if other != key] for group in groups.values() if len(group) > 1
            for key in group}


def _find_boilerplate(chunks: list[Chunk]) -> np.ndarray:
    """Chunks whose text recurs in BOILERPLATE_DOCUMENTS documents or more: publishers' notices, not findings."""
    sources: dict[str, set[str]] = {}
    for chunk in chunks:
        sources.setdefault(boilerplate_text(chunk.text), set()).add(chunk.source)
    return np.array([len(sources[boilerplate_text(c.text)]) >= tuning.BOILERPLATE_DOCUMENTS and not _JUDGEMENT_ROW.search(c.text)
                     for c in chunks], dtype=bool)
