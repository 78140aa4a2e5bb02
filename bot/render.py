"""Plain-text views of answers and of the index, for the terminal."""
from __future__ import annotations

from .core.types import Answer
from .status import IndexStatus


def answer_as_text(answer: Answer) -> str:
    lines = [answer.answer]
    if answer.citations:
        lines.append("")
        lines.append("Sources:")
        # Rows read from the facts show the line each was read from; quotes are in the answer itself otherwise.
        lines.extend(f"[{c.n}] {c.reference()}" + (f" \u2014 \u201c{c.quote}\u201d" if answer.mode == "facts" else "")
                     for c in answer.citations)
    return "\n".join(lines)


def status_text(status: IndexStatus) -> str:
    lines = [f"Store: {status.store}", f"Model: {status.model}", f"Answers: {status.answers}",
             f"Documents: {status.documents}, pages: {status.pages}, chunks: {status.chunks}",
             f"Last ingest: {status.last_ingest or 'never'}", f"Keyword index: {status.keyword_index}"]
    if status.chunks_in_store != status.chunks:
        lines.append(f"Chunks in the store: {status.chunks_in_store} (an ingest is running, or the next one "
                     "tidies up after one that was stopped)")
    if status.collections:
        lines.append("Collections: " + ", ".join(f"{name} ({n})" for name, n in sorted(status.collections.items())))
    for r in status.records:
        lines.append(f"  {r.source}  [{r.doc_type}; {r.council or 'council unknown'}; {r.date or 'undated'}; "
                     f"{r.chunks} chunks; collection {r.collection}]")
    return "\n".join(lines)
