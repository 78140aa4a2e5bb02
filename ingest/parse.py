"""One file in, one Document out: load, clean, find the structure, infer what the document is."""
from __future__ import annotations

import logging
from pathlib import Path

from . import clean, metadata
from .document import Document
from .facts import extract_facts
from .loaders import load
from .structure import to_blocks

log = logging.getLogger("reviewbot.ingest")


def read_document(path: Path, source: str, ocr_dir: Path | None = None) -> Document:
    """The document in `path`; its scanned pages read by OCR, the recognised copy kept in `ocr_dir`."""
    extracted = load(path, ocr_dir)
    lines = extracted.lines
    if extracted.pages:
        lines = clean.remove_contents_pages(clean.remove_running_lines(lines))
    blocks = to_blocks(lines)
    text = "\n".join(block.text for block in blocks)
    headings = [block.text for block in blocks if block.kind == "heading"]
    title = metadata.infer_title(source, extracted.title, headings, text)
    not_a_report = metadata.not_a_report(source)
    if not_a_report:
        # An index of sources names councils and dates without being about any of them.
        return Document(source=source, title=title, council=None, date=None, years=(), doc_type=not_a_report,
                        blocks=blocks, pages=extracted.pages, ocr_pages=extracted.ocr_pages,
                        ocr_copy=str(extracted.ocr_copy) if extracted.ocr_copy else None)
    doc_date = metadata.infer_date(source, text)
    doc_type = metadata.infer_doc_type(source, title, text)
    published = metadata.publication_date(source, text)
    start, end = metadata.inspection_dates(text)
    document = Document(
        source=source,
        title=title,
        council=metadata.infer_council(source, f"{title}\n{text}"),
        date=doc_date,
        years=metadata.infer_years(source, doc_date, text, start, end),
        doc_type=doc_type,
        topics=metadata.infer_topics(source, doc_type, title, text),
        blocks=blocks,
        pages=extracted.pages,
        published=published,
        inspection_start=start,
        inspection_end=end,
        months=metadata.months_covered(published, start=start, end=end),
        ocr_pages=extracted.ocr_pages,
        ocr_copy=str(extracted.ocr_copy) if extracted.ocr_copy else None,
    )
    try:
        document.facts = extract_facts(document)
    except Exception:  # a report whose facts can't be read is still indexed, and searched, without them
        log.exception("could not read the facts of %s", source)
    return document
