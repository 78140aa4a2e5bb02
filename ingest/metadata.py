"""What a document is: title, council, date and kind, read from its file name and its text."""
from __future__ import annotations

import re
from datetime import date
from pathlib import Path

MONTHS = {m: i for i, m in enumerate(
    ["january", "february", "march", "april", "may", "june", "july", "august", "september", "october",
     "november", "december"], start=1)}
_MONTH = r"(january|february|march|april|may|june|july|august|september|october|november|december)"
_DAY_MONTH_YEAR = re.compile(rf"\b(\d{{1,2}})(?:st|nd|rd|th)?[\s-]+{_MONTH}[\s-]+((?:19|20)\d\d)\b", re.I)
_YEAR = re.compile(r"(?<!\d)((?:19|20)\d\d)(?!\d)")

# Words in file names that say what a document is or who published it, never which council it is about.
_NAME_NOISE = {
    "ofsted", "lga", "report", "inspection", "peer", "review", "safeguarding", "children", "childrens", "services",
    "briefing", "note", "letter", "staff", "summary", "detailed", "findings", "scrutiny", "panel", "plan",
    "improvement", "action", "final", "draft", "v1", "v2", "copy", "of", "the", "local", "authority", "council",
    "ilacs", "sif", "focused", "visit", "monitoring", "feedback", "and",
} | set(MONTHS)

# (document type, patterns looked for in the file name and the opening text), first match wins.
DOC_TYPES = [
    ("improvement plan", r"improvement plan|action plan"),
    ("inspection report", r"ofsted|inspection of .{0,60}children|inspection of services for children|single inspection"),
    ("briefing note", r"briefing note|reason for briefing"),
    ("scrutiny report", r"scrutiny (panel|report|committee|board)|overview and scrutiny"),
    ("letter", r"\bletter\b|^dear\b|\bregards,|yours sincerely|yours faithfully"),
    ("peer review findings", r"detailed findings|peer review.{0,40}findings|findings.{0,40}peer review"),
    ("peer review summary", r"peer review.{0,40}summary|summary.{0,40}peer review"),
    ("peer review", r"peer review"),
    ("minutes", r"\bminutes\b"),
]


def infer_title(source: str, given: str | None, headings: list[str]) -> str:
    if given:
        return given
    for heading in headings[:3]:
        if 3 <= len(heading) <= 160 and len(heading.split()) >= 2:
            return heading
    stem = Path(source).stem
    return re.sub(r"[_-]+", " ", stem).strip().capitalize()


def infer_date(source: str, text: str) -> str | None:
    """The document's own date: from its file name first, else the first full date in its opening."""
    stem = Path(source).stem.replace("_", " ")
    for haystack in (stem, text[:3000]):
        match = _DAY_MONTH_YEAR.search(haystack)
        if match:
            day, month, year = int(match.group(1)), MONTHS[match.group(2).lower()], int(match.group(3))
            try:
                return date(year, month, day).isoformat()
            except ValueError:
                continue
    match = _YEAR.search(stem)
    return match.group(1) if match else None


def infer_years(source: str, doc_date: str | None, text: str) -> tuple[int, ...]:
    """Years a question may use to mean this document: its date, its name, and the dates it reports on."""
    years = {int(y) for y in _YEAR.findall(Path(source).stem)}
    if doc_date:
        years.add(int(doc_date[:4]))
    opening = text[:1500]
    for match in re.finditer(r"(inspection dates?|date of (?:the )?(?:review|visit)|took place|review of)[^\n]{0,80}", opening, re.I):
        years.update(int(y) for y in _YEAR.findall(match.group(0)))
    return tuple(sorted(years))


def infer_council(source: str, text: str) -> str | None:
    """The council a document is about: a place named in the file name and confirmed by the text,
    else a council's formal name in the text."""
    stem = Path(source).stem.lower()
    tokens = [t for t in re.split(r"[_\s]+|-", stem) if t]
    name_tokens: list[str] = []
    for token in tokens:
        if _YEAR.fullmatch(token) or token.isdigit():
            if name_tokens:
                break
            continue
        if token in _NAME_NOISE:
            if name_tokens and token != "and":
                break
            if token == "and" and name_tokens:
                continue
            continue
        name_tokens.append(token)
    if name_tokens:
        pattern = r"\b" + r"(?:\s+and\s+|\s*-\s*|\s+|\s*&\s*)".join(map(re.escape, name_tokens)) + r"\b"
        match = re.search(pattern, text, re.I)
        if match:
            found = re.sub(r"\s+", " ", match.group(0))
            return found if any(c.isupper() for c in found) else found.title()
        # The file name is the better witness than some other council the text happens to name.
        return " ".join(token.capitalize() for token in name_tokens)
    formal = re.search(
        r"\b(?:Royal Borough of|London Borough of|City of)\s+([A-Z][\w'-]+(?:\s+(?:and|upon|on|&)?\s*[A-Z][\w'-]+)*)"
        r"|\b([A-Z][\w'-]+(?:\s+[A-Z][\w'-]+)*)\s+(?:County|Borough|City|District|Metropolitan Borough)\s+Council\b",
        text[:5000])
    if formal:
        return (formal.group(1) or formal.group(2)).strip()
    inspected = re.search(r"Inspection of ([A-Z][\w' -]+?) local\s+authority", text[:3000])
    return inspected.group(1).strip() if inspected else None


def infer_doc_type(source: str, title: str, text: str) -> str:
    """From the file name if it says, else the title, else the opening text."""
    name = Path(source).stem.replace("-", " ").replace("_", " ").lower()
    for haystack in (name, title.lower(), text[:2000].lower()):
        for doc_type, pattern in DOC_TYPES:
            if re.search(pattern, haystack, re.M):
                return doc_type
    return "document"


def infer_topics(source: str, doc_type: str, title: str, text: str) -> tuple[str, ...]:
    """Broad subjects a question may name: a letter about a peer review is still about the peer review.
    Read from the name, title and opening only: a report that mentions a past review is not about it."""
    haystack = f"{Path(source).stem.replace('-', ' ')} {title}\n{text[:600]}".lower()
    topics = []
    if "peer review" in haystack and doc_type != "inspection report":
        topics.append("peer review")
    if doc_type == "inspection report" or "ofsted" in haystack:
        topics.append("inspection")
    if "scrutiny" in haystack:
        topics.append("scrutiny")
    return tuple(topics)
