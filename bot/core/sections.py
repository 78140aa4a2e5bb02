"""A section of a report kept whole: the items under a heading ('What needs to improve', 'Strengths' under
'Working together') or after a lead-in ('The key areas of the improvement plan are:'), in document order
across chunks and pages, each quoted word for word with its page, grouped under the section and its
document. A question that asks for a section is answered with its items, not with scattered sentences."""
from __future__ import annotations

import re
from dataclasses import dataclass, field

from index import tuning
from index.keyword import KeywordIndex
from index.records import SECTION_SEPARATOR, Chunk
from index.text import BULLET_PREFIX, is_verbatim, lines_and_units, split_sentences, tokenize
from index.vocabulary import section_headings

from .answer import passages_quoted_first, quoted_bullet
from .query import Query
from .retrieve import Retrieved
from .sentences import covered, covered_term, is_heading
from .types import Answer, AnsweredSentence, Citation

# A summary's sentence is a real sentence, not a table's cell or a field.
_SUMMARY_WORDS = 12


@dataclass(frozen=True)
class Item:
    text: str
    chunk: Chunk
    bullet: bool = False  # one of a list's items, which says what it is whatever its capitals


@dataclass(eq=False)  # one section of one document: the same heading twice is two sections
class Section:
    source: str
    path: tuple[str, ...]  # the headings above it
    lead_in: str | None = None  # 'The key areas of the improvement plan are:', when a lead-in names it
    items: list[Item] = field(default_factory=list)

    @property
    def name(self) -> str:
        return self.lead_in or (self.path[-1] if self.path else "")

    def names(self) -> list[str]:
        return [self.lead_in, *self.path] if self.lead_in else list(self.path)


def document_sections(keyword: KeywordIndex, source: str) -> list[Section]:
    """The sections of one document in order: one for each run of chunks under the same headings, and one for
    each lead-in with the bullets after it (which may go on in the next chunk, or on the next page)."""
    found: list[Section] = []
    by_path: Section | None = None
    lead: Section | None = None
    for index in keyword.chunks_of(source):
        chunk = keyword.chunks[index]
        path = chunk.headings()
        if by_path is None or by_path.path != path:
            by_path = Section(source, path)
            found.append(by_path)
            if lead is not None and lead.path != path:
                lead = None
        for line in chunk.text.split("\n"):
            line = line.strip()
            if not line or (line in path and len(line.split()) < tuning.HEADING_SENTENCE_WORDS):
                continue
            bullet = line.startswith(BULLET_PREFIX)
            if not bullet:
                lead = None  # a lead-in's list ends with the first line that is not an item of it
            for unit in split_sentences(line[len(BULLET_PREFIX):] if bullet else line):
                item = Item(unit, chunk, bullet)
                if unit.endswith(":"):
                    lead = Section(source, path, unit)
                    found.append(lead)
                    continue
                by_path.items.append(item)
                if lead is not None:
                    lead.items.append(item)
    return [s for s in found if s.items]


def summary_sentences(keyword: KeywordIndex, source: str, n: int) -> list[Item]:
    """The first `n` sentences of a document's opening summary: after its title, dates and judgements, the
    first that are real sentences, not a table's cells or a field's value."""
    found: list[Item] = []
    for index in keyword.chunks_of(source):
        chunk = keyword.chunks[index]
        for _, unit in lines_and_units(chunk.text, chunk.headings()):
            if len(unit.split()) >= _SUMMARY_WORDS and unit.endswith(".") and ":" not in unit[:40]:
                found.append(Item(unit, chunk))
                if len(found) == n:
                    return found
    return found


def _pattern(name: str) -> re.Pattern:
    return section_headings()[name]


def _qualifier(query: Query, section: Section) -> float:
    """How much of the question's topic the section's headings and lead-in carry ('working together', 'capacity
    and managing resources'): which of several sections of the same kind is meant."""
    return covered(query, set(tokenize(" ".join(section.names()))))


def find_sections(query: Query, retrieved: list[Retrieved], keyword: KeywordIndex) -> list[Section]:
    """The sections the question asks for, from the first documents retrieval ranked (already steered to the
    council, year and kind of document it names): those of the asked kind whose headings carry the most of
    the topic, in the first document that has any."""
    assert query.request is not None and query.request.section is not None
    pattern = _pattern(query.request.section)
    documents = list(dict.fromkeys(r.chunk.source for r in retrieved))[:tuning.SECTION_DOCUMENTS]
    # The year or month the question names ('Slough's 2016 report') rules out the other years' documents,
    # even where only those have the section: the items of another report would answer another question.
    dated = [source for source in documents if _of_named_date(query, keyword, source)]
    best: tuple[float, int] | None = None
    chosen: list[Section] = []
    for rank, source in enumerate(dated or documents):
        matching = [s for s in document_sections(keyword, source)
                    if any(pattern.search(name.lower()) for name in s.names())]
        if not matching:
            continue
        scored = [(_qualifier(query, s), s) for s in matching]
        top = max(score for score, _ in scored)
        # A document of the kind asked for before one about it ('the peer review's conclusion': the review's own,
        # not the scrutiny panel's on it).
        key = (_of_named_kind(query, keyword, source), round(top, 2), -rank)
        if best is None or key > best:
            best = key
            chosen = [s for score, s in scored if score == top]
            # A lead-in that names the section is the list itself ('The review team consisted of:').
            chosen = [s for s in chosen if s.lead_in] or chosen
    return chosen


def _of_named_kind(query: Query, keyword: KeywordIndex, source: str) -> bool:
    run = keyword.chunks_of(source)
    if not run or not query.kinds:
        return True
    kind = keyword.chunks[run.start].doc_type or ""
    return any(k in kind for k in query.kinds)


def _of_named_date(query: Query, keyword: KeywordIndex, source: str) -> bool:
    run = keyword.chunks_of(source)
    if not run or not (query.years or query.months):
        return True
    chunk = keyword.chunks[run.start]
    return bool(query.months & set(chunk.months)) or bool(query.years & set(chunk.years))


def _topic_beyond_section(query: Query, section: Section) -> str | None:
    """The weightiest word the question asks about beyond the section and its headings ('the key findings on
    care leavers': leavers), which picks a long section's items."""
    assert query.request is not None and query.request.section is not None
    rest = set(tokenize(_pattern(query.request.section).sub(" ", query.question.lower())))
    headed = set(tokenize(" ".join(section.names())))
    left = {t: w for t, w in query.terms.items() if t in rest and not covered_term(query, t, headed)}
    return max(left, key=left.get) if left else None


def _on_topic(query: Query, found: list[tuple[Section, list[Item]]]) -> list[tuple[Section, list[Item]]]:
    """Where the question names a topic beyond the section ('the key findings on care leavers') and the answer
    can't show every item (a long section, or several equally meant), the items on that topic, from the sections
    that have any; a short section alone is shown whole."""
    if len(found) == 1 and len(found[0][1]) <= tuning.SECTION_ITEMS:
        return found
    picked: list[tuple[Section, list[Item]]] = []
    for section, items in found:
        term = _topic_beyond_section(query, section)
        on = items if term is None else [i for i in items if covered_term(query, term, set(tokenize(i.text)))]
        if on:
            picked.append((section, on))
    return picked or found


def _items(query: Query, sections: list[Section]) -> list[tuple[Section, Item]]:
    """Up to SECTION_ITEMS items with their sections, the sections' in turn when several are equally meant; a
    heading, a caption or a fragment is not an item."""
    found = _on_topic(query, [(s, [i for i in s.items if len(i.text.split()) >= 3
                                   and (i.bullet or not is_heading(i.text, i.chunk))
                                   and not re.match(r"(?:table|figure|chart)\s+\d", i.text, re.I)])
                              for s in sections])
    queues = [[(section, item) for item in items] for section, items in found]
    out: list[tuple[Section, Item]] = []
    seen: set[str] = set()
    while any(queues) and len(out) < tuning.SECTION_ITEMS:
        for queue in queues:
            if queue and len(out) < tuning.SECTION_ITEMS:
                section, item = queue.pop(0)
                if item.text not in seen and is_verbatim(item.text, item.chunk.text):
                    seen.add(item.text)
                    out.append((section, item))
    return out


def answer_from_section(query: Query, retrieved: list[Retrieved], keyword: KeywordIndex) -> Answer | None:
    """The items of the section asked for, each cited, under the section's name and its document; None when
    no retrieved document has such a section (the passages answer then)."""
    found = _items(query, find_sections(query, retrieved, keyword))
    if not found:
        return None
    sections = list(dict.fromkeys(section for section, _ in found))
    items = [item for _, item in found]
    first = items[0].chunk
    # A lead-in comes with its items, and is quoted too ('the team identified the following four priorities:').
    leads = [Item(s.lead_in, s.items[0].chunk) for s in sections if s.lead_in and len(sections) == 1]
    quoted = [i for i in leads if is_verbatim(i.text, i.chunk.text)] + items
    heading = " / ".join(dict.fromkeys(SECTION_SEPARATOR.join(s.path) or s.name for s in sections))
    when = f", {first.date}" if first.date else ""
    lines = [f"{first.title}{when} \u2014 {heading}:"]
    citations: list[Citation] = []
    sentences: list[AnsweredSentence] = []
    for item in quoted:
        bullet, sentence = quoted_bullet(item.text, item.chunk, keyword, citations)
        lines.append(bullet)
        sentences.append(sentence)
    return Answer(query.question, "\n".join(lines), False, citations,
                  passages_quoted_first([i.chunk for i in quoted], retrieved), mode="section",
                  nearest_documents=[first.title], sentences=sentences)
