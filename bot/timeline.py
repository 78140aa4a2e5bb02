"""'How has caseload pressure been described from the 2015 peer review to the 2023 inspection?': one cited
finding per document, in date order, across kinds of document (a peer review, an inspection, an improvement
plan), each the sentence of that document that best answers the question, word for word."""
from __future__ import annotations

import re

from ingest.text import is_verbatim

from .answer import Answer, Citation, retrieved_view
from .query import Query
from .retrieve import Retrieved

TIMELINE = re.compile(r"\bover\s+time\b|\bbeen\s+described\b|\bhow\s+(?:has|have)\b.{0,80}\bchanged\b|\btimeline\b|"
                      r"\bover\s+the\s+years\b|\bacross\s+(?:the\s+)?(?:years|reports|documents)\b|"
                      r"\bfrom\s+(?:the\s+)?(?:19|20)\d\d\b.{0,80}\bto\s+(?:the\s+)?(?:19|20)\d\d\b", re.I)
# Documents a timeline reads, one finding each.
DOCUMENTS = 8


def asks_for_timeline(question: str) -> bool:
    return bool(TIMELINE.search(question))


def timeline(query: Query, found: list[Retrieved]) -> Answer | None:
    """One finding per document that carries the question, oldest first; None when fewer than two do (a
    timeline of one is an ordinary answer)."""
    rows = []
    for item in found:
        best = next((s for s in item.sentences if s.carries()), None)
        if best is not None and is_verbatim(best.text, item.chunk.text):
            rows.append((item.chunk, best.text))
    if len(rows) < 2:
        return None
    rows.sort(key=lambda row: (row[0].date or "", row[0].source))
    citations, lines, sentences = [], [], []
    for n, (chunk, quote) in enumerate(rows, start=1):
        citations.append(Citation(n=n, source=chunk.source, title=chunk.title, page=chunk.page, section=chunk.section,
                                  council=chunk.council, date=chunk.date, quote=quote))
        lines.append(f"\u2022 {chunk.date or 'undated'}, {chunk.title} ({chunk.doc_type}): \u201c{quote}\u201d [{n}]")
        sentences.append({"text": quote, "citations": [n], "supported": [n], "problems": []})
    text = f"In {len(rows)} documents, oldest first:\n" + "\n".join(lines)
    return Answer(query.question, text, False, citations, retrieved_view(found), mode="timeline", sentences=sentences)
