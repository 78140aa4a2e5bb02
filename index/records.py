"""What the index holds for each document and each of its chunks: the records ingest writes and every
question reads."""
from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

SECTION_SEPARATOR = " › "
DEFAULT_COLLECTION = "default"
FACT_NAMES = ("inspection_start", "inspection_end", "lead_inspector", "kind", "overall_effectiveness",
              "impact_of_leaders", "help_and_protection", "children_in_care", "care_leavers",
              "children_in_care_and_care_leavers", "improvement")
JUDGEMENTS = FACT_NAMES[4:10]


@dataclass(frozen=True)
class Fact:
    """A fact read from an inspection report's own text (see ingest/facts.py)."""

    fact: str  # one of FACT_NAMES
    value: str
    page: int | None
    quote: str  # the line it was read from, word for word


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
    collection: str = DEFAULT_COLLECTION  # who may see it: see bot/core/access.py
    ocr: bool = False  # its page is a scan, read by OCR (Tesseract)
    units: list[str] = field(default_factory=list)  # the sentences, bullets or rows the text is made of

    def headings(self) -> tuple[str, ...]:
        return tuple(self.section.split(SECTION_SEPARATOR)) if self.section else ()

    def header(self) -> str:
        """A short context line, so a chunk is findable by what its document is about."""
        parts = [self.title, self.council or "", self.doc_type, " ".join(map(str, self.years)), self.section]
        return " | ".join(p for p in parts if p)


@dataclass
class DocumentRecord:
    key: str
    root: str
    source: str
    sha256: str
    title: str
    council: str | None
    date: str | None
    years: tuple[int, ...]
    doc_type: str
    topics: tuple[str, ...]
    chunks: int
    pages: int | None
    indexed_at: str
    version: int = 0  # of the ingestion code; a document read by older code is read again
    collection: str = DEFAULT_COLLECTION
    published: str | None = None
    inspection_start: str | None = None
    inspection_end: str | None = None
    months: tuple[str, ...] = ()
    facts: tuple[Fact, ...] = ()  # read from the document's own text, replaced and removed with it
    ocr_pages: tuple[int, ...] = ()  # pages that are scans, read by OCR
    # The scanned file with the recognised text laid over its pages (OCRmyPDF's output): what its text is checked
    # against and where the page view finds the quote's words.
    ocr_copy: str | None = None

    @property
    def path(self) -> Path:
        return Path(self.root) / self.source

    @property
    def text_path(self) -> Path:
        """The file that holds the document's words: for a scan, its copy with the recognised text laid over it
        (while that copy is there), so that a quote from a scan is checked and found in what was recognised."""
        if self.ocr_copy and Path(self.ocr_copy).is_file():
            return Path(self.ocr_copy)
        return self.path

    @property
    def report_date(self) -> str | None:
        """When the report's inspection ended, else the document's own date."""
        return self.inspection_end or self.date
