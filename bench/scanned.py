"""Scanned documents and the page view, measured (docs/quality.md "Scanned documents", docs/scale.md "The page
view"):

- OCR on ../shared/scanned: the word error rate of the recognised text against the truth text its README
  names (word-level edit distance over the truth's words, case and punctuation aside), both of the raw text
  layer OCRmyPDF lays over the scan and of the text reviewbot indexes from it (running headers and footers
  dropped, as from any PDF); beside it the same measure of the original PDF's own text layer, the floor; and
  the seconds of OCR per page.
- Questions whose answers are in those documents, asked of an index holding only the scans: answered, cited
  to the scan, every quote found in the recognised text.
- The page view: a cited page of a report opened over HTTP, cold and warm (median of 20).

    python bench/scanned.py [--national FOLDER_OF_REPORTS]
    python bench/scanned.py --index DATA_DIR     # the page view alone, on an index already built
"""
from __future__ import annotations

import argparse
import re
import statistics
import sys
import tempfile
import threading
import time
import unicodedata
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from rapidfuzz.distance import Levenshtein  # noqa: E402

SHARED = ROOT.parent / "shared"
SCANS = {
    "worcestershire-2015-staff-letter-scanned.pdf": ("worcestershire-2015/worcestershire-2015-staff-letter.pdf",
                                                    "worcestershire-2015-staff-letter.txt"),
    "windsor-maidenhead-2016-briefing-note-scanned.pdf": (
        "windsor-maidenhead-2016/windsor-maidenhead-2016-briefing-note.pdf", "windsor-maidenhead-2016-briefing-note.txt"),
}
# Questions whose answers are in the scanned documents, and words the cited quote must hold.
QUESTIONS = [
    ("What did the peer review say about the workforce in Worcestershire?", "committed workforce"),
    ("What did Worcestershire's staff letter say about the Family Front Door?", "Family Front Door"),
    ("What did the staff letter say about the Worcestershire Safeguarding Children Board?", "WSCB"),
    ("Who signed the Worcestershire staff letter?", "Gail Quinton"),
    ("What was the outcome of the Windsor and Maidenhead safeguarding peer review?", "peer review"),
    ("What did the Windsor and Maidenhead briefing note say about early help?", "early help"),
]


def words(text: str) -> list[str]:
    text = unicodedata.normalize("NFKC", text).lower().replace("\u2019", "'")
    text = re.sub(r"-\s*\n\s*", "", text)
    return re.findall(r"[a-z0-9]+(?:'[a-z]+)?", text)


def wer(text: str, truth: str) -> float:
    have, want = words(text), words(truth)
    return Levenshtein.distance(want, have) / len(want)


def pdf_text(path: Path) -> str:
    from pypdf import PdfReader

    return "\n".join(page.extract_text() or "" for page in PdfReader(path).pages)


def measure_ocr(work: Path) -> list[str]:
    from ingest.ocr import recognised_copy
    from ingest.parse import read_document

    rows = ["| scan | pages | OCR s/page | WER, recognised layer | WER, indexed text | WER, original PDF's layer |",
            "|---|---|---|---|---|---|"]
    for scan, (original, truth_name) in SCANS.items():
        path = SHARED / "scanned" / scan
        truth = (SHARED / "corpus-text" / truth_name).read_text(encoding="utf-8")
        from pypdf import PdfReader

        pages = len(PdfReader(path).pages)
        started = time.perf_counter()
        copy = recognised_copy(path, list(range(1, pages + 1)), work / "ocr")
        seconds = time.perf_counter() - started
        document = read_document(path, scan, work / "ocr")  # the copy is made: this reads it
        indexed = "\n".join(block.text for block in document.blocks)
        rows.append(f"| {scan} | {pages} | {seconds / pages:.1f} | {wer(pdf_text(copy), truth):.2%} | "
                    f"{wer(indexed, truth):.2%} | {wer(pdf_text(SHARED / 'corpus' / original), truth):.2%} |")
    return rows


def measure_questions(work: Path) -> list[str]:
    from bot.core.service import ReviewBot, keyword_dir, open_store
    from bot.evaluate import _norm, original_text, text_file
    from bot.settings import Settings
    from ingest.pipeline import ingest

    settings = Settings.from_env(env_file=None).with_changes(data_dir=work / "data", chroma_host=None)
    store = open_store(settings)
    ingest([SHARED / "scanned"], store, store.embedder, keyword_dir(settings, store))
    bot = ReviewBot(settings)
    texts = {r.source: _norm(original_text(text_file(r))) for r in store.manifest().values()}
    rows = ["| question | answered from the scan | quote in the recognised text | holds |", "|---|---|---|---|"]
    for question, expected in QUESTIONS:
        answer = bot.ask(question)
        cited = [c for c in answer.citations if c.source in SCANS]
        found = bool(cited) and all(_norm(c.quote) in texts[c.source] for c in answer.citations)
        holds = any(expected.lower() in c.quote.lower() for c in cited)
        rows.append(f"| {question} | {'yes' if cited and not answer.abstained else 'NO'} | "
                    f"{'yes' if found else 'NO'} | {'yes' if holds else 'no'}: {expected} |")
    return rows


def measure_page_view(work: Path, folder: Path | None, index: Path | None = None) -> list[str]:
    import httpx

    from bot.core.service import keyword_dir, open_store
    from bot.links import LinkSigner
    from bot.pages.serve import page_server
    from bot.pages.views import PageViews
    from bot.settings import Settings
    from index.text import split_sentences
    from ingest.pipeline import ingest

    settings = Settings.from_env(env_file=None).with_changes(data_dir=index or work / "pages", chroma_host=None)
    store = open_store(settings)
    if index is None:
        reports = sorted((folder or SHARED / "corpus" / "ofsted").rglob("*.pdf"))[:3]
        ingest(reports, store, store.embedder, keyword_dir(settings, store))
    # Three PDFs spread over the index (all three when it holds only them).
    records = sorted((r for r in store.manifest().values() if r.source.lower().endswith(".pdf")),
                     key=lambda r: r.source)
    records = records[::max(1, len(records) // 3)][:3]
    signer = LinkSigner("x" * 40, "http://127.0.0.1:8781", 1)
    server = page_server(PageViews(store, signer), 8781, host="127.0.0.1")
    threading.Thread(target=server.run, daemon=True).start()
    rows = ["| report page | cold ms | warm ms (median of 20) | page bytes |", "|---|---|---|---|"]
    try:
        for record in records:
            chunk = next(c for c in store.document_chunks(record) if c.page and c.page > 2)
            quote = max(split_sentences(chunk.text.replace("\u2022 ", "")), key=len)
            link = signer.url("page", record.source, chunk.page, record.collection, quote)
            started = time.perf_counter()
            first = httpx.get(link, timeout=60)
            cold = time.perf_counter() - started
            warm = []
            for _ in range(20):
                started = time.perf_counter()
                httpx.get(link, timeout=60)
                warm.append(time.perf_counter() - started)
            assert first.status_code == 200 and 'class="highlight"' in first.text
            rows.append(f"| {record.source} p. {chunk.page} | {cold * 1000:.0f} | "
                        f"{statistics.median(warm) * 1000:.0f} | {len(first.content):,} |")
    finally:
        server.close()
    return rows


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--national", type=Path, help="a folder of national reports for the page view")
    parser.add_argument("--index", type=Path, help="open pages of this data folder's index (the national one, "
                        "say) instead of indexing three reports; measures the page view only")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        work = Path(folder)
        page_view = lambda w: measure_page_view(w, args.national, args.index)  # noqa: E731
        for measure in ((page_view,) if args.index else (measure_ocr, measure_questions, page_view)):
            print("\n".join(measure(work)) + "\n", flush=True)


if __name__ == "__main__":
    main()
