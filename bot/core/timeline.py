"""'How has caseload pressure been described from the 2015 peer review to the 2023 inspection?': one cited
finding per document, in date order, across kinds of document (a peer review, an inspection, an improvement
plan), each the sentence of that document that best answers the question, word for word."""
from __future__ import annotations

from index.records import Chunk
from index.text import is_verbatim

from .answer import passages_of
from .query import Query
from .retrieve import Retrieved
from .types import Answer, AnsweredSentence, Citation, markers


def timeline(query: Query, found: list[Retrieved]) -> Answer | None:
    """One finding per document that carries the question, oldest first; None when fewer than two do (a
    timeline of one is an ordinary answer)."""
    # 'From the 2015 peer review to the 2023 inspection': the documents of those years and between.
    span = (min(query.years), max(query.years)) if len(query.years) >= 2 else None
    rows = []
    for item in found:
        year = int(item.chunk.date[:4]) if item.chunk.date and item.chunk.date[:4].isdigit() else None
        if span and (year is None or not span[0] <= year <= span[1]):
            continue
        best = next((s for s in item.sentences if s.carries()), None)
        if best is not None and is_verbatim(best.text, item.chunk.text):
            rows.append((item.chunk, best.text))
    if len(rows) < 2:
        return None
    rows.sort(key=lambda row: (row[0].date or "", row[0].source))
    citations: list[Citation] = []
    lines: list[str] = []
    sentences: list[AnsweredSentence] = []
    # The same words in several documents (a summary and the letter that repeats it): one row, every source.
    by_quote: dict[str, list[Chunk]] = {}
    for chunk, quote in rows:
        by_quote.setdefault(quote, []).append(chunk)
    for quote, chunks in by_quote.items():
        numbers = []
        for chunk in chunks:
            numbers.append(len(citations) + 1)
            citations.append(Citation.from_chunk(numbers[-1], chunk, quote))
        first = chunks[0]
        lines.append(f"\u2022 {first.date or 'undated'}, {first.title} ({first.doc_type}): \u201c{quote}\u201d "
                     f"{markers(numbers)}")
        sentences.append(AnsweredSentence.quoted(quote, numbers))
    text = f"In {len(rows)} documents, oldest first:\n" + "\n".join(lines)
    return Answer(query.question, text, False, citations, passages_of(found), mode="timeline", sentences=sentences)
