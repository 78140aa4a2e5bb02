"""The keyword (BM25) index beside the vector store, with the chunk texts it searches.

It is derived from the store and rebuilt whenever the set of indexed documents changes; its stamp says
which set it was built from."""
from __future__ import annotations

import json
import logging
import os
import re
import threading
from dataclasses import asdict
from functools import lru_cache
from pathlib import Path

import numpy as np

from .acronyms import builtin_glossary, learn_acronyms
from .document import Chunk
from .sentences import units_of

logging.getLogger("bm25s").setLevel(logging.WARNING)  # it logs every index build at DEBUG
_WORD = re.compile(r"[a-z0-9£]+(?:['’][a-z]+)?")


@lru_cache(maxsize=1)
def _stemmer():
    import Stemmer

    return Stemmer.Stemmer("english")


@lru_cache(maxsize=1)
def _stopwords() -> frozenset[str]:
    from bm25s.stopwords import STOPWORDS_EN_PLUS

    # Question words carry no topic: "what did the review say about X" is about X.
    return frozenset(STOPWORDS_EN_PLUS) | {"s", "did", "does", "say", "said", "tell", "told", "get", "got", "find", "found"}


def tokenize(text: str) -> list[str]:
    words = [w.replace("’", "'").split("'")[0] for w in _WORD.findall(text.lower())]
    stop = _stopwords()
    return _stemmer().stemWords([w for w in words if w and w not in stop])


def boilerplate_text(text: str) -> str:
    return re.sub(r"[^a-z]+", " ", text.lower()).strip()[:300]


class KeywordIndex:
    def __init__(self, chunks: list[Chunk], stamp: str, acronyms: dict[str, str] | None = None) -> None:
        import bm25s

        logging.getLogger("bm25s").setLevel(logging.WARNING)
        self.chunks = chunks
        self.stamp = stamp
        self.acronyms = acronyms if acronyms is not None else {
            **learn_acronyms(c.text for c in chunks), **builtin_glossary()}
        self.by_id = {chunk.id: i for i, chunk in enumerate(chunks)}
        self.bm25 = bm25s.BM25()
        # What the document is (title, council, kind, year, section) is searched with the text: questions
        # name them ('the Ofsted report on Trafford', 'the letter to staff').
        tokenized = [tokenize(f"{c.header()}\n{c.text}") for c in chunks]
        if chunks:
            self.bm25.index(tokenized, show_progress=False)
        self.document_frequency: dict[str, int] = {}
        # Every word of each document, to tell whether a document mentions a name at all.
        self.source_tokens: dict[str, set[str]] = {}
        for chunk, tokens in zip(chunks, tokenized):
            self.source_tokens.setdefault(chunk.source, set()).update(tokens)
        for tokens in tokenized:
            for token in set(tokens):
                self.document_frequency[token] = self.document_frequency.get(token, 0) + 1
        self.boilerplate = self._find_boilerplate()
        # Sentences too: a question answered by one sentence of a long chunk should find that chunk.
        self.unit_chunk: list[int] = []
        unit_tokens: list[list[str]] = []
        for index, chunk in enumerate(chunks):
            for unit in units_of(chunk.text, chunk.headings()):
                self.unit_chunk.append(index)
                unit_tokens.append(tokenize(unit))
        self.unit_bm25 = bm25s.BM25()
        if unit_tokens:
            self.unit_bm25.index(unit_tokens, show_progress=False)
        self.unit_chunk_array = np.array(self.unit_chunk, dtype=np.int64)

    def _find_boilerplate(self) -> np.ndarray:
        """Chunks whose text recurs in three or more documents: publishers' notices, not findings."""
        sources: dict[str, set[str]] = {}
        for chunk in self.chunks:
            sources.setdefault(boilerplate_text(chunk.text), set()).add(chunk.source)
        return np.array([len(sources[boilerplate_text(c.text)]) >= 3 for c in self.chunks], dtype=bool)

    def scores(self, query: str) -> np.ndarray:
        if not self.chunks:
            return np.zeros(0)
        tokens = tokenize(query)
        return self.bm25.get_scores(tokens) if tokens else np.zeros(len(self.chunks))

    def sentence_scores(self, query: str) -> np.ndarray:
        """Per chunk, the keyword score of its best-matching sentence."""
        best = np.zeros(len(self.chunks))
        tokens = tokenize(query)
        if not self.unit_chunk or not tokens:
            return best
        np.maximum.at(best, self.unit_chunk_array, self.unit_bm25.get_scores(tokens))
        return best

    def idf(self, token: str) -> float:
        """How rare a (stemmed) word is across chunks; unknown words are the rarest."""
        n = len(self.chunks)
        df = self.document_frequency.get(token, 0)
        return float(np.log(1 + (n - df + 0.5) / (df + 0.5)))

    def known(self, token: str) -> bool:
        return token in self.document_frequency

    def save(self, folder: Path) -> None:
        folder.mkdir(parents=True, exist_ok=True)
        # Replicas sharing the data folder may save at once: each writes its own file, then renames.
        tmp = folder / f"chunks.json.{os.getpid()}.{threading.get_ident()}.tmp"
        tmp.write_text(json.dumps({"stamp": self.stamp, "acronyms": self.acronyms,
                                   "chunks": [asdict(c) for c in self.chunks]}), encoding="utf-8")
        tmp.replace(folder / "chunks.json")

    @staticmethod
    def saved_stamp(folder: Path) -> str | None:
        """Which set of documents the saved index was built from, without building it."""
        try:
            return json.loads((folder / "chunks.json").read_text(encoding="utf-8"))["stamp"]
        except (OSError, ValueError, KeyError):
            return None

    @classmethod
    def load(cls, folder: Path) -> "KeywordIndex | None":
        try:
            data = json.loads((folder / "chunks.json").read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return None
        chunks = [Chunk(**{**c, "years": tuple(c["years"]), "topics": tuple(c["topics"])}) for c in data["chunks"]]
        return cls(chunks, data["stamp"], data["acronyms"])
