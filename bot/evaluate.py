"""`reviewbot eval`: answer a question set and score it as ../shared/eval/score.py does."""
from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from pathlib import Path

from index.records import DocumentRecord
from index.text import normalise


def _norm(text: str) -> str:
    # The scorer also drops stray HTML tags before comparing.
    return normalise(re.sub(r"<[^>]+>", " ", normalise(text)))


def _stem(source) -> str:
    name = Path(str(source or "")).name
    return name.rsplit(".", 1)[0] if "." in name else name


def _hits(passage: dict, expected: list[dict]) -> bool:
    return any(_stem(passage.get("source")) == e["doc"] and _norm(e["quote"]) in _norm(passage.get(field))
               for e in expected for field in ("text", "quote") if passage.get(field))


def text_file(record: DocumentRecord) -> Path:
    """The file a document's quotes are checked against (DocumentRecord.text_path)."""
    return record.text_path


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


@dataclass
class _Tally:
    """What the scorer counts, question by question."""

    k: int
    ranks: list[float] = field(default_factory=list)  # reciprocal rank of each answerable question
    found: int = 0  # answerable questions with an expected passage in the first k
    cited: int = 0
    false_abstentions: int = 0
    unanswerable: int = 0
    right_abstentions: int = 0
    # ALCE-style: is each sentence backed by a citation, and does each citation back its sentence (judged in
    # code by quote containment and word overlap, see bot/core/generate.py).
    sentences: int = 0
    sentences_backed: int = 0
    sentence_citations: int = 0
    citations_backing: int = 0
    quotes: int = 0
    quotes_verbatim: int = 0
    # Questions that ask for several findings ("min_points"), and those whose answer cites enough of them.
    point_questions: int = 0
    points_covered: int = 0
    latencies: list[float] = field(default_factory=list)

    def add(self, question: dict, answer: dict, quote_in_source) -> tuple:
        """Count one answer; its row in the listing."""
        abstained = bool(answer.get("abstained"))
        citations = answer.get("citations") or []
        self.latencies.append(float(answer["timings_ms"]["total"]))
        if not abstained:
            for sentence in answer.get("sentences") or []:
                self.sentences += 1
                self.sentences_backed += bool(sentence.get("supported"))
                self.sentence_citations += len(sentence.get("citations") or [])
                self.citations_backing += len(sentence.get("supported") or [])
        for citation in citations:
            verdict = quote_in_source(citation)
            if verdict is not None:
                self.quotes += 1
                self.quotes_verbatim += verdict
        if not question.get("answerable", True):
            self.unanswerable += 1
            self.right_abstentions += abstained
            return question["id"], "", "", "abstained" if abstained else "ANSWERED", "ok" if abstained else "MISS"
        retrieved = (answer.get("retrieved") or [])[:self.k]
        rank = next((i for i, p in enumerate(retrieved, 1) if _hits(p, question["expected"])), None)
        self.ranks.append(1 / rank if rank else 0.0)
        self.found += rank is not None
        was_cited = any(_hits({"source": c.get("source"), "quote": c.get("quote")}, question["expected"])
                        for c in citations)
        self.cited += was_cited
        self.false_abstentions += abstained
        if question.get("min_points"):
            points = {e["quote"] for e in question["expected"] for c in citations
                      if _hits({"source": c.get("source"), "quote": c.get("quote")}, [e])}
            self.point_questions += 1
            self.points_covered += len(points) >= question["min_points"]
        verdict = "ok" if rank and was_cited and not abstained else "MISS"
        return (question["id"], rank or "-", "cited" if was_cited else "uncited", "abstained" if abstained else "",
                verdict)

    def summary(self, questions: int, mode: str | None) -> dict:
        n, latencies = len(self.ranks), sorted(self.latencies)

        def share(part: int, whole: int) -> float | None:
            return round(part / whole, 3) if whole else None

        return {
            "questions": questions,
            "answerable": n,
            f"recall_at_{self.k}": share(self.found, n),
            "mrr": round(sum(self.ranks) / n, 3) if n else None,
            "cited": share(self.cited, n),
            "false_abstain": share(self.false_abstentions, n),
            "unanswerable": self.unanswerable,
            "abstain_correct": share(self.right_abstentions, self.unanswerable),
            # Of the answers that said "the documents don't say", how many were right to; and of the questions
            # the documents can't answer, how many got that answer.
            "abstain_precision": share(self.right_abstentions, self.right_abstentions + self.false_abstentions),
            "abstain_recall": share(self.right_abstentions, self.unanswerable),
            "quote_fidelity": share(self.quotes_verbatim, self.quotes),
            "points": share(self.points_covered, self.point_questions),
            "quotes_checked": self.quotes,
            "citation_recall": share(self.sentences_backed, self.sentences),
            "citation_precision": share(self.citations_backing, self.sentence_citations),
            "mode": mode,
            "p50_ms": latencies[len(latencies) // 2] if latencies else None,
            "p95_ms": latencies[min(len(latencies) - 1, int(len(latencies) * 0.95))] if latencies else None,
        }


def run_eval(bot, questions_path: Path, k: int = 5, answers_out: Path | None = None):
    """Each question's row, then the summary as one JSON line."""
    questions = [json.loads(line) for line in questions_path.read_text(encoding="utf-8").splitlines() if line.strip()]
    answers = [bot.ask(q["question"]).to_dict() for q in questions]
    if answers_out:
        answers_out.write_text("".join(json.dumps(a, ensure_ascii=False) + "\n" for a in answers), encoding="utf-8")
    # By the source's path, not only its file name as the scorer has it: a national collection names
    # hundreds of files alike ("children's services inspection - 13 january 2023.pdf"). Only the documents
    # cited are read: reading all of 500 reports would take minutes.
    paths = {record.source: text_file(record) for record in bot.store.manifest().values()}
    texts: dict[str, str] = {}

    def quote_in_source(citation: dict) -> bool | None:
        """Whether a citation's quote is in its source word for word; None when it can't be looked up."""
        source = citation.get("source")
        if not citation.get("quote") or source not in paths:
            return None
        if source not in texts:
            try:
                texts[source] = _norm(original_text(paths[source]))
            except Exception:  # a document no plain reader opens counts as not holding it, as the scorer does
                texts[source] = ""
        text = texts[source]
        return bool(text) and all(_norm(p) in text for p in _quote_parts(citation["quote"]) or [citation["quote"]])

    tally = _Tally(k)
    rows = [tally.add(q, a, quote_in_source) for q, a in zip(questions, answers)]
    for row in rows:
        yield "  ".join(str(x) for x in row)
    yield json.dumps(tally.summary(len(questions), answers[0].get("mode") if answers else None))
