"""Extractive answers: the sentences or bullets of the retrieved text that answer the question, quoted word
for word and cited; or, when the documents do not say, a plain statement that they do not."""
from __future__ import annotations

from dataclasses import asdict, dataclass, field, replace

from ingest.document import Chunk
from ingest.keyword import KeywordIndex
from ingest.text import is_verbatim, lines_and_units, tokenize

from .query import Query
from .retrieve import Retrieved
from .sentences import Sentence

MAX_QUOTES = 3
MAX_LIST_ITEMS = 6
# Passages whose sentences may be quoted.
CHUNKS_READ = 6
# A further quote must score this share of the first's.
NEXT_QUOTE_SHARE = 0.8


@dataclass
class Citation:
    n: int
    source: str
    title: str
    page: int | None
    section: str
    council: str | None
    date: str | None
    quote: str


@dataclass
class Answer:
    question: str
    answer: str
    abstained: bool
    citations: list[Citation]
    retrieved: list[dict]
    timings_ms: dict = field(default_factory=dict)
    nearest_documents: list[str] = field(default_factory=list)
    mode: str = "extractive"  # or "llm", "facts" (rows from the facts of every report), "timeline"
    checks: dict = field(default_factory=dict)  # for LLM answers: which checks passed, and any fallback
    sentences: list[dict] = field(default_factory=list)  # each sentence with its citations and their support

    def to_dict(self) -> dict:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict) -> "Answer":
        """An answer as `to_dict` stored it."""
        return cls(**{**data, "citations": [Citation(**c) for c in data.get("citations", [])]})


@dataclass
class _Candidate:
    sentence: Sentence
    chunk: Chunk

    @property
    def text(self) -> str:
        return self.sentence.text


def _sources_naming(names: list[str], keyword: KeywordIndex) -> list[set[str]]:
    """For each name (with words to search), the documents that hold every word of it."""
    return [set.intersection(*sets) for name in names if (sets := [keyword.sources_with(t) for t in tokenize(name)])]


def extract(query: Query, retrieved: list[Retrieved], keyword: KeywordIndex) -> Answer:
    """The best sentences of the first passages, if the best carries the question's central content."""
    question = query.question
    nearest = list(dict.fromkeys(r.chunk.title for r in retrieved))[:3]
    if query.councils_without_documents and not query.councils:
        why = f" None of them is about {', '.join(query.councils_without_documents)}."
        return _abstain(question, [], [], why)
    if query.years_without_documents or query.kinds_without_documents:
        missing = []
        if query.years_without_documents:
            missing.append("from " + " or ".join(map(str, query.years_without_documents)))
        if query.kinds_without_documents:
            missing.append("a " + " or ".join(query.kinds_without_documents))
        why = f" None of those about {', '.join(sorted(query.councils))} is {' or '.join(missing)}."
        return _abstain(question, retrieved, nearest, why)
    unknown = [name for name in query.names if not any(keyword.known(t) for t in tokenize(name))]
    if not retrieved or not query.terms or unknown:
        why = f" None of them mentions {', '.join(unknown)}." if unknown else ""
        return _abstain(question, retrieved, nearest, why)

    naming = _sources_naming(query.names, keyword)
    candidates = [_Candidate(sentence, item.chunk) for item in retrieved[:CHUNKS_READ]
                  # A passage about a place or body the question names must come from a document naming it.
                  if not any(item.chunk.source not in sources for sources in naming)
                  for sentence in item.sentences]
    candidates.sort(key=lambda c: -c.sentence.score)
    if not candidates or not candidates[0].sentence.carries():
        # A word no document holds is most likely what they don't say (or a slip of the keyboard): name it.
        why = f" None of them mentions {', '.join(query.unknown_words)}." if query.unknown_words else ""
        return _abstain(question, retrieved, nearest, why)

    chosen: list[_Candidate] = []
    for candidate in candidates:
        if len(chosen) == MAX_QUOTES:
            break
        if chosen and (candidate.sentence.score < NEXT_QUOTE_SHARE * chosen[0].sentence.score
                       or not candidate.sentence.carries()):
            break
        if any(candidate.text == c.text for c in chosen):
            continue
        chosen.append(candidate)
    if chosen[0].text.endswith(":"):
        chosen = [chosen[0]] + _list_after(chosen[0])
    # The code, not the ranking, has the last word on what may be shown as a quote.
    chosen = [c for c in chosen if is_verbatim(c.text, c.chunk.text)]
    if not chosen:
        return _abstain(question, retrieved, nearest, "")

    # The same words in several documents (a council's own copy of a report and a national collection's, a
    # summary and the letter that repeats it) are cited in each, so they are found under any of their names.
    others = [item.chunk for item in retrieved[:CHUNKS_READ]]
    quoted = []
    for c in chosen:
        holders = {}
        for chunk in [c.chunk, *keyword.twins(c.chunk), *others]:
            if chunk.source not in holders and is_verbatim(c.text, chunk.text):
                holders[chunk.source] = chunk
        quoted.extend((c.text, chunk) for chunk in holders.values())
    citations = [
        Citation(n=i, source=chunk.source, title=chunk.title, page=chunk.page, section=chunk.section,
                 council=chunk.council, date=chunk.date, quote=quote)
        for i, (quote, chunk) in enumerate(quoted, start=1)
    ]
    grouped = quotes_and_numbers(citations)
    text = "\n".join(f"\u201c{quote}\u201d {markers(numbers)}" for quote, numbers in grouped)
    # Each quote is its own sentence, cited to the sources it was taken from.
    sentences = [{"text": quote, "citations": numbers, "supported": numbers, "problems": []}
                 for quote, numbers in grouped]
    return Answer(question, text, False, citations, retrieved_view(retrieved), nearest_documents=nearest,
                  sentences=sentences)


def quotes_and_numbers(citations: list[Citation]) -> list[tuple[str, list[int]]]:
    """Each quote once, with the numbers of every source it is cited from."""
    grouped: dict[str, list[int]] = {}
    for citation in citations:
        grouped.setdefault(citation.quote, []).append(citation.n)
    return list(grouped.items())


def markers(numbers: list[int]) -> str:
    return "".join(f"[{n}]" for n in numbers)


def _list_after(lead_in: _Candidate) -> list[_Candidate]:
    """The items that follow a lead-in such as 'the team identified the following four priorities:'."""
    items: list[_Candidate] = []
    for line, unit in lines_and_units(lead_in.chunk.text, lead_in.chunk.headings()):
        if line > lead_in.sentence.line and len(items) < MAX_LIST_ITEMS:
            if items and line == items[-1].sentence.line:
                continue  # one quote for each item: its first sentence
            items.append(_Candidate(replace(lead_in.sentence, text=unit, line=line), lead_in.chunk))
    return items


def _abstain(question: str, retrieved: list[Retrieved], nearest: list[str], why: str) -> Answer:
    text = "The indexed documents don't answer this." + why
    if nearest:
        text += " The nearest documents are: " + "; ".join(nearest) + "."
    return Answer(question, text, True, [], retrieved_view(retrieved), nearest_documents=nearest)


def retrieved_view(retrieved: list[Retrieved]) -> list[dict]:
    return [{"source": r.chunk.source, "page": r.chunk.page, "section": r.chunk.section, "text": r.chunk.text,
             "title": r.chunk.title, "council": r.chunk.council, "date": r.chunk.date,
             "score": round(r.score, 5)} for r in retrieved]
