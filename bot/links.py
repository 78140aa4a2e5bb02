"""Links to documents: reviewbot's own page view, signed, or the place the documents are published.

A page view's link is signed with HMAC-SHA256 under REVIEWBOT_LINK_SECRET over everything it opens (the
document, the page, the collection the document is in, the quote to highlight) and when it stops working, so
that a link can't be changed to open another document, page or collection, and a document of a restricted
collection opens only from a link the bot gave where that collection may be seen. The chat adapters sign;
the page view checks. Nothing here reads the index."""
from __future__ import annotations

import hashlib
import hmac
import time
from dataclasses import dataclass
from typing import Literal, Mapping
from urllib.parse import quote as url_quote
from urllib.parse import urlencode

PAGE_PATH = "/page"
FILE_PATH = "/file"
# A quote longer than this is highlighted by its beginning: a link has to fit in a chat message.
QUOTE_CHARACTERS = 1000
Kind = Literal["page", "file"]


class BadLink(Exception):
    """A link the page view must refuse; the message says why, in words for the person who followed it."""


@dataclass(frozen=True)
class SignedLink:
    """What a checked link opens."""

    kind: Kind
    source: str  # the document's path relative to the folder it was ingested from
    page: int | None
    collection: str
    quote: str
    expires: int  # seconds since the epoch


def _payload(link: SignedLink) -> bytes:
    # Fields joined by a character none of them can hold, so that no two links sign alike.
    fields = (link.kind, link.source, str(link.page or ""), link.collection, link.quote, str(link.expires))
    return "\x00".join(fields).encode("utf-8")


@dataclass(frozen=True)
class LinkSigner:
    secret: str
    public_url: str  # where the page view is reached
    days: float  # how long a link works

    def _signature(self, link: SignedLink) -> str:
        return hmac.new(self.secret.encode("utf-8"), _payload(link), hashlib.sha256).hexdigest()

    def _expiry(self, now: float | None) -> int:
        # Rounded up to the hour: the same citation gets the same link for an hour, and browsers cache it.
        seconds = int((time.time() if now is None else now) + self.days * 86400)
        return seconds - seconds % 3600 + 3600

    def url(self, kind: Kind, source: str, page: int | None, collection: str, quote: str = "",
            now: float | None = None) -> str:
        link = SignedLink(kind, source, page if kind == "page" else None, collection,
                          quote[:QUOTE_CHARACTERS] if kind == "page" else "", self._expiry(now))
        params = {"d": link.source, "c": link.collection}
        if link.page:
            params["p"] = str(link.page)
        if link.quote:
            params["q"] = link.quote
        params |= {"e": str(link.expires), "s": self._signature(link)}
        address = f"{self.public_url.rstrip('/')}{PAGE_PATH if kind == 'page' else FILE_PATH}?{urlencode(params)}"
        # The browser's PDF viewer opens the whole file at the page.
        return f"{address}#page={page}" if kind == "file" and page else address

    def check(self, kind: Kind, params: Mapping[str, str], now: float | None = None) -> SignedLink:
        """The link a request's parameters make, if it was signed with this secret and has not expired."""
        try:
            page = int(params["p"]) if params.get("p") else None
            link = SignedLink(kind, params["d"], page, params["c"], params.get("q", ""), int(params["e"]))
            signature = params["s"]
        except (KeyError, ValueError):
            raise BadLink("This link is incomplete: it was not given by reviewbot, or part of it was lost.") from None
        if not hmac.compare_digest(signature.encode(), self._signature(link).encode()):
            raise BadLink("This link is not valid: it was changed after reviewbot gave it, or reviewbot did not "
                          "give it.")
        if link.expires < (time.time() if now is None else now):
            raise BadLink("This link has expired. Ask reviewbot the question again for a fresh link.")
        return link


@dataclass(frozen=True)
class Links:
    """Which link a citation gets: the page view where it is served (REVIEWBOT_PUBLIC_URL), else the document
    where the ingested folders are published (REVIEWBOT_DOCS_URL), else none, so that no link leads nowhere."""

    docs_url: str | None = None
    signer: LinkSigner | None = None

    def to_page(self, source: str, page: int | None, collection: str, quote: str = "") -> str | None:
        if self.signer is not None:
            return self.signer.url("page", source, page, collection, quote)
        return published_link(source, page, self.docs_url)


def published_link(source: str, page: int | None, docs_url: str | None) -> str | None:
    """`<docs_url>/<source path>#page=N`: where the ingested folders are published."""
    if not docs_url:
        return None
    link = f"{docs_url.rstrip('/')}/{url_quote(source)}"
    return f"{link}#page={page}" if page else link


def links_from(docs_url: str | None, public_url: str | None, secret: str | None, days: float) -> Links:
    signer = LinkSigner(secret, public_url, days) if public_url and secret else None
    return Links(docs_url, signer)
