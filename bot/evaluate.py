"""`reviewbot eval`: answer a question set and score it as ../shared/eval/score.py does."""
from __future__ import annotations

import json
import re
from pathlib import Path

from ingest.text import normalise


def _norm(text: str) -> str:
    # The scorer also drops stray HTML tags before comparing.
    return normalise(re.sub(r"<[^>]+>", " ", normalise(text)))


def _stem(source) -> str:
    name = Path(str(source or "")).name
    return name.rsplit(".", 1)[0] if "." in name else name


def _hits(passage: dict, expected: list[dict]) -> bool:
    return any(_stem(passage.get("source")) == e["doc"] and _norm(e["quote"]) in _norm(passage.get(field))
               for e in expected for field in ("text", "quote") if passage.get(field))


def original_text(path: Path) -> str:
    """A document's text as a plain reader of the format sees it, without any of our cleaning."""
    suffix = path.suffix.lower()
    if suffix == ".pdf":
        from pypdf import PdfReader

        return " ".join(page.extract_text() or "" for page in PdfReader(path).pages)
    if suffix == ".docx":
        import docx

        document = docx.Document(path)
        cells = [c.text for t in document.tables for row in t.rows for c in row.cells]
        return " ".join([p.text for p in document.paragraphs] + cells)
    return path.read_text(encoding="utf-8", errors="replace")


def _quote_parts(quote: str) -> list[str]:
    return [p for p in re.split(r"\.\.\.|\u2026|\[\.\.\.\]", quote) if len(p.split()) >= 3]


def run_eval(bot, questions_path: Path, k: int = 5, answers_out: Path | None = None):
    questions = [json.loads(line) for line in questions_path.read_text(encoding="utf-8").splitlines() if line.strip()]
    answers = [bot.ask(q["question"]).to_dict() for q in questions]
    if answers_out:
        answers_out.write_text("".join(json.dumps(a, ensure_ascii=False) + "\n" for a in answers), encoding="utf-8")
    # By the source's path, not only its file name as the scorer has it: a national collection names
    # hundreds of files alike ("children's services inspection - 13 january 2023.pdf"). Only the documents
    # cited are read: reading all of 500 reports would take minutes.
    paths = {record.source: record.path for record in bot.store.manifest().values()}
    texts: dict[str, str] = {}

    def text_of(source: str) -> str:
        if source not in texts:
            try:
                texts[source] = _norm(original_text(paths[source]))
            except Exception:  # a document no plain reader opens is left out of quote fidelity, as the scorer does
                texts[source] = ""
        return texts[source]

    rows, rr, found, cited, abst_ok, false_abst, unans = [], [], 0, 0, 0, 0, 0
    # ALCE-style: is each sentence backed by a citation, and does each citation back its sentence
    # (judged in code by quote containment and word overlap, see bot/generate.py).
    sentences_total = sentences_backed = citations_total = citations_backing = 0
    quotes_total = quotes_ok = 0
    latencies = []
    for q, a in zip(questions, answers):
        abstained = bool(a.get("abstained"))
        retrieved = (a.get("retrieved") or [])[:k]
        citations = a.get("citations") or []
        latencies.append(float(a["timings_ms"]["total"]))
        if not a.get("abstained"):
            for sentence in a.get("sentences") or []:
                sentences_total += 1
                sentences_backed += bool(sentence.get("supported"))
                citations_total += len(sentence.get("citations") or [])
                citations_backing += len(sentence.get("supported") or [])
        for c in citations:
            if c.get("quote") and c.get("source") in paths:
                quotes_total += 1
                doc = text_of(c["source"])
                if doc and all(_norm(p) in doc for p in _quote_parts(c["quote"]) or [c["quote"]]):
                    quotes_ok += 1
        if q.get("answerable", True):
            rank = next((i for i, p in enumerate(retrieved, 1) if _hits(p, q["expected"])), None)
            rr.append(1 / rank if rank else 0.0)
            found += rank is not None
            was_cited = any(_hits({"source": c.get("source"), "quote": c.get("quote")}, q["expected"])
                            for c in citations)
            cited += was_cited
            false_abst += abstained
            verdict = "ok" if rank and was_cited and not abstained else "MISS"
            rows.append((q["id"], rank or "-", "cited" if was_cited else "uncited",
                         "abstained" if abstained else "", verdict))
        else:
            unans += 1
            abst_ok += abstained
            rows.append((q["id"], "", "", "abstained" if abstained else "ANSWERED", "ok" if abstained else "MISS"))
    for row in rows:
        yield "  ".join(str(x) for x in row)
    n = len(rr)
    latencies.sort()
    yield json.dumps({
        "questions": len(questions),
        "answerable": n,
        f"recall_at_{k}": round(found / n, 3) if n else None,
        "mrr": round(sum(rr) / n, 3) if n else None,
        "cited": round(cited / n, 3) if n else None,
        "false_abstain": round(false_abst / n, 3) if n else None,
        "unanswerable": unans,
        "abstain_correct": round(abst_ok / unans, 3) if unans else None,
        # Of the answers that said "the documents don't say", how many were right to; and of the questions
        # the documents can't answer, how many got that answer.
        "abstain_precision": round(abst_ok / (abst_ok + false_abst), 3) if abst_ok + false_abst else None,
        "abstain_recall": round(abst_ok / unans, 3) if unans else None,
        "quote_fidelity": round(quotes_ok / quotes_total, 3) if quotes_total else None,
        "quotes_checked": quotes_total,
        "citation_recall": round(sentences_backed / sentences_total, 3) if sentences_total else None,
        "citation_precision": round(citations_backing / citations_total, 3) if citations_total else None,
        "mode": answers[0].get("mode") if answers else None,
        "p50_ms": latencies[len(latencies) // 2] if latencies else None,
        "p95_ms": latencies[min(len(latencies) - 1, int(len(latencies) * 0.95))] if latencies else None,
    })
