"""Read a file into lines of text with what its format tells about structure.

Each loader returns an `Extracted`; anything it cannot read raises `UnreadableFile` with a reason a
person can act on. Nothing here decides what is a heading in plain text; that is `structure`'s job.
"""
from __future__ import annotations

import re
import warnings
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

from index import tuning

from .document import Line
from .ocr import NOT_INSTALLED, OcrFailed, missing_tools, recognised_copy

SUPPORTED_SUFFIXES = {".pdf", ".docx", ".txt", ".md", ".markdown", ".html", ".htm", ".xlsx"}


class UnreadableFile(Exception):
    """The file cannot be indexed; the message says why."""


@dataclass
class Extracted:
    lines: list[Line]
    pages: int | None = None
    title: str | None = None
    ocr_pages: tuple[int, ...] = ()  # scanned pages, read by OCR
    ocr_copy: Path | None = None  # the file with their recognised text laid over them


def load(path: Path, ocr_dir: Path | None = None) -> Extracted:
    """The file's lines; a PDF's scanned pages read by OCR, its copy with their text kept in `ocr_dir` (no OCR
    without one)."""
    suffix = path.suffix.lower()
    if suffix not in SUPPORTED_SUFFIXES:
        raise UnreadableFile(f"unsupported file type '{suffix or path.name}'")
    if path.stat().st_size == 0:
        raise UnreadableFile("empty file")
    loader = {
        ".pdf": load_pdf,
        ".docx": load_docx,
        ".xlsx": load_xlsx,
        ".html": load_html,
        ".htm": load_html,
    }.get(suffix, load_text)
    extracted = load_pdf(path, ocr_dir) if suffix == ".pdf" else loader(path)
    if not any(line.text.strip() for line in extracted.lines):
        raise UnreadableFile("no text found")
    return extracted


def _sniff_not_pdf(head: bytes) -> str | None:
    lowered = head.lstrip().lower()
    if lowered.startswith((b"<!doctype html", b"<html", b"<?xml", b"<head", b"<body")) or b"<html" in lowered[:512]:
        return "not a PDF: it is an HTML page saved with a .pdf name"
    if head.startswith(b"PK"):
        return "not a PDF: it is a ZIP archive (perhaps a DOCX or XLSX) saved with a .pdf name"
    return "not a PDF: the file does not start with a PDF header"


def load_pdf(path: Path, ocr_dir: Path | None = None) -> Extracted:
    """A PDF's lines with their pages and heading levels; scanned pages read by OCR (see ingest/ocr.py)."""
    from pypdf import PdfReader
    from pypdf.errors import PdfReadError

    with path.open("rb") as handle:
        head = handle.read(1024)
    if b"%PDF-" not in head:
        raise UnreadableFile(_sniff_not_pdf(head))
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            reader = PdfReader(path)
            if reader.is_encrypted:
                # Many PDFs are encrypted with an empty user password only to restrict printing.
                try:
                    if not reader.decrypt(""):
                        raise UnreadableFile("encrypted: the PDF needs a password to open")
                except UnreadableFile:
                    raise
                except Exception as exc:
                    raise UnreadableFile(f"encrypted: cannot decrypt ({exc})") from exc
            pages = list(reader.pages)
            page_runs = [_page_text_and_runs(page) for page in pages]
    except UnreadableFile:
        raise
    except (PdfReadError, ValueError, KeyError, TypeError, AttributeError, RecursionError, OSError) as exc:
        raise UnreadableFile(f"corrupt PDF: {exc}") from exc

    # A page with next to no text and an image is a scan: read by OCR where the tools are installed.
    scans = [number for number, ((text, _), page) in enumerate(zip(page_runs, pages), start=1)
             if len(re.sub(r"\s", "", text)) < tuning.MIN_CHARS_PER_PAGE and _has_images(page)]
    ocr_pages: list[int] = []
    copy = None
    why_unread = NOT_INSTALLED if scans and missing_tools() else None
    if scans and ocr_dir is not None and why_unread is None:
        try:
            copy = recognised_copy(path, scans, ocr_dir)
            ocr_pages = _read_scans(copy, scans, page_runs)
        except (OcrFailed, PdfReadError, OSError, ValueError) as exc:
            why_unread = str(exc)
    chars = sum(len(re.sub(r"\s", "", text)) for text, _ in page_runs)
    if chars < tuning.MIN_CHARS_PER_PAGE * max(1, len(pages)) / 4 and chars < 200:
        if copy is not None and why_unread is None:
            raise UnreadableFile("no text found in the PDF, even by OCR")
        has_images = any(_has_images(page) for page in pages[:5])
        if has_images:
            # Tesseract missing is said once for the whole ingest (see pipeline), a failure of OCR here.
            failure = f" ({why_unread})" if why_unread and why_unread != NOT_INSTALLED else ""
            raise UnreadableFile(f"no text layer (scanned or image-only pages): needs OCR before it can be indexed{failure}")
        if chars == 0:
            raise UnreadableFile("no text found in the PDF")

    levels = _heading_levels([runs for _, runs in page_runs])
    lines: list[Line] = []
    for number, (text, runs) in enumerate(page_runs, start=1):
        for raw, level in zip(text.split("\n"), _line_levels(text, runs, levels)):
            if number in ocr_pages and level is not None and (raw.strip()[:1].islower() or raw.rstrip().endswith(".")):
                # A recognised line's size is its words' height, not its type's: a sentence's last word alone
                # on a line ('strategy.') stands taller than a full line, and is no heading.
                level = None
            lines.append(Line(raw, number, level))
    title = None
    try:
        meta_title = (reader.metadata or {}).get("/Title")
        if meta_title and len(str(meta_title).split()) >= 2 and not str(meta_title).lower().endswith((".doc", ".docx")):
            title = str(meta_title).strip()
    except Exception:  # metadata is optional decoration; an unreadable one must not lose the document
        title = None
    return Extracted(lines=lines, pages=len(pages), title=title, ocr_pages=tuple(ocr_pages),
                     ocr_copy=copy if ocr_pages else None)


# Tesseract reads a bullet as one of these (and "e" before a capital): a line that starts so is a bullet.
_OCR_BULLET = re.compile(r"^[+\u00ab\u00a9\u00b0\u00a2*\u00bb](?=\s)|^e(?=\s+[A-Z])", re.M)


def _read_scans(copy: Path, scans: list[int], page_runs: list) -> list[int]:
    """Put the recognised text of the scanned pages in place of theirs; the pages OCR found text on."""
    from pypdf import PdfReader

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        recognised = list(PdfReader(copy).pages)
        read = []
        for number in scans:
            text, runs = _page_text_and_runs(recognised[number - 1])
            if text.strip():
                page_runs[number - 1] = (_OCR_BULLET.sub("\u2022", text), runs)
                read.append(number)
    return read


def _has_images(page) -> bool:
    try:
        return len(page.images) > 0
    except Exception:
        return True  # an image we cannot even list is still an image


@dataclass
class _Run:
    text: str
    size: float
    bold: bool


def _page_text_and_runs(page) -> tuple[str, list[_Run]]:
    runs: list[_Run] = []

    def visit(text, cm, tm, font_dict, font_size):
        if not text.strip():
            return
        name = str((font_dict or {}).get("/BaseFont", ""))
        scale = abs(tm[0]) if tm and tm[0] else 1.0
        runs.append(_Run(text, round(font_size * scale, 1), "bold" in name.lower() or "black" in name.lower()))

    text = page.extract_text(visitor_text=visit) or ""
    return text, runs


def _heading_levels(pages: list[list[_Run]]) -> dict[tuple[float, bool], int]:
    """Map (font size, bold) to a heading level, from how the body text of the document is set."""
    weight: Counter = Counter()
    for runs in pages:
        for run in runs:
            weight[(run.size, run.bold)] += len(run.text)
    if not weight:
        return {}
    body_size, _ = weight.most_common(1)[0][0]
    styles = sorted({style for style in weight if style[0] >= body_size + 1 or (style[1] and style[0] >= body_size - 0.5)},
                    key=lambda s: (-s[0], not s[1]))
    return {style: level for level, style in enumerate(styles, start=1)}


def _line_levels(text: str, runs: list[_Run], levels: dict) -> list[int | None]:
    """The heading level of each line of extracted text, by walking the text and the font runs in step.

    The extracted text is the runs in order with line breaks added, so their non-space characters align;
    a character that does not is skipped, and the walk picks up again at the next that does."""
    lines = text.split("\n")
    run_levels = [levels.get((run.size, run.bold)) for run in runs]
    if not any(level is not None for level in run_levels):
        # Most pages are body text only: nothing to walk (the walk was 4% of reading a national report).
        return [None] * len(lines)
    styled = [(ch, level) for run, level in zip(runs, run_levels) for ch in run.text if not ch.isspace()]
    out: list[int | None] = []
    position = 0
    for line in lines:
        counts: Counter = Counter()
        for ch in line:
            if ch.isspace():
                continue
            probe = position
            while probe < len(styled) and probe < position + 24 and styled[probe][0] != ch:
                probe += 1
            if probe < len(styled) and styled[probe][0] == ch:
                counts[styled[probe][1]] += 1
                position = probe + 1
            else:
                counts[None] += 1
        level, count = counts.most_common(1)[0] if counts else (None, 0)
        total = sum(counts.values())
        heading = level is not None and count >= 0.7 * total and total >= 3 and len(line.split()) <= 20
        out.append(level if heading else None)
    return out


def load_docx(path: Path) -> Extracted:
    import docx
    from docx.opc.exceptions import PackageNotFoundError

    try:
        document = docx.Document(str(path))
    except (PackageNotFoundError, KeyError, ValueError, OSError) as exc:
        raise UnreadableFile(f"corrupt or not a DOCX file: {exc}") from exc
    except Exception as exc:  # zipfile.BadZipFile and lxml errors have no common base
        raise UnreadableFile(f"corrupt or not a DOCX file: {exc}") from exc

    lines: list[Line] = []
    body = document.element.body
    # Walk the body in order so tables stay where they are in the text.
    from docx.table import Table
    from docx.text.paragraph import Paragraph

    for child in body.iterchildren():
        tag = child.tag.rsplit("}", 1)[-1]
        if tag == "p":
            paragraph = Paragraph(child, document)
            text = paragraph.text.strip()
            if not text:
                lines.append(Line("", None))
                continue
            style = (paragraph.style.name if paragraph.style is not None else "") or ""
            level = _docx_heading_level(style)
            if level is not None:
                lines.append(Line(text, None, level, kind="heading"))
            elif "list" in style.lower() or paragraph._p.pPr is not None and paragraph._p.pPr.numPr is not None:
                lines.append(Line(text, None, kind="bullet"))
            else:
                lines.append(Line(text, None, kind="paragraph"))
        elif tag == "tbl":
            lines.extend(_table_rows([[cell.text for cell in row.cells] for row in Table(child, document).rows]))
    title = (document.core_properties.title or "").strip() or None
    return Extracted(lines=lines, pages=None, title=title)


def _docx_heading_level(style: str) -> int | None:
    if style == "Title":
        return 1
    match = re.match(r"Heading (\d)", style)
    return int(match.group(1)) + 1 if match else None


def _table_rows(rows: list[list[str]]) -> list[Line]:
    """A table row becomes one record; with a header row, each value keeps its column's name."""
    cleaned = [[re.sub(r"\s+", " ", cell).strip() for cell in row] for row in rows]
    cleaned = [row for row in cleaned if any(row)]
    if not cleaned:
        return []
    header = cleaned[0]
    has_header = len(cleaned) > 1 and all(cell and len(cell.split()) <= 6 for cell in header)
    out = []
    for row in cleaned[1:] if has_header else cleaned:
        cells = []
        for index, cell in enumerate(row):
            if not cell or (index and cell == row[index - 1]):  # merged cells repeat their text
                continue
            name = header[index] if has_header and index < len(header) else ""
            cells.append(f"{name}: {cell}" if name else cell)
        if cells:
            out.append(Line("; ".join(cells), None, kind="row"))
    return out


def load_xlsx(path: Path) -> Extracted:
    import openpyxl

    try:
        book = openpyxl.load_workbook(path, read_only=True, data_only=True)
    except Exception as exc:  # openpyxl raises zipfile and its own errors
        raise UnreadableFile(f"corrupt or not an XLSX workbook: {exc}") from exc
    lines: list[Line] = []
    for sheet in book.worksheets:
        rows = [["" if value is None else str(value) for value in row] for row in sheet.iter_rows(values_only=True)]
        records = _table_rows(rows)
        if records:
            lines.append(Line(sheet.title, None, 2, kind="heading"))
            lines.extend(records)
    book.close()
    return Extracted(lines=lines, pages=None, title=None)


def load_html(path: Path) -> Extracted:
    from bs4 import BeautifulSoup

    soup = BeautifulSoup(path.read_bytes(), "html.parser")
    for tag in soup(["script", "style", "nav", "header", "footer", "noscript"]):
        tag.decompose()
    lines: list[Line] = []
    for element in soup.find_all(["h1", "h2", "h3", "h4", "h5", "h6", "p", "li", "table", "pre", "blockquote"]):
        if element.find_parent(["table", "li"]) and element.name != "table":
            continue  # its text is taken with the table or list item that holds it
        if element.name == "table":
            rows = [[cell.get_text(" ", strip=True) for cell in row.find_all(["td", "th"])] for row in element.find_all("tr")]
            lines.extend(_table_rows(rows))
            continue
        text = element.get_text(" ", strip=True)
        if not text:
            continue
        if element.name[0] == "h":
            lines.append(Line(text, None, int(element.name[1]), kind="heading"))
        else:
            lines.append(Line(text, None, kind="bullet" if element.name == "li" else "paragraph"))
    title = soup.title.get_text(strip=True) if soup.title else None
    return Extracted(lines=lines, pages=None, title=title or None)


def load_text(path: Path) -> Extracted:
    raw = path.read_bytes()
    if b"\x00" in raw[:4096]:
        raise UnreadableFile("binary content in a text file")
    text = raw.decode("utf-8", errors="replace")
    lines = []
    markdown = path.suffix.lower() in {".md", ".markdown"}
    for raw_line in text.splitlines():
        heading = re.match(r"^(#{1,6})\s+(.*)$", raw_line) if markdown else None
        if heading:
            lines.append(Line(heading.group(2).strip(), None, len(heading.group(1)), kind="heading"))
        else:
            lines.append(Line(raw_line, None))
    return Extracted(lines=lines, pages=None)
