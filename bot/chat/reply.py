"""What a chat reply says, the same for every chat platform: the prose, the verified quotes, the sources
with their links, and what can be done with it. Slack blocks and Teams cards only render a Reply."""
from __future__ import annotations

from dataclasses import dataclass, field

from index import tuning

from ..core.types import Answer, Citation, markers, quotes_and_numbers
from ..links import Links

# Buttons a reply can offer besides the platform's own feedback control.
COPY_REFERENCE = "copy_reference"
MORE_SOURCES = "more_sources"
POST_TO_CHANNEL = "post_to_channel"
# What a chat user is told when the search itself fails; the error goes to the log.
FAILED = ("Sorry \u2014 I couldn't search the documents just now. The problem has been logged; "
          "please try again in a few minutes.")


@dataclass(frozen=True)
class Source:
    n: int
    title: str
    details: str  # after the title: page, section, council, date (source)
    page: int | None
    link: str | None  # the page view of the cited page, or the published document at its page; None: neither
    quote: str = ""

    @property
    def reference(self) -> str:
        """Ready to paste: title, page, section, council, date (source)."""
        return self.title + self.details


@dataclass(frozen=True)
class Reply:
    answer_id: str
    question: str
    abstained: bool
    generated: bool  # a language model wrote the prose
    prose: str  # the model's checked sentences with their [n], or why the documents don't answer; else empty
    quotes: list[tuple[str, list[int]]]  # each verified quote once, with the numbers of its sources
    sources: list[Source]
    actions: list[str] = field(default_factory=list)
    # Facts across reports: the prose is a table of rows, and each source shows the line it was read from.
    quotes_in_sources: bool = False

    def prose_lines(self) -> list[tuple[str, bool]]:
        """The prose a line at a time, each with whether it heads what follows ('Judgements:', 'Briefing: …'):
        a list's or a briefing's headings, for a platform to set in bold."""
        return [(line, not line.startswith("\u2022") and (line.endswith(":") or line.startswith("Briefing: ")))
                for line in self.prose.split("\n")]

    @property
    def text(self) -> str:
        """The reply as plain text: for notifications and wherever rich content can't be shown."""
        if self.prose:
            return self.prose
        return "\n".join(f"\u201c{q}\u201d {markers(numbers)}" for q, numbers in self.quotes)


def source_of(citation: Citation, links: Links | None) -> Source:
    return Source(citation.n, citation.title, citation.details(), citation.page, link_to(citation, links),
                  citation.quote)


def link_to(citation: Citation, links: Links | None) -> str | None:
    """The citation's page with its quote highlighted, signed for the collection its document is in (the place
    the answer was given in may see it, or it would not have been cited there)."""
    return links.to_page(citation.source, citation.page, citation.collection, citation.quote) if links else None


def reply_to(answer: Answer, answer_id: str, links: Links | None, offer_post: bool = False) -> Reply:
    actions = [] if answer.abstained else [COPY_REFERENCE]
    actions.append(MORE_SOURCES)
    if offer_post and not answer.abstained:
        actions.append(POST_TO_CHANNEL)
    # An extractive answer is its quotes; a model's answer is its prose, with the quotes that back it; an
    # answer from the facts, or a timeline, is its rows.
    prose = answer.answer if answer.abstained or answer.mode != "extractive" else ""
    facts = answer.mode == "facts"
    # A timeline's, a section's and a briefing's rows hold their quotes; a table's show theirs with the sources.
    rows = answer.mode in ("facts", "timeline", "section", "briefing")
    return Reply(answer_id=answer_id, question=answer.question, abstained=answer.abstained,
                 generated=answer.mode == "llm", prose=prose,
                 quotes=[] if answer.abstained or rows else quotes_and_numbers(answer.citations),
                 sources=[source_of(c, links) for c in answer.citations], actions=actions,
                 quotes_in_sources=facts)


def references(answer: Answer, links: Links | None) -> list[str]:
    """Ready-to-paste references: each quote, where it comes from, and its link."""
    lines = []
    for c in answer.citations:
        link = link_to(c, links)
        lines.append(f"\u201c{c.quote}\u201d \u2014 {c.reference()}" + (f" {link}" if link else ""))
    return lines


def other_sources(answer: Answer, links: Links | None) -> list[Source]:
    """Passages that were retrieved but not quoted, a line each, without repeating a page."""
    seen = {(c.source, c.page) for c in answer.citations}
    found: list[Source] = []
    for item in answer.retrieved:
        key = (item.source, item.page)
        if key in seen:
            continue
        seen.add(key)
        title = item.title or item.source
        page = f"p. {item.page}" + (" (read by OCR)" if item.ocr else "") if item.page else None
        where = "".join(f", {p}" for p in (page, item.section) if p)
        link = links.to_page(item.source, item.page, item.collection) if links else None
        found.append(Source(len(found) + 1, title, f"{where} ({item.source})", item.page, link))
    return found[:tuning.MORE_SOURCES_SHOWN]
