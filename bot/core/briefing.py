"""'Brief me on Cheshire East's 2024 Ofsted inspection': a short briefing on one document, each line a verbatim
quote with its page, the document named at the top. For an inspection report: its judgements (from the
facts read at ingest), the first sentences of its summary, and what needs to improve; for a peer review or
another document: its key strengths, areas for consideration and next steps or priorities."""
from __future__ import annotations

from dataclasses import dataclass
from typing import Iterable

from index import tuning
from index.keyword import KeywordIndex
from index.records import JUDGEMENTS, Chunk, DocumentRecord, Fact
from index.text import is_verbatim
from index.vocabulary import INSPECTION_KINDS, section_headings

from .answer import passages_quoted_first, quoted_bullet
from .catalog import Catalog
from .query import Query
from .retrieve import Retrieved
from .sections import Item, document_sections, summary_sentences
from .types import Answer, AnsweredSentence

# What a briefing on a peer review or another document covers, in order: a section of each of these kinds.
_DOCUMENT_PARTS = [("Strengths", ("strengths",)), ("Areas for consideration", ("areas for consideration",)),
                   ("Next steps", ("next steps", "priorities", "recommendations", "actions"))]


@dataclass(frozen=True)
class _Line:
    part: str  # the heading it goes under
    quote: str
    chunk: Chunk | None
    fact: Fact | None = None


def choose_document(query: Query, retrieved: list[Retrieved], catalog: Catalog) -> str | None:
    """The document a briefing is on: the first retrieved of the kind, year and council the question names;
    the council's newest of that kind when it names no year or month."""
    if not retrieved:
        return None
    if not (query.years or query.months) and query.councils:
        newest = catalog.newest_reports(query.councils, query.kinds)
        for item in retrieved:
            if item.chunk.source in newest:
                return item.chunk.source
        if newest:
            return sorted(newest)[0]
    return retrieved[0].chunk.source


def _summary(keyword: KeywordIndex, source: str) -> list[_Line]:
    return [_Line("Summary", item.text, item.chunk)
            for item in summary_sentences(keyword, source, tuning.BRIEFING_SUMMARY_SENTENCES)]


def _inspection_lines(record: DocumentRecord, keyword: KeywordIndex) -> list[_Line]:
    order = {name: i for i, name in enumerate(JUDGEMENTS)}
    judgements = sorted((f for f in record.facts if f.fact in order), key=lambda f: order[f.fact])
    lines = [_Line("Judgements", f.quote, keyword.chunk_holding(record.source, f.quote, f.page), f)
             for f in judgements]
    lines += _summary(keyword, record.source)
    improvements = [f for f in record.facts if f.fact == "improvement"][:tuning.BRIEFING_ITEMS]
    lines += [_Line("What needs to improve", f.quote, keyword.chunk_holding(record.source, f.quote, f.page), f)
              for f in improvements]
    return lines


def _document_lines(keyword: KeywordIndex, source: str) -> list[_Line]:
    sections = document_sections(keyword, source)
    patterns = section_headings()
    lines: list[_Line] = []
    for part, kinds in _DOCUMENT_PARTS:
        for kind in kinds:
            matching = [s for s in sections if any(patterns[kind].search(n.lower()) for n in s.names())]
            used = {line.quote for line in lines}
            items: list[Item] = [i for s in matching for i in s.items if len(i.text.split()) >= 3
                                 and i.text not in used]
            if items:
                lines += [_Line(part, i.text, i.chunk) for i in items[:tuning.BRIEFING_ITEMS]]
                break
    return lines or _summary(keyword, source)


def _parts_found(lines: list[_Line]) -> int:
    return len({line.part for line in lines if line.part != "Summary"})


def brief(query: Query, retrieved: list[Retrieved], keyword: KeywordIndex, catalog: Catalog,
          records: Iterable[DocumentRecord]) -> Answer | None:
    """The briefing, or None when no document answers (the passages answer then)."""
    source = choose_document(query, retrieved, catalog)
    if source is None:
        return None
    by_source = {r.source: r for r in records}
    record = by_source.get(source)
    if record is not None and record.doc_type in INSPECTION_KINDS and record.facts:
        lines = _inspection_lines(record, keyword)
    else:
        # Of a council's documents of the kind asked for (a peer review comes as a letter, a summary and its
        # findings), the one with the most of a briefing's parts.
        kinds = query.kinds or ({record.doc_type} if record is not None else set())
        sources = list(dict.fromkeys([source, *(r.chunk.source for r in retrieved)]))
        documents = [s for s in sources if s in by_source and by_source[s].council == (record.council if record else None)
                     and (not kinds or kinds & {by_source[s].doc_type, *by_source[s].topics}
                          or any(k in by_source[s].doc_type for k in kinds))]
        found = [(_document_lines(keyword, s), s) for s in documents or [source]]
        lines, source = max(found, key=lambda f: (_parts_found(f[0]),
                                                  any(k in by_source[f[1]].doc_type for k in kinds) if f[1] in by_source
                                                  else False))
    lines = [line for line in lines if line.chunk is not None and is_verbatim(line.quote, line.chunk.text)]
    if not lines:
        return None
    first = lines[0].chunk
    citations, text, parts = [], [], []
    sentences: list[AnsweredSentence] = []
    when = f", {first.date}" if first.date else ""
    text.append(f"Briefing: {first.title}{when}")
    for line in lines:
        if line.part not in parts:
            parts.append(line.part)
            text.append(f"{line.part}:")
        bullet, sentence = quoted_bullet(line.quote, line.chunk, keyword, citations,
                                         line.fact.page if line.fact is not None else None)
        text.append(bullet)
        sentences.append(sentence)
    return Answer(query.question, "\n".join(text), False, citations,
                  passages_quoted_first([line.chunk for line in lines], retrieved), mode="briefing",
                  nearest_documents=[first.title], sentences=sentences)
