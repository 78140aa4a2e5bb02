"""The answering core's types: what a question is limited to (Filters), what it gives back (an Answer, with its
Citations, the Passages retrieved, each answered sentence and the checks on a model's words), and what a chat
adapter needs of the core (Asker). Chat code imports these, never the answering code itself."""
from __future__ import annotations

from dataclasses import asdict, dataclass, field
from enum import Enum
from typing import Callable, Literal, Protocol

from index.records import DEFAULT_COLLECTION, Chunk

# How an answer was made: quoted from passages, written by a model, read from the facts of every report, one
# finding per document in date order, the items of a section of a report, or a briefing on one document.
Mode = Literal["extractive", "llm", "facts", "timeline", "section", "briefing"]
# What a question asks for, from how it is asked.
AnswerKind = Literal["money", "share", "number", "judgement", "person", "date", "list", "text"]
# Which answerer a question goes to.
Route = Literal["passages", "facts", "timeline", "section", "briefing"]


@dataclass
class Filters:
    council: str | None = None
    year: int | None = None
    doc_type: str | None = None
    collections: frozenset[str] | None = None  # None: every collection; else only these (access control)


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
    collection: str = DEFAULT_COLLECTION  # the document's: a link to its page is signed for it
    ocr: bool = False  # its page is a scan, read by OCR: the quote is as the scan was read
    link: str | None = None  # the page view, or the published document; set where links are made

    @classmethod
    def from_chunk(cls, n: int, chunk: Chunk, quote: str) -> "Citation":
        return cls(n=n, source=chunk.source, title=chunk.title, page=chunk.page, section=chunk.section,
                   council=chunk.council, date=chunk.date, quote=quote, collection=chunk.collection, ocr=chunk.ocr)

    def details(self) -> str:
        """What a reference says after the title: ', p. 4 (read by OCR), Section, Council, date (source)'."""
        page = f"p. {self.page}" + (" (read by OCR)" if self.ocr else "") if self.page else None
        parts = [page, self.section, self.council, self.date]
        return "".join(f", {p}" for p in parts if p) + f" ({self.source})"

    def reference(self) -> str:
        """A ready-to-paste reference: title, page, section, council, date."""
        return self.title + self.details()


def quotes_and_numbers(citations: list[Citation]) -> list[tuple[str, list[int]]]:
    """Each quote once, with the numbers of every source it is cited from."""
    grouped: dict[str, list[int]] = {}
    for citation in citations:
        grouped.setdefault(citation.quote, []).append(citation.n)
    return list(grouped.items())


def markers(numbers: list[int]) -> str:
    """'[1][2]'."""
    return "".join(f"[{n}]" for n in numbers)


@dataclass
class Passage:
    """A retrieved passage, as an answer lists it in `retrieved`."""

    source: str
    page: int | None
    section: str
    text: str
    title: str
    council: str | None
    date: str | None
    score: float
    collection: str = DEFAULT_COLLECTION
    ocr: bool = False

    @classmethod
    def from_chunk(cls, chunk: Chunk, score: float) -> "Passage":
        return cls(source=chunk.source, page=chunk.page, section=chunk.section, text=chunk.text, title=chunk.title,
                   council=chunk.council, date=chunk.date, score=round(score, 5), collection=chunk.collection,
                   ocr=chunk.ocr)


@dataclass
class AnsweredSentence:
    """One sentence of an answer, with the sources it cites and those that were found to hold it."""

    text: str
    citations: list[int]
    supported: list[int] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)

    @classmethod
    def quoted(cls, text: str, numbers: list[int]) -> "AnsweredSentence":
        """A quote, cited to the sources it was taken from word for word."""
        return cls(text, list(numbers), list(numbers))

    @property
    def shown(self) -> bool:
        return bool(self.supported) and "invented quote" not in self.problems


@dataclass
class Checks:
    """What the checks on a model's answer found (None where they did not run), and why the extractive answer
    was given instead, if it was."""

    citations_exist: bool | None = None
    quotes_verbatim: bool | None = None
    all_sentences_cited: bool | None = None
    citations_supported: bool | None = None
    fallback: str | None = None


class Reason(str, Enum):
    """Why a question is refused (bot/core/abstention.py decides)."""

    NO_DOCUMENTS = "no_documents"  # nothing indexed that the asker may see holds anything on it
    COUNCIL_NOT_INDEXED = "council_not_indexed"  # a council named with no document
    YEAR_NOT_INDEXED = "year_not_indexed"  # a report's year named that the council has no report of
    KIND_NOT_INDEXED = "kind_not_indexed"  # a kind of document named that the council has none of
    # what is asked is in no document: its only words, or the rare words the closest sentences lack
    TOPIC_NOT_COVERED = "topic_not_covered"
    FIGURE_NOT_GIVEN = "figure_not_given"  # the sentences on the topic don't give the figure or date asked for
    EVIDENCE_TOO_WEAK = "evidence_too_weak"  # the best sentences carry neither the question's words nor its meaning


@dataclass(frozen=True)
class Refusal:
    reason: Reason
    missing: str = ""  # what the documents lack, in words: 'Cardiff', 'from 2009', 'fleet', 'the figure'


@dataclass(frozen=True)
class Evidence:
    """How well the best sentences found carry the question: what the decision to answer is made on."""

    # The best candidate sentence's closeness in meaning to the question (MiniLM cosine); None where the index has
    # no sentence vectors to measure it with.
    similarity: float | None
    coverage: float  # the best candidate's share of the question's words the documents hold, by rarity
    unknown_share: float  # the share of the question's words, by rarity, that no passage holds
    absent_share: float  # the share of its held words, by rarity, that the documents asked about never use
    carried: float = 0.0  # 1 when the sentence to be quoted carries the question (Sentence.carries), else 0


@dataclass
class Timings:
    retrieve: float = 0.0
    answer: float = 0.0
    total: float = 0.0


@dataclass
class Answer:
    question: str
    answer: str
    abstained: bool
    citations: list[Citation]
    retrieved: list[Passage]
    timings_ms: Timings = field(default_factory=Timings)
    nearest_documents: list[str] = field(default_factory=list)
    mode: Mode = "extractive"
    checks: Checks | None = None  # for answers a model was asked for
    sentences: list[AnsweredSentence] = field(default_factory=list)
    refusal: Refusal | None = None  # why it was refused, when it was
    evidence: Evidence | None = None  # what the decision to answer or refuse weighed, for passages' answers

    def to_dict(self) -> dict:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict) -> "Answer":
        """An answer as `to_dict` stored it; also one stored before answers were typed ('checks': {})."""
        checks = data.get("checks") or None
        timings = data.get("timings_ms") or {}
        return cls(**{
            **data,
            "citations": [Citation(**c) for c in data.get("citations", [])],
            "retrieved": [Passage(**{"title": "", "council": None, "date": None, "score": 0.0, "section": "",
                                     **p}) for p in data.get("retrieved", [])],
            "timings_ms": Timings(**timings),
            "checks": Checks(**checks) if checks else None,
            "sentences": [AnsweredSentence(**s) for s in data.get("sentences", [])],
            "refusal": Refusal(Reason(refusal["reason"]), refusal.get("missing", ""))
            if (refusal := data.get("refusal")) else None,
            "evidence": Evidence(**data["evidence"]) if data.get("evidence") else None,
        })


class Asker(Protocol):
    """What a chat adapter needs of the core."""

    def ask(self, question: str, filters: Filters | None = None,
            on_text: Callable[[str], None] | None = None) -> Answer: ...

    def examples(self) -> list[str]: ...

    def documents(self) -> tuple[int, str | None]: ...

    def standalone(self, question: str, earlier: list[str]) -> str: ...

    def health(self) -> tuple[bool, dict]: ...
