"""The data that passes between the reading steps: lines, blocks, and the document they make (its chunks and
records are index.records')."""
from __future__ import annotations

from dataclasses import dataclass


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
    ocr_pages: tuple[int, ...] = ()  # pages that are scans, read by OCR
    ocr_copy: str | None = None  # the file with the recognised text laid over its scanned pages
