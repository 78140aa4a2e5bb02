"""Reading every supported format, and cleaning what earlier conversions left behind."""
from __future__ import annotations

import pytest

from index.records import SECTION_SEPARATOR
from index.text import split_sentences
from ingest.clean import join_wrapped
from ingest.loaders import UnreadableFile, load
from ingest.parse import read_document

from .conftest import CORPUS, EXAMPLES, SHARED


def blocks_text(document):
    return [b.text for b in document.blocks]


@pytest.mark.shared
def test_pdf_keeps_pages_and_drops_running_headers():
    path = CORPUS / "ofsted/ofsted_worcestershire_14-july-2023.pdf"
    document = read_document(path, path.name)
    assert document.pages == 12
    pages = {b.page for b in document.blocks}
    assert pages >= set(range(1, 12))
    # The running header 'Inspection of ... 15 to 26 May 2023 <page>' is on every page but the first.
    assert not any(t.startswith("15 to 26 May 2023") for t in blocks_text(document))
    assert sum("Inspection of Worcestershire local authority" in t for t in blocks_text(document)) <= 1
    lead = next(b for b in document.blocks if b.text.startswith("Lead inspector:"))
    assert lead.page == 1 and lead.text == "Lead inspector: Rebecca Quested, His Majesty\u2019s Inspector"


@pytest.mark.shared
def test_pdf_judgement_table_rows_are_records():
    path = CORPUS / "ofsted/ofsted_trafford_08-may-2019.pdf"
    rows = [b.text for b in read_document(path, path.name).blocks if b.kind == "row"]
    assert "Overall effectiveness Inadequate" in rows


@pytest.mark.shared
def test_pdf_sections_follow_headings_and_lead_ins():
    path = CORPUS / "worcestershire-2015/worcestershire-2015-detailed-findings.pdf"
    document = read_document(path, path.name)
    block = next(b for b in document.blocks if "undertake a 'duty' role for a week at a time" in b.text)
    assert block.kind == "bullet"
    assert SECTION_SEPARATOR.join(block.section).endswith(
        "Effective practice, service delivery and the voice of the child" + SECTION_SEPARATOR
        + "Areas for further consideration")
    assert not any("\x7f" in t for t in blocks_text(document))  # bullets normalised


@pytest.mark.shared
def test_docx_headings_bullets_and_metadata():
    path = CORPUS / "worcestershire-2015/worcestershire-2015-scrutiny-panel-report.docx"
    document = read_document(path, "worcestershire-2015-scrutiny-panel-report.docx")
    bullets = [b.text for b in document.blocks if b.kind == "bullet"]
    assert "A 'back to basics' Safeguarding Improvement Plan" in bullets
    headings = [b.text for b in document.blocks if b.kind == "heading"]
    assert "Background" in headings
    assert document.doc_type == "scrutiny report"
    assert document.council.lower() == "worcestershire"
    assert 2015 in document.years


@pytest.mark.shared
def test_text_extract_with_stray_markup_is_cleaned():
    path = SHARED / "corpus-text/worcestershire-2015-detailed-findings.txt"
    document = read_document(path, path.name)
    text = "\n".join(blocks_text(document))
    assert "<ul" not in text and "style=" not in text and "\u2022" not in text
    first = next(b for b in document.blocks if b.text.startswith("Corporate ownership and ambition"))
    assert first.kind == "bullet"
    assert first.section[-1] == "Strengths"


@pytest.mark.shared
def test_metadata_from_file_name_and_text():
    path = CORPUS / "ofsted/ofsted_worcestershire_29-july-2019.pdf"
    document = read_document(path, path.name)
    assert (document.council, document.date, document.doc_type) == ("Worcestershire", "2019-07-29", "inspection report")
    path = CORPUS / "windsor-maidenhead-2016/windsor-maidenhead-2016-briefing-note.pdf"
    document = read_document(path, path.name)
    assert document.doc_type == "briefing note"
    assert document.date == "2017-01-03"
    assert 2016 in document.years


def test_markdown_and_html_examples():
    md = read_document(EXAMPLES / "northbridge-2024-peer-review-findings.md", "findings.md")
    bullet = next(b for b in md.blocks if b.text.startswith("Caseloads in the assessment teams"))
    assert bullet.section[-2:] == ("Effective practice and the voice of the child", "Areas for further consideration")
    html = read_document(EXAMPLES / "northbridge-2024-scrutiny-briefing.html", "briefing.html")
    assert html.title.startswith("Northbridge Children's Scrutiny Panel")
    rows = [b.text for b in html.blocks if b.kind == "row"]
    assert "Priority: Caseloads; Owner: Head of Assessment; Due: September 2024" in rows
    assert html.doc_type == "briefing note"


def test_xlsx_rows_keep_header_names(tmp_path):
    import openpyxl

    book = openpyxl.Workbook()
    sheet = book.active
    sheet.title = "Actions"
    sheet.append(["Action", "Owner", "RAG"])
    sheet.append(["Reduce caseloads to 20", "Head of Assessment", "Amber"])
    sheet.append(["Audit supervision records", "Principal Social Worker", "Green"])
    path = tmp_path / "northbridge-improvement-plan-2024.xlsx"
    book.save(path)
    document = read_document(path, path.name)
    rows = [b for b in document.blocks if b.kind == "row"]
    assert [r.text for r in rows] == [
        "Action: Reduce caseloads to 20; Owner: Head of Assessment; RAG: Amber",
        "Action: Audit supervision records; Owner: Principal Social Worker; RAG: Green",
    ]
    assert rows[0].section == ("Actions",)
    assert document.doc_type == "improvement plan"


def test_hyphenated_words_are_joined_but_compounds_keep_their_hyphen():
    vocabulary = {"organisation", "multi-agency"}
    assert join_wrapped("a learning organisa-", "tion that", vocabulary) == "a learning organisation that"
    assert join_wrapped("strong multi-", "agency work", vocabulary) == "strong multi-agency work"
    assert join_wrapped("the end of a", "line", vocabulary) == "the end of a line"


def test_sentences_respect_abbreviations():
    text = "Some services work well e.g. the POD in schools. Caseloads of between 25-30 cases were reported."
    assert split_sentences(text) == [
        "Some services work well e.g. the POD in schools.", "Caseloads of between 25-30 cases were reported."]


@pytest.mark.parametrize("name, content, reason", [
    ("empty.pdf", b"", "empty file"),
    ("page.pdf", b"<!DOCTYPE html><html><body>Not found</body></html>", "HTML page"),
    ("notes.rtf", b"{\\rtf1 hello}", "unsupported file type"),
])
def test_unreadable_files_say_why(tmp_path, name, content, reason):
    path = tmp_path / name
    path.write_bytes(content)
    with pytest.raises(UnreadableFile, match=reason):
        load(path)
