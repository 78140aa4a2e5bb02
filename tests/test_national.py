"""Steering in a national collection: a question reaches the council it names and no council whose name holds
or is held in it; 'latest' and a month pick the report; a council with no report, or a file that only lists
sources, is never quoted as evidence; and the saved keyword index is what a bot opens."""
from __future__ import annotations

import shutil

import numpy as np
import pytest

from bot.core.service import ReviewBot, keyword_dir, open_store
from index.keyword import KeywordIndex
from ingest.pipeline import ingest

from .conftest import CORPUS, settings_for

# (folder, publication date, inspection dates, care leavers' personal advisers' caseload): the same report
# for every council but for the number, so only steering can tell them apart.
REPORTS = [
    ("00101_leicester", "10 may 2019", "4 March 2019 to 8 March 2019", 31),
    ("00101_leicester", "12 october 2023", "4 September 2023 to 15 September 2023", 18),
    ("00102_leicestershire", "20 june 2022", "9 May 2022 to 20 May 2022", 22),
    ("00103_somerset", "3 march 2023", "16 January 2023 to 27 January 2023", 27),
    ("00104_north somerset", "5 april 2024", "12 February 2024 to 23 February 2024", 16),
    ("00105_york", "1 july 2022", "16 May 2022 to 27 May 2022", 24),
    ("00106_north yorkshire", "9 august 2024", "10 June 2024 to 21 June 2024", 19),
    ("00107_bedford", "2 february 2024", "4 December 2023 to 15 December 2023", 26),
    ("00108_central bedfordshire", "8 november 2023", "18 September 2023 to 29 September 2023", 21),
]


def report_text(council: str, dates: str, caseload: int) -> str:
    return f"""# Inspection of {council} local authority children's services

Inspection dates: {dates}

Lead inspector: Pat Example, His Majesty's Inspector

## The experiences and progress of care leavers

Personal advisers in {council} each support about {caseload} care leavers, and most young people know them well.

## Help and protection

Strategy meetings are held promptly when children are at risk of significant harm.
"""


@pytest.fixture(scope="module")
def national(tmp_path_factory):
    root = tmp_path_factory.mktemp("national")
    reports = root / "reports"
    for folder, published, dates, caseload in REPORTS:
        council = folder.split("_", 1)[1].title().replace("Of", "of")
        target = reports / folder / f"children's services inspection - {published}.md"
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(report_text(council, dates, caseload))
    real = reports / "80466_trafford" / "children's services inspection - 08 may 2019.pdf"
    real.parent.mkdir(parents=True)
    shutil.copy(CORPUS / "ofsted" / "ofsted_trafford_08-may-2019.pdf", real)
    # The same report as a council keeps it in its own library.
    (reports / "council-library").mkdir()
    shutil.copy(CORPUS / "ofsted" / "ofsted_trafford_08-may-2019.pdf", reports / "council-library")
    (reports / "SOURCES.md").write_text("# Sources\n\nReports downloaded by the zebrafinch scraper from the "
                                        "inspection collection, one folder per council.\n")
    settings = settings_for(root / "data")
    store = open_store(settings)
    report = ingest([reports], store, store.embedder, keyword_dir(settings, store))
    assert not report.failed, report.failed
    return ReviewBot(settings)


def cited_councils(answer) -> set[str]:
    return {c.council for c in answer.citations}


@pytest.mark.shared
@pytest.mark.parametrize("council, other, caseload", [
    ("Leicestershire", "Leicester", 22),
    ("Somerset", "North Somerset", 27),
    ("North Somerset", "Somerset", 16),
    ("York", "North Yorkshire", 24),
    ("North Yorkshire", "York", 19),
    ("Bedford", "Central Bedfordshire", 26),
    ("Central Bedfordshire", "Bedford", 21),
])
def test_a_named_council_never_bleeds_into_names_that_hold_it(national, council, other, caseload):
    answer = national.ask(f"How many care leavers does each personal adviser support in {council}?")
    assert cited_councils(answer) == {council}
    assert all(r["council"] == council for r in answer.to_dict()["retrieved"])
    assert f"about {caseload} care leavers" in answer.citations[0].quote


@pytest.mark.shared
def test_latest_and_month_pick_the_report(national):
    latest = national.ask("What did the latest inspection of Leicester say about personal advisers?")
    assert latest.citations[0].date == "2023-10-12"
    last = national.ask("In Leicester's last inspection, how many care leavers did personal advisers support?")
    assert last.citations[0].date == "2023-10-12"
    march = national.ask("What did the March 2019 inspection of Leicester say about personal advisers?")
    assert march.citations[0].date == "2019-05-10"
    published = national.ask("What did the report published in May 2019 say about Leicester's personal advisers?")
    assert published.citations[0].date == "2019-05-10"


@pytest.mark.shared
def test_a_council_with_no_report_is_said_so(national):
    answer = national.ask("How many care leavers does each personal adviser support in Rutland?")
    assert answer.abstained and not answer.citations
    assert "Rutland" in answer.answer


@pytest.mark.shared
def test_a_list_of_sources_is_no_evidence_unless_asked_about(national):
    assert not any(c.source.endswith("SOURCES.md")
                   for c in national.ask("Which scraper downloaded the inspection reports?").citations)
    about = national.ask("Where do the sources come from: which scraper downloaded them?")
    assert any(c.source.endswith("SOURCES.md") for c in about.citations)


@pytest.mark.shared
def test_real_report_in_the_national_layout_is_reached_by_its_council(national):
    answer = national.ask("What was Trafford's overall effectiveness judgement in the March 2019 inspection?")
    assert cited_councils(answer) == {"Trafford"}
    assert any("Inadequate" in c.quote for c in answer.citations)
    # The same file in two places is one document, cited under both names.
    cited = {(c.source, c.quote) for c in answer.citations}
    for source, quote in list(cited):
        twin = ("council-library/ofsted_trafford_08-may-2019.pdf" if source.startswith("80466_trafford")
                else "80466_trafford/children's services inspection - 08 may 2019.pdf")
        assert (twin, quote) in cited


@pytest.mark.shared
def test_a_bot_opens_the_saved_keyword_index_memory_mapped(national):
    folder = keyword_dir(national.settings, national.store)
    saved = KeywordIndex.load(folder)
    assert saved is not None and saved.stamp == national.keyword.stamp
    assert isinstance(saved.bm25.scores["data"], np.memmap)
    again = ReviewBot(national.settings)
    assert isinstance(again.keyword.bm25.scores["data"], np.memmap)
    question = "How many care leavers does each personal adviser support in Somerset?"
    built = KeywordIndex.build(again.keyword.chunks, again.keyword.stamp)
    assert np.allclose(built.scores(question), again.keyword.scores(question))
    assert again.ask(question).citations[0].quote == national.ask(question).citations[0].quote
