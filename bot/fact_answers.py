"""Questions that ask across inspection reports — a list, a count, a comparison, a change over time, what
must improve — answered from the facts read at ingest (ingest/facts.py), every row cited to the line of the
report it was read from, and saying how many reports were considered.

    "Which councils were judged inadequate for help and protection since 2023?"
    "How has Norfolk's overall effectiveness changed since 2015?"
    "Compare the care leavers judgements of Trafford and Stockport."
    "What must Worcestershire improve, and was it said before?"
    "How many councils in the North West were judged outstanding overall?"
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache
from typing import Iterable

from ingest.councils import default_names
from ingest.facts import JUDGEMENTS, Fact, grade_of
from ingest.store import DocumentRecord
from ingest.text import tokenize

from .answer import Answer, Citation, retrieved_view
from .facts_table import report_date
from .query import YEAR
from .retrieve import Retrieved

# Which fact a question asks about, by its words; the first that matches wins (most specific first).
FACT_WORDS = [
    ("children_in_care_and_care_leavers", r"children\s+in\s+care\s+and\s+care\s+leavers"),
    ("help_and_protection", r"help\s+and\s+protection|child(?:ren)?\s+protection"),
    ("care_leavers", r"care\s+leavers?|leaving\s+care"),
    ("children_in_care", r"children\s+in\s+care|looked[-\s]after"),
    ("impact_of_leaders", r"impact\s+of\s+leaders|leadership|\bleaders\b"),
    # 'Norfolk's judgements over time': every judgement of each report, a row per report.
    ("judgements", r"\bjudgements\b|\bgrades\b|\bratings\b"),
    ("overall_effectiveness", r"overall|judged|judgement|graded|grade|rated|rating"),
    ("lead_inspector", r"lead\s+inspectors?|who\s+(?:led|inspected)|inspectors?\b"),
    # What must improve, not what has improved.
    ("improvement", r"\b(?:must|should|needs?\s+to|has\s+to|have\s+to)\s+(?:\w+\s+){0,3}?improve\b|\bto\s+improve\b|"
                    r"\bareas?\s+for\s+improvement|\brecommendations?\b"),
]
_COUNTED = r"(?:councils?|local\s+authorit(?:y|ies)|authorities|areas|reports|inspections)"
_ACROSS = re.compile(rf"\bwhich\s+(?:councils?|local\s+authorit(?:y|ies)|authorities|areas?)\b|"
                     rf"\bhow\s+many\s+{_COUNTED}\b|\bnumber\s+of\s+{_COUNTED}\b|"
                     r"\blist\s+(?:the\s+|all\s+)?(?:councils|local\s+authorities|authorities|inspections|reports|"
                     r"judgements|grades|lead\s+inspectors)\b|"
                     r"\ball\s+(?:the\s+)?(?:councils|local\s+authorities|reports|inspections)\b", re.I)
_OVER_TIME = re.compile(r"\bchanged?\b|\bchanges\b|\bover\s+time\b|\bhistory\b|\btrend|\bover\s+the\s+years\b|"
                        r"\beach\s+(?:inspection|report)\b|\bevery\s+(?:inspection|report)\b|"
                        r"\bprevious\s+(?:inspections|judgements)\b", re.I)
_COMPARE = re.compile(r"\bcompar|\bversus\b|\bvs\.?\s", re.I)
_SAID_BEFORE = re.compile(r"\b(?:said|raised|found)\s+before\b|\bbefore\b|\bpreviously\b|\bagain\b|\brepeat", re.I)
_SINCE = re.compile(r"\b(?:since|from|after)\s+((?:19|20)\d\d)\b", re.I)
_ABOUT_GRADES = re.compile(r"\bjudge|\bjudgement|\bgrade|\brated\b|\brating|\boutstanding\b|\bgood\b|\boverall\b|"
                           r"\brequires?\s+improvement\b|\binadequate\b|\binspect", re.I)
_GRADE = re.compile(r"\b(outstanding|good|requires?\s+improvement|inadequate)\b", re.I)
# An item said before: this share of its content words in an item of an earlier report of the same council.
SAID_BEFORE_SHARE = 0.5
MAX_ROWS = 40


@dataclass(frozen=True)
class FactQuestion:
    fact: str
    councils: frozenset[str]  # empty: every council
    region: str | None
    since: int | None
    years: frozenset[int]
    grade: str | None  # only reports with this grade
    over_time: bool  # every report, in date order; else each council's latest
    said_before: bool


@dataclass(frozen=True)
class _Row:
    record: DocumentRecord
    fact: Fact

    @property
    def date(self) -> str:
        return report_date(self.record) or ""


@lru_cache(maxsize=1)
def regions() -> dict[str, set[str]]:
    """Each region of councils.tsv (the Office for National Statistics' lookups) and its councils."""
    return default_names().by_region()


def fact_question(question: str, councils: set[str]) -> FactQuestion | None:
    """The question (naming `councils`) as a question about facts, when it asks across reports; None when
    retrieval should answer."""
    fact = next((name for name, pattern in FACT_WORDS if re.search(pattern, question, re.I)), None)
    if fact is None:
        return None
    region = next((name for name in sorted(regions(), key=len, reverse=True)
                   if re.search(rf"\b{re.escape(name)}\b", question, re.I)), None)
    since = _SINCE.search(question)
    about_grades = _ABOUT_GRADES.search(question)
    across, compare = _ACROSS.search(question), _COMPARE.search(question)
    # 'Since 2015' or a region turn a question to the facts only when it is about judgements: 'what has
    # Trafford done for care leavers since 2019' is a question for the passages.
    over_time = _OVER_TIME.search(question) or (since and about_grades)
    improve_for = fact == "improvement" and councils and re.search(r"\bwhat\b|\blist\b", question, re.I)
    if not (across or over_time or compare or improve_for or (region and about_grades)):
        return None
    if (fact in JUDGEMENTS or fact == "judgements") and not about_grades:
        return None  # 'which councils support care leavers in custody' asks about practice, not a grade
    grade = _GRADE.search(question)
    return FactQuestion(
        fact=fact, councils=frozenset(councils), region=region,
        since=int(since.group(1)) if since else None,
        years=frozenset(int(y) for y in YEAR.findall(question)) if not since else frozenset(),
        grade=grade_of(grade.group(1)) if grade and (fact in JUDGEMENTS or fact == "judgements") else None,
        over_time=bool(over_time), said_before=bool(_SAID_BEFORE.search(question)))


def answer_from_facts(question: str, asked: FactQuestion, records: Iterable[DocumentRecord],
                      retrieved: list[Retrieved], collections: frozenset[str] | None = None) -> Answer:
    """The rows of the facts that answer the question, each cited; or a plain statement of what was
    considered when no report has them."""
    records = list(records)
    councils = set(asked.councils)
    if asked.region:
        councils = councils or regions()[asked.region]
    reports = _one_copy_each([r for r in records if r.facts and (not councils or r.council in councils)
                              and (collections is None or r.collection in collections)])
    year = lambda r: int((report_date(r) or "0")[:4])  # noqa: E731
    if asked.since:
        reports = [r for r in reports if year(r) >= asked.since]
    if asked.years:
        reports = [r for r in reports if year(r) in asked.years]
    if not asked.over_time:
        reports = _latest_of_each_council(reports)
    wanted = set(JUDGEMENTS) if asked.fact == "judgements" else {asked.fact}
    rows = [_Row(r, f) for r in reports for f in r.facts if f.fact in wanted]
    if asked.grade:
        rows = [row for row in rows if row.fact.value == asked.grade]
    rows.sort(key=lambda row: (row.record.council or "", row.date))
    considered = _considered(reports, councils, asked)
    if not rows:
        text = f"None of the {considered} has {_label(asked)}."
        return Answer(question, text, True, [], retrieved_view(retrieved), mode="facts")
    earlier = _earlier_items(rows, records) if asked.fact == "improvement" and asked.said_before else {}
    return _table(question, asked, rows[:MAX_ROWS], considered, len(rows), earlier, retrieved)


def _one_copy_each(reports: list[DocumentRecord]) -> list[DocumentRecord]:
    """A report indexed twice (a council's own copy and a national collection's) counts once."""
    seen: dict[tuple, DocumentRecord] = {}
    for r in sorted(reports, key=lambda r: r.source):
        key = (r.council, r.inspection_start, r.inspection_end) if r.inspection_end else (r.source,)
        seen.setdefault(key, r)
    return list(seen.values())


def _latest_of_each_council(reports: list[DocumentRecord]) -> list[DocumentRecord]:
    latest: dict[str, DocumentRecord] = {}
    for r in reports:
        key = r.council or r.source
        if key not in latest or (report_date(r) or "") > (report_date(latest[key]) or ""):
            latest[key] = r
    return list(latest.values())


def _considered(reports: list[DocumentRecord], councils: set[str], asked: FactQuestion) -> str:
    where = f" of {asked.region}" if asked.region else f" of {', '.join(sorted(councils))}" if councils else ""
    when = f" since {asked.since}" if asked.since else f" of {', '.join(map(str, sorted(asked.years)))}" \
        if asked.years else ""
    which = ("inspection report" if asked.over_time else "latest inspection report") + ("" if len(reports) == 1 else "s")
    return f"{len(reports)} {which}{where}{when} considered" if reports else f"0 {which}{where}{when}"


def _label(asked: FactQuestion) -> str:
    name = asked.fact.replace("_", " ")
    return f"{name} {asked.grade}" if asked.grade else f"a {name} it states"


def _table(question: str, asked: FactQuestion, rows: list[_Row], considered: str, total: int,
           earlier: dict[int, list[_Row]], retrieved: list[Retrieved]) -> Answer:
    citations: list[Citation] = []
    numbered: dict[tuple[str, str], int] = {}

    def cite(row: _Row) -> int:
        key = (row.record.source, row.fact.quote)
        if key not in numbered:
            numbered[key] = len(citations) + 1
            citations.append(Citation(n=numbered[key], source=row.record.source, title=row.record.title,
                                      page=row.fact.page, section="", council=row.record.council,
                                      date=row.date or None, quote=row.fact.quote))
        return numbered[key]

    lines, sentences = [], []
    councils = sorted({row.record.council or "?" for row in rows})
    if asked.grade:
        lines.append(f"{len(councils)} {'council' if len(councils) == 1 else 'councils'} "
                     f"({total} {'report' if total == 1 else 'reports'}; {considered}):")
    else:
        lines.append(f"From the facts of each report ({considered}):")
    if asked.fact == "judgements":
        # A short table: a row per report, each judgement with its own citation.
        order = {name: i for i, name in enumerate(JUDGEMENTS)}
        by_report: dict[str, list[_Row]] = {}
        for row in rows:
            by_report.setdefault(row.record.key, []).append(row)
        for report_rows in by_report.values():
            first = report_rows[0]
            cited = [(row, cite(row)) for row in sorted(report_rows, key=lambda r: order[r.fact.fact])]
            cells = [f"{row.fact.fact.replace('_', ' ')} {row.fact.value} [{n}]" for row, n in cited]
            line = f"\u2022 {first.record.council or '?'}, {first.date or 'undated'}: " + "; ".join(cells)
            lines.append(line)
            numbers = [n for _, n in cited]
            sentences.append({"text": line.lstrip("\u2022 "), "citations": numbers, "supported": numbers,
                              "problems": []})
    for i, row in enumerate(rows if asked.fact != "judgements" else []):
        n = cite(row)
        value = row.fact.value
        line = f"\u2022 {row.record.council or '?'}, {row.date or 'undated'}: {value} [{n}]"
        for before in earlier.get(i, []):
            line += f"; said before ({before.date}) [{cite(before)}]"
        lines.append(line)
        sentences.append({"text": line.lstrip("\u2022 "), "citations": [n], "supported": [n], "problems": []})
    if total > len(rows):
        lines.append(f"\u2026 and {total - len(rows)} more (`reviewbot facts` lists them all).")
    return Answer(question, "\n".join(lines), False, citations, retrieved_view(retrieved), mode="facts",
                  sentences=sentences)


def _earlier_items(rows: list[_Row], records: Iterable[DocumentRecord]) -> dict[int, list[_Row]]:
    """For each improvement item, the items of the same council's earlier reports that say much the same."""
    by_council: dict[str, list[_Row]] = {}
    for record in records:
        for fact in record.facts:
            if fact.fact == "improvement" and record.council:
                by_council.setdefault(record.council, []).append(_Row(record, fact))
    found: dict[int, list[_Row]] = {}
    for i, row in enumerate(rows):
        words = set(tokenize(row.fact.value))
        for other in by_council.get(row.record.council or "", []):
            if other.date < row.date and words:
                shared = len(words & set(tokenize(other.fact.value))) / len(words)
                if shared >= SAID_BEFORE_SHARE:
                    found.setdefault(i, []).append(other)
    return found

