"""The page view's markup: a cited page (or passage) with the quote highlighted, its document's title, page
and section, and a link to the whole file. Everything from a document is escaped; the page runs one script
of its own (to bring the highlight into view), allowed by its hash."""
from __future__ import annotations

import base64
import hashlib
from html import escape

from index.records import SECTION_SEPARATOR, Chunk, DocumentRecord

from .locate import find_quote
from .pdf import PdfView

__all__ = ["SECURITY_HEADERS", "message_page", "pdf_page", "text_passage"]

_SCRIPT = "document.querySelector('.highlight')?.scrollIntoView({block: 'center'});"
_SCRIPT_HASH = base64.b64encode(hashlib.sha256(_SCRIPT.encode()).digest()).decode()
SECURITY_HEADERS = (
    ("Content-Security-Policy", f"default-src 'none'; img-src data:; style-src 'unsafe-inline'; "
                                f"script-src 'sha256-{_SCRIPT_HASH}'; base-uri 'none'; form-action 'none'"),
    ("X-Content-Type-Options", "nosniff"),
    # The link's signature stays out of any other site's logs.
    ("Referrer-Policy", "no-referrer"),
    ("X-Frame-Options", "DENY"),
    ("Cache-Control", "private, max-age=300"),
)

_STYLE = """
body { font: 16px/1.45 system-ui, sans-serif; margin: 0; background: #e8e8e8; color: #1d1d1d; }
header { background: #fff; padding: 16px 24px; border-bottom: 1px solid #ccc; }
h1 { font-size: 20px; margin: 0 0 4px; }
.where { margin: 0; color: #555; }
.ocr { margin: 8px 0 0; padding: 4px 8px; background: #fff4d6; display: inline-block; border-radius: 4px; }
.missing { margin: 8px 0 0; color: #8a1c1c; }
blockquote { margin: 12px 0 8px; padding-left: 12px; border-left: 4px solid #f2c200; }
main { padding: 16px; }
figure.page { position: relative; margin: 0 auto 16px; max-width: 1000px; background: #fff;
              box-shadow: 0 1px 4px rgba(0,0,0,.3); }
figure.page img { display: block; width: 100%; height: auto; }
figure.page figcaption { position: absolute; top: 4px; right: 8px; font-size: 12px; color: #777; }
.highlight { position: absolute; background: rgba(255, 200, 0, .45); mix-blend-mode: multiply;
             border-radius: 2px; }
article { background: #fff; max-width: 800px; margin: 0 auto; padding: 16px 32px;
          box-shadow: 0 1px 4px rgba(0,0,0,.3); }
article mark.highlight { position: static; background: rgba(255, 200, 0, .55); }
"""


def _document(title: str, body: str) -> str:
    return (f'<!doctype html><html lang="en"><head><meta charset="utf-8">'
            f'<meta name="viewport" content="width=device-width, initial-scale=1">'
            f'<meta name="robots" content="noindex"><title>{escape(title)}</title><style>{_STYLE}</style></head>'
            f'<body>{body}<script>{_SCRIPT}</script></body></html>')


def message_page(message: str) -> str:
    return _document("reviewbot", f"<header><h1>reviewbot</h1><p>{escape(message)}</p></header>")


def _header(record: DocumentRecord, where: list[str], quote: str, file_link: str, notes: list[str]) -> str:
    placed = " \u00b7 ".join(escape(w) for w in where if w)
    parts = [f"<h1>{escape(record.title or record.source)}</h1>", f'<p class="where">{placed}</p>']
    parts.extend(notes)
    if quote:
        parts.append(f"<blockquote>\u201c{escape(quote)}\u201d</blockquote>")
    parts.append(f'<p><a href="{escape(file_link)}">Open the whole document</a> ({escape(record.source)})</p>')
    return "<header>" + "".join(parts) + "</header>"


def _section_path(section: str) -> str:
    return section.replace(SECTION_SEPARATOR, " \u203a ")


def pdf_page(record: DocumentRecord, view: PdfView, section: str, quote: str, file_link: str, ocr: bool) -> str:
    numbers = [p.number for p in view.pages]
    pages = f"Page {numbers[0]}" + (f"\u2013{numbers[-1]}" if len(numbers) > 1 else "") + f" of {view.page_count}"
    notes = []
    if ocr:
        notes.append('<p class="ocr">This page is a scan, read by OCR: the quote is as the scan was read.</p>')
    if not view.found:
        notes.append('<p class="missing">The quote\u2019s words could not be found on this page.</p>')
    figures = []
    for page in view.pages:
        marks = "".join(
            f'<mark class="highlight" data-page="{page.number}" style="left:{100 * b.left / page.width:.3f}%;'
            f'top:{100 * b.top / page.height:.3f}%;width:{100 * b.width / page.width:.3f}%;'
            f'height:{100 * b.height / page.height:.3f}%"></mark>' for b in page.highlights)
        image = base64.b64encode(page.png).decode()
        figures.append(f'<figure class="page" id="page-{page.number}" data-page="{page.number}">'
                       f'<img src="data:image/png;base64,{image}" width="{page.width}" height="{page.height}" '
                       f'alt="Page {page.number} of {escape(record.title or record.source)}">{marks}'
                       f"<figcaption>p. {page.number}</figcaption></figure>")
    where = [pages, _section_path(section), record.council or "", record.date or ""]
    return _document(f"{record.title}, p. {numbers[0]}",
                     _header(record, where, quote, file_link, notes) + "<main>" + "".join(figures) + "</main>")


def text_passage(record: DocumentRecord, chunks: list[Chunk], quote: str, file_link: str) -> str:
    """The section that holds the quote, its paragraphs as the index holds them, the quote marked; the whole
    document when there is no quote to find."""
    found = next((i for i, c in enumerate(chunks) if quote and find_quote(quote, c.text)), None)
    if found is not None:
        section = chunks[found].section
        first = found
        while first > 0 and chunks[first - 1].section == section:
            first -= 1
        last = found
        while last + 1 < len(chunks) and chunks[last + 1].section == section:
            last += 1
        shown = chunks[first:last + 1]
    else:
        section, shown = "", chunks
    text = "\n".join(c.text for c in shown)
    spans = find_quote(quote, text) if quote else []
    notes = [] if spans or not quote else ['<p class="missing">The quote\u2019s words could not be found.</p>']
    body = _marked_paragraphs(text, spans)
    where = [_section_path(section), record.council or "", record.date or ""]
    return _document(record.title or record.source,
                     _header(record, where, quote, file_link, notes) + f"<main><article>{body}</article></main>")


def _marked_paragraphs(text: str, spans: list[tuple[int, int]]) -> str:
    """Each line a paragraph, the spans' characters in <mark>s (closed and opened again at a line's end)."""
    marked = [False] * len(text)
    for start, end in spans:
        for index in range(start, end):
            marked[index] = True
    paragraphs = []
    position = 0
    for line in text.split("\n"):
        pieces = []
        run_start = 0
        for index in range(len(line) + 1):
            boundary = index == len(line) or (index and marked[position + index] != marked[position + index - 1])
            if boundary and index > run_start:
                piece = escape(line[run_start:index])
                pieces.append(f'<mark class="highlight">{piece}</mark>' if marked[position + run_start] else piece)
                run_start = index
        paragraphs.append(f"<p>{''.join(pieces)}</p>")
        position += len(line) + 1
    return "".join(paragraphs)
