"""The data that passes between the ingestion steps."""
from __future__ import annotations

from dataclasses import dataclass, field

SECTION_SEPARATOR = " › "
DEFAULT_COLLECTION = "default"


@dataclass
class Line:
    """One line of extracted text, before structure is known."""

    text: str
    page: int | None
    heading_level: int | None = None  # from fonts or markup; None when the line is body text
    kind: str | None = None  # set when the format says what the line is: "heading", "paragraph", "bullet", "row"


@dataclass
class Block:
    """A unit of a document's structure: a paragraph, a bullet, a table row or a heading."""

    kind: str  # "heading", "paragraph", "bullet", "row"
    text: str
    page: int | None
    section: tuple[str, ...] = ()


@dataclass
class Document:
    source: str  # path relative to the ingested folder
    title: str
    council: str | None
    date: str | None  # ISO date, or a year alone
    years: tuple[int, ...]
    doc_type: str
    blocks: list[Block]
    pages: int | None = None
    topics: tuple[str, ...] = ()  # e.g. ("peer review",), for steering questions
    published: str | None = None  # ISO date
    inspection_start: str | None = None
    inspection_end: str | None = None
    months: tuple[str, ...] = ()  # 'YYYY-MM' of publication and of each month of the inspection
    facts: tuple = ()  # of ingest.facts.Fact: an inspection report's dates, inspector, kind, grades, improvements


@dataclass
class Chunk:
    id: str
    source: str
    text: str
    page: int | None
    section: str
    title: str
    council: str | None
    date: str | None
    doc_type: str
    years: tuple[int, ...] = ()
    topics: tuple[str, ...] = ()
    months: tuple[str, ...] = ()
    collection: str = DEFAULT_COLLECTION  # who may see it: see bot/access.py
    units: list[str] = field(default_factory=list)  # the sentences, bullets or rows the text is made of

    def headings(self) -> tuple[str, ...]:
        return tuple(self.section.split(SECTION_SEPARATOR)) if self.section else ()

    def header(self) -> str:
        """A short context line, so a chunk is findable by what its document is about."""
        parts = [self.title, self.council or "", self.doc_type, " ".join(map(str, self.years)), self.section]
        return " | ".join(p for p in parts if p)
