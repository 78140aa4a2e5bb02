"""The page view: what a signed link opens. A cited PDF page as an image with the quote highlighted (and the
next page too when the quote runs onto it); for DOCX, text and HTML sources, the passage in its section with
the quote marked; and the whole file. Any server serves it (see serve.py): a request's path and parameters
in, a Response out.

A link that was changed, has expired or was never signed gets 403; a document the index doesn't hold (a path
outside it, such as ../, or one in another collection than the link's) gets 404. Neither says anything of
any file."""
from __future__ import annotations

import mimetypes
import threading
import time
from dataclasses import dataclass
from pathlib import PurePosixPath
from typing import Mapping
from urllib.parse import quote as url_quote

from index.records import DocumentRecord
from index.store import Store

from ..links import PAGE_PATH, BadLink, LinkSigner, SignedLink
from . import html
from .locate import find_quote
from .pdf import NoSuchPage, pdf_view

# A document asked for that the cached list of documents lacks sends for the list again, at most this often.
_RELOAD_SECONDS = 2.0


@dataclass(frozen=True)
class Response:
    status: int
    content_type: str
    body: bytes
    headers: tuple[tuple[str, str], ...] = ()


def _plain(status: int, message: str) -> Response:
    return Response(status, "text/html; charset=utf-8", html.message_page(message).encode("utf-8"),
                    html.SECURITY_HEADERS)


NOT_FOUND = "No such document is in reviewbot's index."


class PageViews:
    """The page view over the index in `store`, checking links with `signer`."""

    def __init__(self, store: Store, signer: LinkSigner, refresh_seconds: float = 60.0) -> None:
        self.store = store
        self.signer = signer
        self.refresh_seconds = refresh_seconds
        self._lock = threading.Lock()
        self._records: dict[str, list[DocumentRecord]] = {}
        self._loaded_at = float("-inf")

    def respond(self, path: str, params: Mapping[str, str]) -> Response:
        kind = "page" if path == PAGE_PATH else "file"
        try:
            link = self.signer.check(kind, params)
        except BadLink as exc:
            return _plain(403, str(exc))
        record = self._record(link.source, link.collection)
        if record is None or not record.path.is_file():
            return _plain(404, NOT_FOUND)
        if kind == "file":
            return _whole_file(record)
        try:
            return self._page(record, link)
        except NoSuchPage:
            return _plain(404, "That page is not in the document.")

    def health(self) -> tuple[bool, dict]:
        try:
            documents = self.store.documents.count()
        except Exception:  # the store being down is what a health check is for
            return False, {"status": "store unreachable"}
        return True, {"status": "ok", "documents": documents}

    def _record(self, source: str, collection: str) -> DocumentRecord | None:
        if not _inside_the_index(source):
            return None
        now = time.monotonic()
        with self._lock:
            stale = now - self._loaded_at > self.refresh_seconds
            missing = source not in self._records and now - self._loaded_at > _RELOAD_SECONDS
            if stale or missing:
                records: dict[str, list[DocumentRecord]] = {}
                for record in self.store.manifest().values():
                    records.setdefault(record.source, []).append(record)
                self._records, self._loaded_at = records, now
            found = self._records.get(source, [])
        return next((r for r in found if r.collection == collection), None)

    def _page(self, record: DocumentRecord, link: SignedLink) -> Response:
        file_link = self.signer.url("file", record.source, link.page, record.collection)
        if record.path.suffix.lower() == ".pdf":
            page = link.page or 1
            view = pdf_view(record.text_path, page, link.quote)
            chunks = self.store.document_chunks(record, page)
            section = next((c.section for c in chunks if link.quote and find_quote(link.quote, c.text)),
                           chunks[0].section if chunks else "")
            body = html.pdf_page(record, view, section, link.quote, file_link,
                                 ocr=any(p.number in record.ocr_pages for p in view.pages))
        else:
            body = html.text_passage(record, self.store.document_chunks(record), link.quote, file_link)
        return Response(200, "text/html; charset=utf-8", body.encode("utf-8"), html.SECURITY_HEADERS)


def _inside_the_index(source: str) -> bool:
    """A source as ingest records it: a relative path with no step up, so no link names a file elsewhere."""
    path = PurePosixPath(source)
    return bool(source) and not path.is_absolute() and ".." not in path.parts and "\\" not in source \
        and "\x00" not in source


def _whole_file(record: DocumentRecord) -> Response:
    content_type = mimetypes.guess_type(record.path.name)[0] or "application/octet-stream"
    headers = [("Content-Disposition", f"inline; filename*=UTF-8''{url_quote(record.path.name)}"),
               ("X-Content-Type-Options", "nosniff"), ("Referrer-Policy", "no-referrer"),
               ("Cache-Control", "private, max-age=300")]
    if content_type != "application/pdf":
        # An HTML source opened from the link runs none of its scripts (a browser's PDF viewer needs them).
        headers.append(("Content-Security-Policy", "sandbox"))
    return Response(200, content_type, record.path.read_bytes(), tuple(headers))
