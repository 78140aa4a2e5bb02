"""The facts read from every inspection report, as rows: filtered by council, fact, value and year, for
`reviewbot facts` and for questions that ask across reports."""
from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from typing import Iterable

from index.councils import default_names
from index.records import FACT_NAMES, DocumentRecord

COLUMNS = ("source", "council", "fact", "value", "page", "quote")
# Facts whose value is free text: --value finds them by words they contain, not by the whole value.
FREE_TEXT = {"improvement", "lead_inspector"}


class UnknownFact(ValueError):
    """A fact name that isn't one of FACT_NAMES."""


@dataclass(frozen=True)
class FactRow:
    source: str
    council: str | None
    fact: str
    value: str
    page: int | None
    quote: str
    date: str | None  # the inspection's last day, else the document's date
    title: str


def fact_rows(records: Iterable[DocumentRecord], council: str | None = None, fact: str | None = None,
              value: str | None = None, since: int | None = None) -> list[FactRow]:
    """Every fact of the given documents that passes the filters, by council, then date, then fact."""
    if fact is not None and fact not in FACT_NAMES:
        raise UnknownFact(f"unknown fact '{fact}': use one of {', '.join(FACT_NAMES)}")
    wanted_council = default_names().canonical(council).lower() if council else None
    rows = []
    for record in records:
        date = record.report_date
        if wanted_council and (record.council or "").lower() != wanted_council:
            continue
        if since is not None and not (date and int(date[:4]) >= since):
            continue
        for f in record.facts:
            if fact is not None and f.fact != fact:
                continue
            if value is not None and not _value_matches(f.fact, f.value, value):
                continue
            rows.append(FactRow(record.source, record.council, f.fact, f.value, f.page, f.quote, date, record.title))
    order = {name: i for i, name in enumerate(FACT_NAMES)}
    return sorted(rows, key=lambda r: (r.council or "", r.date or "", r.source, order[r.fact]))


def _value_matches(fact: str, value: str, wanted: str) -> bool:
    if fact in FREE_TEXT:
        return wanted.lower() in value.lower()
    return value.lower() == wanted.strip().lower()


def rows_as_csv(rows: list[FactRow]) -> str:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(COLUMNS)
    for r in rows:
        writer.writerow([r.source, r.council or "", r.fact, r.value, r.page or "", r.quote])
    return out.getvalue()


def rows_as_text(rows: list[FactRow]) -> str:
    if not rows:
        return "No facts match."
    lines = []
    for r in rows:
        page = f", p. {r.page}" if r.page else ""
        lines.append(f"{r.council or '?'}  {r.date or 'undated'}  {r.fact}: {r.value}\n"
                     f"    \u201c{r.quote}\u201d \u2014 {r.source}{page}")
    return "\n".join(lines)
