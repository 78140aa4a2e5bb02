"""The words the documents use for what they are and when: months, the grades of a judgement, the kinds of
document. Ingest reads documents with them and questions are read with them."""
from __future__ import annotations

import re
from functools import lru_cache
from importlib import resources

# A year as the documents and questions write one.
YEAR = re.compile(r"(?<!\d)((?:19|20)\d\d)(?!\d)")
MONTHS = {m: i for i, m in enumerate(
    ["january", "february", "march", "april", "may", "june", "july", "august", "september", "october",
     "november", "december"], start=1)}
# Months as a question may shorten them ('Dec 2019', 'sept'): read in questions only, documents spell them out.
MONTHS_WRITTEN = {**MONTHS, **{name[:3]: number for name, number in MONTHS.items()}, "sept": 9}
# The grades of an Ofsted judgement, as reports write them.
GRADE_NAMES = ["outstanding", "good", "requires improvement", "inadequate"]
INSPECTION_KINDS = ("inspection report", "focused visit", "monitoring visit", "joint targeted area inspection")
# Files that describe a collection rather than report on a council: never evidence of what a council did.
NOT_A_REPORT = [
    ("index of sources", r"^(sources?|index|references|bibliography|contents|list of sources)$"),
    ("readme", r"^(readme|licen[cs]e|changelog|changes|contributing|notice|copying)$"),
]
NOT_REPORT_KINDS = frozenset(kind for kind, _ in NOT_A_REPORT)


def grade_of(words: str) -> str:
    """'Requires improvement to be good' → 'requires improvement'."""
    words = re.sub(r"\s+", " ", words.lower())
    return "requires improvement" if words.startswith("require") else words


@lru_cache(maxsize=1)
def _section_rows() -> tuple[tuple[str, str, str], ...]:
    text = resources.files("index").joinpath("data/sections.tsv").read_text(encoding="utf-8")
    rows = ((line.split("\t") + [""])[:3] for line in text.splitlines() if line.strip() and not line.startswith("#"))
    return tuple((name.strip(), asked.strip(), headed.strip()) for name, asked, headed in rows)


@lru_cache(maxsize=1)
def sections() -> tuple[tuple[str, re.Pattern], ...]:
    """The sections of a report a question may ask for, and how questions and documents name them
    (data/sections.tsv): strengths, areas for consideration, what needs to improve, recommendations, ..."""
    return tuple((name, re.compile(asked, re.I)) for name, asked, _ in _section_rows())


@lru_cache(maxsize=1)
def section_headings() -> dict[str, re.Pattern]:
    """How a document may head each section: as questions name it, or in a report's own words that no question
    asking for it would use ('Executive summary' holds an inspection report's key findings)."""
    return {name: re.compile("|".join(p for p in (asked, headed) if p), re.I) for name, asked, headed in _section_rows()}


def section_named(text: str) -> str | None:
    """The section a text names ('what needs to improve' → improvement), the first in sections.tsv's order."""
    return next((name for name, pattern in sections() if pattern.search(text)), None)
