"""Scanned documents read by OCR, as a user ingests and asks them: ../shared/scanned holds image-only scans of
corpus documents. Their pages are read by Tesseract (through OCRmyPDF) with their numbers kept, their chunks
say they come from OCR, and a question whose answer is in the original is answered and cited from the scan,
its quote found in the recognised text. Without Tesseract, ingest says so once and reports them as before."""
from __future__ import annotations

import json
import shutil

import pytest

from bot.core.service import ReviewBot, keyword_dir, open_store
from bot.evaluate import _norm, original_text, text_file
from bot.pages.pdf import pdf_view
from index import tuning
from ingest.ocr import NOT_INSTALLED, OcrFailed, missing_tools, recognised_copy
from ingest.pipeline import ingest

from .conftest import SHARED, run_cli, settings_for

SCANNED = SHARED / "scanned"
LETTER = "worcestershire-2015-staff-letter-scanned.pdf"
pytestmark = [pytest.mark.shared,
              pytest.mark.skipif(bool(missing_tools()), reason="Tesseract and OCRmyPDF are not installed")]


@pytest.fixture(scope="module")
def scanned(tmp_path_factory):
    root = tmp_path_factory.mktemp("scanned")
    folder = root / "scans"
    folder.mkdir()
    (folder / LETTER).symlink_to(SCANNED / LETTER)
    settings = settings_for(root / "data")
    store = open_store(settings)
    report = ingest([folder], store, store.embedder, keyword_dir(settings, store))
    assert not report.failed, report.failed
    return settings, store


def test_a_scan_is_read_by_ocr_with_its_pages(scanned):
    settings, store = scanned
    [record] = store.manifest().values()
    assert record.ocr_pages == (1, 2) and record.council == "Worcestershire"
    assert record.ocr_copy and record.ocr_copy.startswith(str(settings.data_dir / "ocr"))
    chunks = store.document_chunks(record)
    assert chunks and all(c.ocr for c in chunks) and {c.page for c in chunks} == {1, 2}
    # Tesseract's bullets ('+') are bullets, and the letter's headings are its sections.
    assert any("\n\u2022 We have a committed workforce" in c.text for c in chunks)
    assert any(c.section.endswith("Key areas for consideration") for c in chunks)


def test_a_question_is_answered_and_cited_from_the_scan(scanned):
    settings, store = scanned
    bot = ReviewBot(settings)
    answer = bot.ask("What did the peer review say about the workforce in Worcestershire?")
    assert not answer.abstained
    citation = answer.citations[0]
    assert citation.source == LETTER and citation.ocr and citation.page == 1
    assert "committed workforce" in citation.quote and "(read by OCR)" in citation.details()
    # The quote is checked against the text OCR recognised, as `reviewbot eval` checks it.
    [record] = store.manifest().values()
    assert _norm(citation.quote) in _norm(original_text(text_file(record)))
    # And the page view finds its words on the scan's page.
    view = pdf_view(text_file(record), citation.page, citation.quote)
    assert view.found and view.pages[0].highlights


def test_a_scan_is_recognised_once_however_often_it_is_ingested(scanned, tmp_path):
    settings, store = scanned
    [record] = store.manifest().values()
    copy = recognised_copy(SCANNED / LETTER, [1, 2], settings.data_dir / "ocr")
    assert str(copy) == record.ocr_copy  # found by the file's sha256, not made again


def test_ocr_seconds_per_page_bound_how_long_a_scan_may_take(monkeypatch, tmp_path):
    monkeypatch.setattr(tuning, "OCR_SECONDS_PER_PAGE", -29.9)  # 30 s a file less 29.9 s a page: 0.1 s
    with pytest.raises(OcrFailed, match="longer than"):
        recognised_copy(SCANNED / LETTER, [1], tmp_path)
    assert not list(tmp_path.iterdir())  # nothing half made is left


def test_without_tesseract_ingest_says_so_once_and_reports_the_scans_as_before(tmp_path):
    folder = tmp_path / "scans"
    folder.mkdir()
    for scan in SCANNED.glob("*.pdf"):
        (folder / scan.name).symlink_to(scan)
    # A PATH with Python but neither tool on it.
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    (bin_dir / "python3").symlink_to(shutil.which("python3"))
    result = run_cli(["ingest", str(folder)], {"REVIEWBOT_DATA_DIR": str(tmp_path / "data"), "PATH": str(bin_dir)})
    assert result.returncode == 2
    assert result.stdout.count("needs OCR") == 2
    assert result.stderr.count(NOT_INSTALLED) == 1
    status = run_cli(["status", "--json"], {"REVIEWBOT_DATA_DIR": str(tmp_path / "data")})
    assert json.loads(status.stdout)["documents"] == 0
