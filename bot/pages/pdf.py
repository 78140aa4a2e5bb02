"""A PDF page as an image, with the boxes of a quote's characters on it: pypdfium2 (PDFium) renders the page
and gives each character and its box. A quote that runs onto the next page is found on both."""
from __future__ import annotations

import ctypes
import io
import threading
from dataclasses import dataclass, field
from pathlib import Path

import pypdfium2 as pdfium
import pypdfium2.raw as pdfium_c

from index import tuning

from .locate import find_quote

# PDFium is not safe to call from two threads at once; the servers answer in several.
_PDFIUM = threading.Lock()


@dataclass(frozen=True)
class Box:
    """A highlighted line of the quote, in pixels of the page's image."""

    left: int
    top: int
    width: int
    height: int


@dataclass
class PageImage:
    number: int  # 1-based
    png: bytes
    width: int
    height: int
    highlights: list[Box] = field(default_factory=list)


@dataclass
class PdfView:
    pages: list[PageImage]  # the cited page, and the next when the quote runs onto it
    page_count: int
    found: bool  # the quote's words were found (when there was a quote to find)


class NoSuchPage(Exception):
    """The document has no such page."""


def pdf_view(path: Path, page: int, quote: str) -> PdfView:
    with _PDFIUM:
        document = pdfium.PdfDocument(str(path))
        try:
            return _view(document, page, quote)
        finally:
            document.close()


def _view(document: pdfium.PdfDocument, number: int, quote: str) -> PdfView:
    count = len(document)
    if not 1 <= number <= count:
        raise NoSuchPage(f"the document has {count} pages")
    numbers = [number]
    texts = [_characters(document[number - 1])]
    spans = find_quote(quote, texts[0]) if quote else []
    if quote and not spans and number < count:
        # The quote may run onto the next page: look in both, as one text.
        following = _characters(document[number])
        joined = find_quote(quote, texts[0] + "\n" + following)
        if joined and joined[-1][1] > len(texts[0]) + 1:
            numbers.append(number + 1)
            texts.append(following)
            spans = joined
    pages = []
    offset = 0
    for page_number, text in zip(numbers, texts):
        own = [(max(start, offset) - offset, min(end, offset + len(text)) - offset)
               for start, end in spans if end > offset and start < offset + len(text)]
        pages.append(_render(document[page_number - 1], page_number, own))
        offset += len(text) + 1
    return PdfView(pages, count, bool(spans) or not quote)


def _characters(page: pdfium.PdfPage) -> str:
    """The page's characters, one for each of PDFium's character indices (so that an index is a box)."""
    textpage = page.get_textpage()
    try:
        return "".join(chr(code) if (code := pdfium_c.FPDFText_GetUnicode(textpage.raw, i)) else " "
                       for i in range(textpage.count_chars()))
    finally:
        textpage.close()


def _render(page: pdfium.PdfPage, number: int, spans: list[tuple[int, int]]) -> PageImage:
    bitmap = page.render(scale=tuning.PAGE_VIEW_SCALE)
    image = bitmap.to_pil()
    width, height = image.size
    boxes: list[Box] = []
    if spans:
        textpage = page.get_textpage()
        try:
            for start, end in spans:
                boxes.extend(_line_boxes(page, textpage, start, end, width, height))
        finally:
            textpage.close()
    png = io.BytesIO()
    # Level 1: a third of the time of the default for a few per cent more bytes.
    image.save(png, "PNG", compress_level=1)
    return PageImage(number, png.getvalue(), width, height, boxes)


def _line_boxes(page, textpage, start: int, end: int, width: int, height: int) -> list[Box]:
    """One box for each line the characters start..end are on, in the image's pixels."""
    lines: list[list[float]] = []  # left, top, right, bottom of each line so far
    for index in range(start, end):
        left, bottom, right, top = textpage.get_charbox(index)
        if right - left <= 0 or top - bottom <= 0:
            continue  # a space or a line break PDFium made up: no box
        x0, y0 = _to_image(page, left, top, width, height)
        x1, y1 = _to_image(page, right, bottom, width, height)
        x0, x1 = min(x0, x1), max(x0, x1)
        y0, y1 = min(y0, y1), max(y0, y1)
        current = lines[-1] if lines else None
        middle = (y0 + y1) / 2
        if current is not None and current[1] <= middle <= current[3] and x0 >= current[0] - 2:
            current[0], current[1] = min(current[0], x0), min(current[1], y0)
            current[2], current[3] = max(current[2], x1), max(current[3], y1)
        else:
            lines.append([x0, y0, x1, y1])
    pad = tuning.PAGE_VIEW_SCALE
    return [Box(int(left - pad), int(top - pad), int(right - left + 2 * pad), int(bottom - top + 2 * pad))
            for left, top, right, bottom in lines]


def _to_image(page, x: float, y: float, width: int, height: int) -> tuple[int, int]:
    """A point of the page in the image's pixels, as PDFium rendered it (rotation and crop box included)."""
    device_x, device_y = ctypes.c_int(), ctypes.c_int()
    pdfium_c.FPDF_PageToDevice(page.raw, 0, 0, width, height, 0, ctypes.c_double(x), ctypes.c_double(y),
                               ctypes.byref(device_x), ctypes.byref(device_y))
    return device_x.value, device_y.value
