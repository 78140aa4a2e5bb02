"""Small hand-built indexes for tests of what a number or a rule changes: chunks, their keyword index, a
question read against it, and its passages scored."""
from __future__ import annotations

import numpy as np

from bot.core.catalog import Catalog
from bot.core.query import Query, analyse
from bot.core.retrieve import Retrieved
from bot.core.sentences import score_sentences
from index.keyword import KeywordIndex
from index.records import Chunk
from index.text import lines_and_units


def chunk(number: int, text: str, source: str = "review.pdf", **fields) -> Chunk:
    values = {"page": 1, "section": "", "title": source, "council": None, "date": None, "doc_type": "report"}
    values.update(fields)
    return Chunk(id=f"{source}:{number}", source=source, text=text, **values)


def index_of(*chunks: Chunk, vectors: list[list[float]] | None = None) -> KeywordIndex:
    """A keyword index of the chunks; `vectors`: one per sentence of all of them, in order."""
    units = sum(len(lines_and_units(c.text, c.headings())) for c in chunks)
    matrix = np.array(vectors, dtype=np.float32) if vectors is not None else np.zeros((units, 0), np.float32)
    return KeywordIndex.build(list(chunks), "test", acronyms={}, sentence_vectors=matrix)


def ask(keyword: KeywordIndex, question: str, vector: list[float] | None = None) -> Query:
    query = analyse(question, Catalog(keyword))
    query.vector = np.array(vector, dtype=np.float32) if vector is not None else None
    return query


def ranked(keyword: KeywordIndex, query: Query, index: int = 0, share: float = 1.0) -> list[str]:
    return [s.text for s in score_sentences(query, index, share, 1.0, keyword)]


def passages(keyword: KeywordIndex, query: Query, shares: list[float]) -> list[Retrieved]:
    return [Retrieved(c, share, score_sentences(query, i, share, 1.0, keyword))
            for i, (c, share) in enumerate(zip(keyword.chunks, shares))]


# Filler, so that the words of the questions below are not the commonest in the index.
FILLER = [chunk(n, f"The council meeting number {n} discussed budgets, buildings and transport.", f"filler{n}.pdf")
          for n in range(4)]
