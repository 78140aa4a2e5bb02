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

from dataclasses import dataclass, replace
from typing import Iterable

from index import tuning
from index.keyword import KeywordIndex
from index.records import JUDGEMENTS, Chunk, DocumentRecord, Fact
from index.text import tokenize

from .answer import passages_of, passages_quoted_first
from .retrieve import Retrieved
from .routing import FactQuestion, regions
from .sections import summary_sentences
from .types import Answer, AnsweredSentence, Citation


@dataclass(frozen=True)
class _Row:
    record: DocumentRecord
    fact: Fact

    @property
    def date(self) -> str:
        return self.record.report_date or ""

    def citation(self, n: int) -> Citation:
        return Citation(n=n, source=self.record.source, title=self.record.title, page=self.fact.page, section="",
                        council=self.record.council, date=self.date or None, quote=self.fact.quote,
                        collection=self.record.collection, ocr=self.fact.page in self.record.ocr_pages)


def answer_from_facts(question: str, asked: FactQuestion, records: Iterable[DocumentRecord],
                      retrieved: list[Retrieved], collections: frozenset[str] | None = None,
                      keyword: KeywordIndex | None = None) -> Answer:
    """The rows of the facts that answer `asked` (what the Query found the question asks of them), each cited;
    or a plain statement of what was considered when no report has them."""
    records = list(records)
    councils = set(asked.councils)
    if asked.region:
        councils = councils or regions()[asked.region]
    reports = _one_copy_each([r for r in records if r.facts and (not councils or r.council in councils)
                              and (collections is None or r.collection in collections)])
    if asked.since:
        reports = [r for r in reports if max(_years_of(r, asked.dated_by), default=0) >= asked.since]
    if asked.years:
        reports = [r for r in reports if _years_of(r, asked.dated_by) & asked.years]
    if not asked.over_time:
        reports = _latest_of_each_council(reports)
    elif asked.latest:
        reports = _latest_of_each_council(reports, asked.latest)
    wanted = set(JUDGEMENTS) if asked.fact == "judgements" else {asked.fact, *_ALSO_JUDGES.get(asked.fact, ())}
    rows = [_Row(r, f) for r in reports for f in r.facts if f.fact in wanted]
    if asked.grade:
        rows = [row for row in rows if row.fact.value == asked.grade]
    if asked.person:
        rows = [row for row in rows if asked.person.strip().lower() in row.fact.value.lower()]
    rows.sort(key=lambda row: (row.record.council or "", row.date))
    considered = _considered(reports, councils, asked)
    if not rows:
        text = f"None of the {considered} has {_label(asked)}."
        return Answer(question, text, True, [], passages_of(retrieved), mode="facts")
    earlier = _earlier_items(rows, records) if asked.fact == "improvement" and asked.said_before else {}
    return _table(question, asked, rows[:tuning.MAX_ROWS], considered, len(rows), earlier, retrieved, keyword)


# A judgement the 2018-2025 framework made of two things at once is a judgement of each: a council judged
# outstanding for 'children in care and care leavers' was judged outstanding for children in care.
_ALSO_JUDGES = {"children_in_care": ("children_in_care_and_care_leavers",),
                "care_leavers": ("children_in_care_and_care_leavers",)}


def _years_of(record: DocumentRecord, dated_by: str) -> set[int]:
    """The years a question may mean a report by: its inspection's, its publication's, or either."""
    inspection = {record.inspection_start, record.inspection_end} if record.inspection_end else {record.date}
    published = {record.published or record.date}
    dates = inspection if dated_by == "inspection" else published if dated_by == "publication" \
        else inspection | published
    return {int(d[:4]) for d in dates if d and d[:4].isdigit()}


def _one_copy_each(reports: list[DocumentRecord]) -> list[DocumentRecord]:
    """A report indexed twice (a council's own copy and a national collection's) counts once."""
    seen: dict[tuple, DocumentRecord] = {}
    for r in sorted(reports, key=lambda r: r.source):
        key = (r.council, r.inspection_start, r.inspection_end) if r.inspection_end else (r.source,)
        seen.setdefault(key, r)
    return list(seen.values())


def _latest_of_each_council(reports: list[DocumentRecord], n: int = 1) -> list[DocumentRecord]:
    """Each council's newest `n` reports."""
    by_council: dict[str, list[DocumentRecord]] = {}
    for r in reports:
        by_council.setdefault(r.council or r.source, []).append(r)
    return [r for kept in by_council.values() for r in sorted(kept, key=lambda r: r.report_date or "")[-n:]]


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
           earlier: dict[int, list[_Row]], retrieved: list[Retrieved], keyword: KeywordIndex | None) -> Answer:
    citations: list[Citation] = []
    numbered: dict[tuple[str, str], int] = {}

    def cite(row: _Row) -> int:
        key = (row.record.source, row.fact.quote)
        if key not in numbered:
            numbered[key] = len(citations) + 1
            citations.append(row.citation(numbered[key]))
        return numbered[key]

    lines: list[str] = []
    sentences: list[AnsweredSentence] = []
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
            sentences.append(AnsweredSentence.quoted(line.lstrip("\u2022 "), numbers))
    # A judgement's row is a table's line: the report's own opening sentence says what it means, when the
    # rows are few enough to read.
    summarise = keyword is not None and asked.fact in JUDGEMENTS and len(rows) <= tuning.FACT_SUMMARIES
    extra: list[Chunk] = []
    for i, row in enumerate(rows if asked.fact != "judgements" else []):
        n = cite(row)
        value = row.fact.value
        line = f"\u2022 {row.record.council or '?'}, {row.date or 'undated'}: {value} [{n}]"
        numbers = [n]
        for item in summary_sentences(keyword, row.record.source, 1) if summarise else []:
            numbers.append(len(citations) + 1)
            # Dated as its row is (the inspection's end), so one report's citations carry one date.
            citations.append(replace(Citation.from_chunk(numbers[-1], item.chunk, item.text), date=row.date or None))
            extra.append(item.chunk)
            line += f" \u2014 \u201c{item.text}\u201d [{numbers[-1]}]"
        for before in earlier.get(i, []):
            line += f"; said before ({before.date}) [{cite(before)}]"
        lines.append(line)
        sentences.append(AnsweredSentence.quoted(line.lstrip("\u2022 "), numbers))
    if total > len(rows):
        lines.append(f"\u2026 and {total - len(rows)} more (`reviewbot facts` lists them all).")
    # The passages the rows were read from first, so that the reader sees them.
    holding = [keyword.chunk_holding(c.source, c.quote, c.page) for c in citations] if keyword is not None else []
    holding += extra
    return Answer(question, "\n".join(lines), False, citations,
                  passages_quoted_first([c for c in holding if c is not None], retrieved), mode="facts",
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
                if shared >= tuning.SAID_BEFORE_SHARE:
                    found.setdefault(i, []).append(other)
    return found

