"""'How has caseload pressure been described from the 2015 peer review to the 2023 inspection?': one cited
finding per document, in date order, across kinds of document (a peer review, an inspection, an improvement
plan), each the sentence of that document that best answers the question, word for word."""
from __future__ import annotations

import re

from ingest.text import is_verbatim

from .answer import Answer, Citation, retrieved_view
from .query import YEAR, Query
from .retrieve import Retrieved

TIMELINE = re.compile(r"\bover\s+time\b|\bbeen\s+described\b|\bhow\s+(?:has|have)\b.{0,80}\bchanged\b|\btimeline\b|"
                      r"\bover\s+the\s+years\b|\bacross\s+(?:the\s+)?(?:years|reports|documents)\b|"
                      r"\bfrom\s+(?:the\s+)?(?:19|20)\d\d\b.{0,80}\bto\s+(?:the\s+)?(?:19|20)\d\d\b", re.I)
# Documents a timeline reads, one finding each.
DOCUMENTS = 8


# The words that ask for a timeline, not what it is about: 'how has', 'been described', 'over time'.
_FRAMING = re.compile(r"\bfrom\s+(?:the\s+)?(?:19|20)\d\d\b.{0,60}?\bto\s+(?:the\s+)?(?:19|20)\d\d\b(?:\s+(?:peer\s+)?"
                      r"(?:inspection|report|review|plan|briefing))?|\bhow\s+(?:has|have|did)\b|\bbeen\s+(?:described|reported|judged|seen)\b|\bchanged\b|"
                      r"\bover\s+(?:time|the\s+years)\b|\btimeline\s+of\b|\bacross\s+(?:the\s+)?(?:years|reports|"
                      r"documents)\b", re.I)


def asks_for_timeline(question: str) -> bool:
    return bool(TIMELINE.search(question))


def topic_of(question: str) -> str:
    """What a timeline is about: 'How have caseloads in Worcestershire been described over time?' →
    'caseloads in Worcestershire'. The framing words would otherwise count against every finding."""
    topic = re.sub(r"\s+", " ", _FRAMING.sub(" ", question)).strip(" ?.")
    return topic or question


def timeline(query: Query, found: list[Retrieved]) -> Answer | None:
    """One finding per document that carries the question, oldest first; None when fewer than two do (a
    timeline of one is an ordinary answer)."""
    years = [int(y) for y in YEAR.findall(query.question)]
    # 'From the 2015 peer review to the 2023 inspection': the documents of those years and between.
    span = (min(years), max(years)) if len(years) >= 2 else None
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
    citations, lines, sentences = [], [], []
    # The same words in several documents (a summary and the letter that repeats it): one row, every source.
    by_quote: dict[str, list] = {}
    for chunk, quote in rows:
        by_quote.setdefault(quote, []).append(chunk)
    for quote, chunks in by_quote.items():
        numbers = []
        for chunk in chunks:
            numbers.append(len(citations) + 1)
            citations.append(Citation(n=numbers[-1], source=chunk.source, title=chunk.title, page=chunk.page,
                                      section=chunk.section, council=chunk.council, date=chunk.date, quote=quote))
        first = chunks[0]
        marks = "".join(f"[{n}]" for n in numbers)
        lines.append(f"\u2022 {first.date or 'undated'}, {first.title} ({first.doc_type}): \u201c{quote}\u201d {marks}")
        sentences.append({"text": quote, "citations": numbers, "supported": numbers, "problems": []})
    text = f"In {len(rows)} documents, oldest first:\n" + "\n".join(lines)
    return Answer(query.question, text, False, citations, retrieved_view(found), mode="timeline", sentences=sentences)
