"""Example questions drawn from what is indexed: the newest documents of different councils, each asked the
kind of question its kind of document answers. Shown where a new user needs a start (a new assistant thread,
the Home tab, a Teams welcome)."""
from __future__ import annotations

from typing import Iterable

from index.records import DocumentRecord
from index.vocabulary import INSPECTION_KINDS

# Used when nothing is indexed yet, or too little to fill the list.
GENERAL = ["What did the peer review say about caseloads?", "What were the priorities after the review?",
           "What did the latest inspection say about care leavers?"]


def example_question(record: DocumentRecord) -> str:
    year = record.date[:4] if record.date else ""
    council = record.council or ""
    if record.doc_type in INSPECTION_KINDS:
        return f"What was {council}'s overall effectiveness judgement in {year}?" if year else \
            f"What was {council}'s latest overall effectiveness judgement?"
    if record.doc_type.startswith("peer review"):
        return f"What did the {year} peer review of {council} recommend?".replace("  ", " ")
    if record.doc_type == "improvement plan":
        return f"What are the priorities of {council}'s improvement plan?"
    return f"What are the main points of the {record.title}?"


def example_questions(records: Iterable[DocumentRecord], n: int = 4) -> list[str]:
    """Up to `n` questions, one per council, newest documents first; general ones fill the rest."""
    questions: list[str] = []
    councils: set[str] = set()
    for record in sorted(records, key=lambda r: r.date or "", reverse=True):
        if not record.council or record.council in councils:
            continue
        councils.add(record.council)
        questions.append(example_question(record))
        if len(questions) == n:
            return questions
    return questions + [q for q in GENERAL if q not in questions][: n - len(questions)]
