"""What a document is: title, council, date and kind, read from its file name and its text."""
from __future__ import annotations

import re
from datetime import date
from pathlib import Path

from index.councils import default_names, proper_form
from index.vocabulary import INSPECTION_KINDS, MONTHS, NOT_A_REPORT, YEAR

_MONTH = r"(january|february|march|april|may|june|july|august|september|october|november|december)"
_DAY_MONTH_YEAR = re.compile(rf"\b(\d{{1,2}})(?:st|nd|rd|th)?[\s-]+{_MONTH}[\s-]+((?:19|20)\d\d)\b", re.I)

# Words in file names that say what a document is or who published it, never which council it is about.
_NAME_NOISE = {
    "ofsted", "lga", "report", "inspection", "peer", "review", "safeguarding", "children", "childrens", "services",
    "briefing", "note", "letter", "staff", "summary", "detailed", "findings", "scrutiny", "panel", "plan",
    "improvement", "action", "final", "draft", "v1", "v2", "copy", "of", "the", "local", "authority", "council",
    "ilacs", "sif", "focused", "visit", "monitoring", "feedback", "and", "childrens", "pdf", "single", "la",
} | set(MONTHS)

# (document type, patterns looked for in the file name and the opening text), first match wins.
DOC_TYPES = [
    ("improvement plan", r"improvement plan|action plan"),
    ("inspection report", r"ofsted|services inspection|inspection of .{0,60}children|inspection of services for children|single inspection"),
    ("briefing note", r"briefing note|reason for briefing"),
    ("scrutiny report", r"scrutiny (panel|report|committee|board)|overview and scrutiny"),
    ("letter", r"\bletter\b|^dear\b|\bregards,|yours sincerely|yours faithfully"),
    ("peer review findings", r"detailed findings|peer review.{0,40}findings|findings.{0,40}peer review"),
    ("peer review summary", r"peer review.{0,40}summary|summary.{0,40}peer review"),
    ("peer review", r"peer review"),
    ("minutes", r"\bminutes\b"),
]

# What an inspection report says it is, in its own opening words; the kind named first in it wins.
STATED_KINDS = [
    ("joint targeted area inspection", r"joint targeted area inspection"),
    ("focused visit", r"focused visit"),
    ("monitoring visit", r"monitoring visit"),
    ("inspection report", r"inspection of .{0,80}?children['’]?s (?:social care )?services|inspection of services for "
                          r"children|inspection of looked after children|re-inspection of|single inspection|"
                          r"review of the effectiveness of the local safeguarding children board|"
                          r"inspection of .{0,60}?children and families trust"),
]
# PDF titles left from a template or a draft, not the document's name.
_PLACEHOLDER_TITLE = re.compile(r"template|draft|final report|\bLA NAME\b|INSPECTION DATE|microsoft word|untitled|\.docx?\b", re.I)
# A day, month and year as reports print them: '4 March 2019', '18 Feb 2014', '12/09/2016'; the month and
# year may be left to the second date of a range ('23 to 27 February 2026').
_SHORT_MONTH = r"(?:jan|feb|mar|apr|may|jun|jul|aug|sep|sept|oct|nov|dec)[a-z]*\.?"
_PART_DATE = rf"(\d{{1,2}})(?:st|nd|rd|th)?(?:\s+({_SHORT_MONTH}))?(?:\s+((?:19|20)\d\d))?(?![/\d])"
_NUMERIC_DATE = r"(\d{1,2})/(\d{1,2})/((?:19|20)\d\d)"
_FULL_DATE = rf"(?:{_NUMERIC_DATE}|(\d{{1,2}})(?:st|nd|rd|th)?\s+({_SHORT_MONTH})\s+((?:19|20)\d\d))"
_RANGE = r"\s*(?:to|and|[-–—─])\s*"
INSPECTION_LABEL = re.compile(r"(?:inspection dates?|dates? of (?:the )?inspection|visit dates?)\s*:?\s*", re.I)
_PUBLISHED = re.compile(rf"(?:report )?(?:published|publication date)\s*:?\s*(?:on\s+)?{_FULL_DATE}", re.I)


def opening(text: str, size: int = 600) -> str:
    """The first words of a document on one line: where a report names itself, its council and its dates."""
    return re.sub(r"\s+", " ", text[:size * 2])[:size]


def not_a_report(source: str) -> str | None:
    """'index of sources' or 'readme' for a file that describes a collection, else None."""
    stem = Path(source).stem.lower().replace("_", " ").replace("-", " ").strip()
    for kind, pattern in NOT_A_REPORT:
        if re.search(pattern, stem):
            return kind
    return None


def infer_title(source: str, given: str | None, headings: list[str], text: str = "") -> str:
    """The document's own name: the name a report gives itself in its opening, else the PDF's title unless
    it is a template's or a draft's, else its first heading, else its file name."""
    stated = re.search(r"((?:re-)?inspection of .{0,120}?(?:children['’]?s (?:social care )?services|care leavers|"
                       r"children services|children and families trust)|joint targeted area inspection[^.]{0,80}?of "
                       r"[A-Z][\w ,&'-]{2,60}|(?:focused|monitoring) visit to [A-Z][\w ,&'-]{2,60}?(?= local| children| \d|$))",
                       opening(text, 400), re.I)
    if stated:
        return stated.group(1)[:1].upper() + stated.group(1)[1:]
    if given and not _PLACEHOLDER_TITLE.search(given):
        return given
    for heading in headings[:3]:
        if 3 <= len(heading) <= 160 and len(heading.split()) >= 2 and not _PLACEHOLDER_TITLE.search(heading):
            return heading
    stem = Path(source).stem
    return re.sub(r"[_-]+", " ", stem).strip().capitalize()


def _month_number(name: str) -> int | None:
    return next((number for month, number in MONTHS.items() if month.startswith(name.lower().rstrip(".")[:3])), None)


def _full_date(groups: tuple) -> str | None:
    """ISO date from _FULL_DATE's groups: numeric (day, month, year) or written (day, month name, year)."""
    nday, nmonth, nyear, day, month, year = groups
    if nday:
        return _iso_numbers(int(nyear), int(nmonth), int(nday))
    number = _month_number(month)
    return _iso_numbers(int(year), number, int(day)) if number else None


def _iso_numbers(year: int, month: int, day: int) -> str | None:
    try:
        return date(year, month, day).isoformat()
    except ValueError:
        return None


def inspection_dates(text: str) -> tuple[str | None, str | None]:
    """The first and last day of the inspection as the report prints them ('Inspection dates: 23 to 27
    February 2026', 'Inspection date: 6 July 2015 – 30 July 2015', '12/09/2016 to 06/10/2016', a single
    '28 July 2016'), or (None, None)."""
    head = opening(text, 1500)
    label = INSPECTION_LABEL.search(head)
    if not label:
        return None, None
    after = head[label.end():label.end() + 160]
    ranged = re.match(rf"(?:{_NUMERIC_DATE}|{_PART_DATE}){_RANGE}{_FULL_DATE}", after, re.I)
    if ranged:
        groups = ranged.groups()
        end = _full_date(groups[6:])
        if end is None:
            return None, None
        # An inspection in two parts ('19 November-11 December 2013 and 28 – 30 January 2014') ends with the
        # second.
        second = re.match(rf"\s+and\s+(?:{_PART_DATE}{_RANGE})?{_FULL_DATE}", after[ranged.end():], re.I)
        if second and (later := _full_date(second.groups()[3:])) and later > end:
            end = later
        if groups[0]:
            start = _iso_numbers(int(groups[2]), int(groups[1]), int(groups[0]))
        else:
            day, month, year = groups[3:6]
            start_month = _month_number(month) if month else int(end[5:7])
            # '28 December to 8 January 2016' starts in the year before it ends.
            start_year = int(year) if year else int(end[:4]) - (start_month > int(end[5:7]))
            start = _iso_numbers(start_year, start_month, int(day)) if start_month else None
        return (start, end) if start and start <= end else (None, None)
    single = re.match(_FULL_DATE, after, re.I)
    day = _full_date(single.groups()) if single else None
    return day, day


def publication_date(source: str, text: str) -> str | None:
    """When the report was published: as it says ('Report published: 19 October 2015'), else the full date
    in its file name (report collections name files by publication date)."""
    match = _PUBLISHED.search(opening(text, 1500))
    if match:
        return _full_date(match.groups())
    named = _DAY_MONTH_YEAR.search(Path(source).stem.replace("_", " "))
    return _iso_numbers(int(named.group(3)), MONTHS[named.group(2).lower()], int(named.group(1))) if named else None


def months_covered(*dates: str | None, start: str | None = None, end: str | None = None) -> tuple[str, ...]:
    """'YYYY-MM' for each date given and each month from `start` to `end`: the months a question may name
    ('the March 2019 inspection', 'the report published in May 2019')."""
    months = {d[:7] for d in dates if d and len(d) >= 7}
    if start and end:
        year, month = int(start[:4]), int(start[5:7])
        while (year, month) <= (int(end[:4]), int(end[5:7])):
            months.add(f"{year:04d}-{month:02d}")
            year, month = (year + 1, 1) if month == 12 else (year, month + 1)
    return tuple(sorted(months))


def infer_date(source: str, text: str) -> str | None:
    """The document's own date: its publication date if it has one, else from its file name, else the
    first full date in its opening."""
    published = publication_date(source, text)  # which reads the file name's date too
    if published:
        return published
    match = _DAY_MONTH_YEAR.search(text[:3000])
    found = match and _iso_numbers(int(match.group(3)), MONTHS[match.group(2).lower()], int(match.group(1)))
    if found:
        return found
    year = YEAR.search(Path(source).stem)
    return year.group(1) if year else None


def infer_years(source: str, doc_date: str | None, text: str, *dates: str | None) -> tuple[int, ...]:
    """Years a question may use to mean this document: its date, its name, the dates it reports on."""
    years = {int(y) for y in YEAR.findall(Path(source).stem)}
    years.update(int(d[:4]) for d in (doc_date, *dates) if d)
    for match in re.finditer(r"(inspection dates?|date of (?:the )?(?:review|visit)|took place|review of)[^\n]{0,80}",
                             text[:1500], re.I):
        years.update(int(y) for y in YEAR.findall(match.group(0)))
    return tuple(sorted(years))


def _council_in_name(name: str) -> str | None:
    """A council named by a file or folder name: one the gazetteer knows, or a report collection's
    '<urn>_<council>' folder."""
    council = default_names().first(name.replace("_", " "), require_capitals=False)
    if council:
        return council.name
    collection_folder = re.fullmatch(r"\d{3,}_(.+)", name)
    return proper_form(collection_folder.group(1)) if collection_folder else None


def infer_council(source: str, text: str) -> str | None:
    """The council a document is about: named by its file name or its folders (nearest first), else by its
    own opening, else a place its file name gives and its text confirms, else a council's formal name."""
    path = Path(source)
    for name in (path.stem, *(part for part in reversed(path.parts[:-1]))):
        council = _council_in_name(name)
        if council:
            return council
    council = default_names().first(opening(text))
    if council:
        return council.name
    stem = path.stem.lower().replace("'", "").replace("’", "")
    tokens = [t for t in re.split(r"[_\s]+|-", stem) if t]
    name_tokens: list[str] = []
    for token in tokens:
        if YEAR.fullmatch(token) or token.isdigit():
            if name_tokens:
                break
            continue
        if token in _NAME_NOISE:
            if name_tokens and token != "and":
                break
            continue
        name_tokens.append(token)
    if name_tokens:
        pattern = r"\b" + r"(?:\s+and\s+|\s*-\s*|\s+|\s*&\s*)".join(map(re.escape, name_tokens)) + r"\b"
        match = re.search(pattern, text, re.I)
        if match:
            found = re.sub(r"\s+", " ", match.group(0))
            return found if any(c.isupper() for c in found) else proper_form(found)
        # The file name is the better witness than some other council the text happens to name.
        return proper_form(" ".join(name_tokens))
    formal = re.search(
        r"\b(?:Royal Borough of|London Borough of|City of)\s+([A-Z][\w'-]+(?:\s+(?:and|upon|on|&)?\s*[A-Z][\w'-]+)*)"
        r"|\b([A-Z][\w'-]+(?:\s+[A-Z][\w'-]+)*)\s+(?:County|Borough|City|District|Metropolitan Borough)\s+Council\b",
        text[:5000])
    if formal:
        return (formal.group(1) or formal.group(2)).strip()
    inspected = re.search(r"Inspection of ([A-Z][\w' -]+?) local\s+authority", text[:3000])
    return inspected.group(1).strip() if inspected else None


def infer_doc_type(source: str, title: str, text: str) -> str:
    """What the report says it is in its opening, else what its file name, title or opening text says."""
    # The kind named first: an inspection report's opening may mention an earlier focused visit.
    stated = opening(text).lower()
    named = [(match.start(), doc_type) for doc_type, pattern in STATED_KINDS
             for match in [re.search(pattern, stated)] if match]
    if named:
        return min(named)[1]
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
    if "peer review" in haystack and doc_type not in INSPECTION_KINDS:
        topics.append("peer review")
    if doc_type in INSPECTION_KINDS or "ofsted" in haystack:
        topics.append("inspection")
    if "scrutiny" in haystack:
        topics.append("scrutiny")
    return tuple(topics)
