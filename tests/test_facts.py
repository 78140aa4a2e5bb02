"""Facts read from inspection reports: real reports of each layout, checked by hand against the PDFs, and
generated ones for the edge cases; stored with their document, replaced and removed with it; `reviewbot facts`."""
from __future__ import annotations

import csv
import io
import shutil

import pytest

from ingest.document import Block, Document
from ingest.facts import extract_facts
from ingest.parse import read_document
from ingest.text import is_verbatim

from .conftest import CORPUS, run_cli

OFSTED = CORPUS / "ofsted"
needs_corpus = pytest.mark.skipif(not OFSTED.is_dir(), reason="../shared/corpus is not here")


def facts_of(name: str) -> dict[str, list]:
    document = read_document(OFSTED / name, name)
    found: dict[str, list] = {}
    for fact in extract_facts(document):
        found.setdefault(fact.fact, []).append(fact)
        # Every fact is the report's own words: its quote is in the text, on its page.
        page_text = "\n".join(b.text for b in document.blocks if b.page == fact.page)
        assert is_verbatim(fact.quote, page_text), fact
    return found


def values(found: dict[str, list]) -> dict[str, str]:
    return {name: facts[0].value for name, facts in found.items() if name != "improvement"}


@needs_corpus
def test_a_2018_2025_report():
    found = facts_of("ofsted_trafford_08-may-2019.pdf")
    assert values(found) == {
        "inspection_start": "2019-03-04", "inspection_end": "2019-03-08", "lead_inspector": "Paula Thomson-Jones",
        "kind": "short inspection", "overall_effectiveness": "inadequate", "impact_of_leaders": "inadequate",
        "help_and_protection": "requires improvement", "children_in_care_and_care_leavers": "requires improvement"}
    assert found["overall_effectiveness"][0].quote == "Overall effectiveness Inadequate"
    assert len(found["improvement"]) == 6 and found["improvement"][0].page == 2
    assert found["improvement"][2].value.startswith("The response to all children referred to MARAT")


@needs_corpus
def test_a_single_inspection_framework_report():
    found = facts_of("ofsted_slough_14-february-2014.pdf")
    assert values(found) == {
        "inspection_start": "2013-11-19", "inspection_end": "2013-12-11", "lead_inspector": "Gary Lamb",
        "kind": "standard inspection", "overall_effectiveness": "inadequate", "impact_of_leaders": "inadequate",
        "help_and_protection": "inadequate", "children_in_care": "inadequate", "care_leavers": "inadequate"}
    assert found["lead_inspector"][0].page == 8
    # The local authority's priority actions and areas for improvement, not the safeguarding board's.
    assert len(found["improvement"]) == 21 and all(f.page <= 7 for f in found["improvement"])


@needs_corpus
def test_a_2026_report_has_no_overall_effectiveness():
    found = facts_of("ofsted_north-northamptonshire_07-july-2026.pdf")
    assert values(found) == {
        "inspection_start": "2026-05-11", "inspection_end": "2026-05-22", "lead_inspector": "David Cohen",
        "kind": "standard inspection", "impact_of_leaders": "outstanding", "help_and_protection": "good",
        "children_in_care": "good", "care_leavers": "good"}
    assert [f.value[:40] for f in found["improvement"]] == ["The quality of the support and plans for",
                                                            "Communication of the local offer for car"]


def document(blocks: list[Block], doc_type: str = "inspection report", start=None, end=None) -> Document:
    return Document(source="r.pdf", title="t", council="Northbridge", date="2024-05-01", years=(2024,),
                    doc_type=doc_type, blocks=blocks, pages=3, inspection_start=start, inspection_end=end)


def test_a_row_broken_over_two_lines_is_read_across_the_break():
    found = {f.fact: f for f in extract_facts(document([
        Block("heading", "Children's services in Northbridge require improvement to be good", 1),
        Block("heading", "2. Children looked after and achieving", 1),
        Block("row", "permanence Inadequate", 1),
        Block("row", "2.2 Experiences and progress of care leavers Good", 1)]))}
    assert found["overall_effectiveness"].value == "requires improvement"
    assert found["children_in_care"].quote == "2. Children looked after and achieving permanence Inadequate"
    assert found["children_in_care"].value == "inadequate" and found["care_leavers"].value == "good"


def test_care_leavers_inside_the_combined_judgement_is_not_the_care_leavers_judgement():
    found = {f.fact: f.value for f in extract_facts(document([
        Block("row", "The experiences and progress of children in care and care leavers Good", 1)]))}
    assert found == {"children_in_care_and_care_leavers": "good"}


def test_what_is_not_there_is_missing_never_guessed():
    assert extract_facts(document([Block("paragraph", "Inspectors met staff.", 1)])) == ()
    assert extract_facts(document([Block("row", "Overall effectiveness Good", 1)], doc_type="peer review")) == ()
    # A body paragraph that mentions a grade is not the judgement table; nor a deputy the lead inspector.
    found = extract_facts(document([Block("paragraph", "Deputy lead inspector: Sam Jones", 9),
                                    Block("paragraph", "Leaders want care leavers' services to be good.", 9)]))
    assert found == ()


def test_short_or_standard_comes_from_the_days_on_site():
    """SHORT_INSPECTION_DAYS: an ILACS title doesn't say; one week on site is short, two weeks standard."""
    def kind(start: str, end: str) -> str:
        blocks = [Block("heading", "Inspection of Northbridge local authority children's services", 1),
                  Block("paragraph", "Inspection dates: whenever", 1)]
        return next(f.value for f in extract_facts(document(blocks, start=start, end=end)) if f.fact == "kind")

    assert kind("2024-03-04", "2024-03-08") == "short inspection"
    assert kind("2024-03-04", "2024-03-15") == "standard inspection"


@needs_corpus
def test_facts_are_stored_with_their_document_replaced_and_removed_with_it(tmp_path):
    docs = tmp_path / "docs"
    docs.mkdir()
    shutil.copy(OFSTED / "ofsted_trafford_08-may-2019.pdf", docs / "trafford.pdf")
    env = {"REVIEWBOT_DATA_DIR": str(tmp_path / "data")}
    assert run_cli(["ingest", docs], env).returncode == 0

    listed = run_cli(["facts", "--csv", "--council", "trafford", "--fact", "overall_effectiveness"], env)
    rows = list(csv.DictReader(io.StringIO(listed.stdout)))
    assert rows == [{"source": "trafford.pdf", "council": "Trafford", "fact": "overall_effectiveness",
                     "value": "inadequate", "page": "1", "quote": "Overall effectiveness Inadequate"}]
    grades = run_cli(["facts", "--csv", "--value", "requires improvement", "--since", "2019"], env)
    assert {r["fact"] for r in csv.DictReader(io.StringIO(grades.stdout))} == {
        "help_and_protection", "children_in_care_and_care_leavers"}
    assert "No facts match." in run_cli(["facts", "--since", "2020"], env).stdout
    assert run_cli(["facts", "--fact", "caseloads"], env).returncode == 2
    assert "Paula Thomson-Jones" in run_cli(["facts", "--fact", "lead_inspector"], env).stdout

    # The file replaced by another report: its facts go with the old version.
    shutil.copy(OFSTED / "ofsted_north-northamptonshire_07-july-2026.pdf", docs / "trafford.pdf")
    assert run_cli(["ingest", docs], env).returncode == 0
    leads = run_cli(["facts", "--csv", "--fact", "lead_inspector"], env).stdout
    assert "David Cohen" in leads and "Paula Thomson-Jones" not in leads
    (docs / "trafford.pdf").unlink()
    assert run_cli(["ingest", docs], env).returncode == 0
    assert run_cli(["facts", "--csv"], env).stdout.strip() == "source,council,fact,value,page,quote"
