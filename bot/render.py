"""Plain-text views of answers and of the index, for the terminal."""
from __future__ import annotations

from ingest.store import DocumentRecord

from .answer import Answer, Citation
from .settings import Settings

# What a chat user is told when the search itself fails; the error goes to the log.
FAILED = ("Sorry \u2014 I couldn't search the documents just now. The problem has been logged; "
          "please try again in a few minutes.")


def reference(citation: Citation) -> str:
    """A ready-to-paste reference: title, page, section, council, date."""
    parts = [citation.title]
    if citation.page:
        parts.append(f"p. {citation.page}")
    if citation.section:
        parts.append(citation.section)
    parts.extend(p for p in (citation.council, citation.date) if p)
    return ", ".join(parts) + f" ({citation.source})"


def answer_as_text(answer: Answer) -> str:
    lines = [answer.answer]
    if answer.citations:
        lines.append("")
        lines.append("Sources:")
        lines.extend(f"[{c.n}] {reference(c)}" for c in answer.citations)
    return "\n".join(lines)


def status_table(settings: Settings, manifest: dict[str, DocumentRecord]) -> str:
    where = f"Chroma server {settings.chroma_host}:{settings.chroma_port}" if settings.chroma_host \
        else f"{settings.data_dir.resolve()}"
    records = sorted(manifest.values(), key=lambda r: r.source)
    lines = [f"Index: {where}", f"Documents: {len(records)}, chunks: {sum(r.chunks for r in records)}"]
    if records:
        lines.append(f"Last indexed: {max(r.indexed_at for r in records)}")
    for r in records:
        lines.append(f"  {r.source}  [{r.doc_type}; {r.council or 'council unknown'}; {r.date or 'undated'}; "
                     f"{r.chunks} chunks; collection {r.collection}]")
    return "\n".join(lines)
