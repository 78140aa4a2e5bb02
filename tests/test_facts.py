"""Facts read from inspection reports: real reports of each layout, checked by hand against the PDFs, and
generated ones for the edge cases; stored with their document, replaced and removed with it; `reviewbot facts`."""
from __future__ import annotations

import csv
import io
import shutil
from dataclasses import replace

import pytest

from index.text import is_verbatim
from ingest.document import Block, Document
from ingest.facts import extract_facts
from ingest.parse import read_document

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


# Answers from the facts of every report, on hand-built records: councils of the North West and elsewhere.
from bot.core.fact_answers import answer_from_facts  # noqa: E402
from bot.core.routing import fact_question  # noqa: E402
from index import tuning  # noqa: E402
from index.records import DocumentRecord, Fact  # noqa: E402


def report(council: str, end: str, **grades) -> DocumentRecord:
    improvements = grades.pop("improve", ())
    facts = tuple(Fact(name, grade, 1, f"{name.replace('_', ' ').capitalize()} {grade.capitalize()}")
                  for name, grade in grades.items())
    facts += tuple(Fact("improvement", item, 2, item) for item in improvements)
    return DocumentRecord(key=f"{council}-{end}", root="r", source=f"{council.lower()}-{end}.pdf", sha256="x",
                          title=f"Inspection of {council}", council=council, date=end, years=(int(end[:4]),),
                          doc_type="inspection report", topics=(), chunks=1, pages=20, indexed_at="2026-01-01",
                          inspection_end=end, facts=facts)


RECORDS = [
    report("Trafford", "2019-03-08", overall_effectiveness="inadequate", help_and_protection="requires improvement",
           improve=["The quality of social work assessment and plans to ensure that they meet children's needs."]),
    report("Trafford", "2023-05-01", overall_effectiveness="good", help_and_protection="inadequate",
           improve=["The quality of assessments and plans so that they meet children's needs.",
                    "Management oversight of the front door."]),
    report("Wirral", "2024-02-02", overall_effectiveness="outstanding", help_and_protection="inadequate",
           care_leavers="good"),
    report("Bolton", "2023-09-15", overall_effectiveness="outstanding", help_and_protection="good",
           care_leavers="requires improvement"),
    report("Norfolk", "2015-07-30", overall_effectiveness="inadequate"),
    report("Norfolk", "2018-01-19", overall_effectiveness="requires improvement"),
    report("Norfolk", "2023-01-13", overall_effectiveness="good"),
]


def ask_facts(question: str, councils: set[str] = frozenset()):
    asked = fact_question(question, set(councils))
    assert asked is not None, question
    return answer_from_facts(question, asked, RECORDS, [])


def test_which_councils_were_judged_a_grade_since_a_year():
    answer = ask_facts("Which councils were judged inadequate for help and protection since 2023?")
    assert answer.mode == "facts" and not answer.abstained
    assert answer.answer.splitlines()[0] == "2 councils (2 reports; 4 inspection reports since 2023 considered):"
    assert [c.council for c in answer.citations] == ["Trafford", "Wirral"]
    assert answer.citations[0].quote == "Help and protection Inadequate" and answer.citations[0].page == 1


def test_a_councils_judgement_over_time_in_date_order():
    answer = ask_facts("How has Norfolk's overall effectiveness changed since 2015?", {"Norfolk"})
    assert [line.split(": ")[1] for line in answer.answer.splitlines()[1:]] == [
        "inadequate [1]", "requires improvement [2]", "good [3]"]
    assert "3 inspection reports of Norfolk since 2015 considered" in answer.answer


def test_max_rows_is_how_many_rows_a_facts_answer_shows(monkeypatch):
    monkeypatch.setattr(tuning, "MAX_ROWS", 1)
    answer = ask_facts("How has Norfolk's overall effectiveness changed since 2015?", {"Norfolk"})
    assert answer.answer.splitlines()[1:] == ["\u2022 Norfolk, 2015-07-30: inadequate [1]",
                                              "\u2026 and 2 more (`reviewbot facts` lists them all)."]


def test_a_comparison_takes_each_councils_latest_report():
    answer = ask_facts("Compare the care leavers judgements of Wirral and Bolton", {"Wirral", "Bolton"})
    assert answer.answer.splitlines()[1:] == ["\u2022 Bolton, 2023-09-15: requires improvement [1]",
                                              "\u2022 Wirral, 2024-02-02: good [2]"]


def test_a_region_from_the_councils_table():
    answer = ask_facts("How many councils in the North West were judged outstanding overall?")
    # Trafford, Wirral and Bolton are in the North West; Norfolk is not.
    assert answer.answer.startswith("2 councils (2 reports; 3 latest inspection reports of North West considered)")


def test_what_must_improve_and_whether_it_was_said_before():
    """SAID_BEFORE_SHARE: an item with at least this share of its words in an earlier report's item."""
    assert tuning.SAID_BEFORE_SHARE == 0.5
    answer = ask_facts("What must Trafford improve, and was it said before?", {"Trafford"})
    lines = answer.answer.splitlines()[1:]
    assert lines[0].startswith("\u2022 Trafford, 2023-05-01: The quality of assessments and plans") \
        and lines[0].endswith("[1]; said before (2019-03-08) [2]")
    assert "said before" not in lines[1]  # management oversight of the front door is new
    assert answer.citations[1].source == "trafford-2019-03-08.pdf"


def test_nothing_found_says_what_was_considered():
    answer = ask_facts("Which councils were judged outstanding for help and protection since 2024?")
    assert answer.abstained and answer.answer == (
        "None of the 1 inspection report since 2024 considered has help and protection outstanding.")


def test_questions_for_one_passage_are_left_to_retrieval():
    for question, councils in [("What did the peer review say about caseloads?", set()),
                               ("Who was the lead inspector for Trafford's 2019 inspection?", {"Trafford"}),
                               ("What was Trafford's overall effectiveness judgement in 2019?", {"Trafford"}),
                               ("How did the council improve its front door?", set())]:
        assert fact_question(question, councils) is None, question


@needs_corpus
def test_questions_across_reports_and_over_time_through_ask(tmp_path):
    """As a user asks: `reviewbot ask --json` on a few real reports."""
    import json

    docs = tmp_path / "docs"
    docs.mkdir()
    for name in ("ofsted_trafford_08-may-2019.pdf", "ofsted_slough_14-february-2014.pdf",
                 "ofsted_north-northamptonshire_07-july-2026.pdf", "ofsted_worcestershire_24-january-2017.pdf",
                 "ofsted_worcestershire_29-july-2019.pdf", "ofsted_worcestershire_14-july-2023.pdf"):
        shutil.copy(OFSTED / name, docs / name)
    env = {"REVIEWBOT_DATA_DIR": str(tmp_path / "data")}
    assert run_cli(["ingest", docs], env).returncode == 0

    listed = json.loads(run_cli(["ask", "--json", "Which councils were judged inadequate overall?"], env).stdout)
    assert listed["mode"] == "facts" and "4 latest inspection reports considered" in listed["answer"]
    assert sorted({c["council"] for c in listed["citations"]}) == ["Slough", "Trafford"]
    quotes = [c["quote"] for c in listed["citations"]]
    assert {"Overall effectiveness Inadequate", "The overall judgement is inadequate"} <= set(quotes)
    # Each judgement row also quotes its report's opening summary, so the table reads as findings too.
    assert any(q.startswith("There are widespread and serious failures") for q in quotes)

    changed = json.loads(run_cli(["ask", "--json", "How has Worcestershire's overall effectiveness changed over "
                                                   "the years?"], env).stdout)
    assert changed["mode"] == "facts"
    dates = [c["date"] for c in changed["citations"]]
    assert len(set(dates)) == 3 and dates == sorted(dates)  # a judgement and its report's summary, per report

    described = json.loads(run_cli(["ask", "--json", "How has management oversight in Worcestershire been "
                                                     "described over time?"], env).stdout)
    assert described["mode"] == "timeline" and len(described["citations"]) >= 2
    timeline_dates = [c["date"] for c in described["citations"]]
    assert timeline_dates == sorted(timeline_dates) and len(set(c["source"] for c in described["citations"])) >= 2
    assert all(c["council"] == "Worcestershire" for c in described["citations"])


def test_a_councils_judgements_over_time_as_a_short_table():
    answer = ask_facts("What were Trafford's judgements over time?", {"Trafford"})
    assert answer.answer.splitlines()[1:] == [
        "\u2022 Trafford, 2019-03-08: overall effectiveness inadequate [1]; help and protection requires improvement [2]",
        "\u2022 Trafford, 2023-05-01: overall effectiveness good [3]; help and protection inadequate [4]"]


def test_a_year_or_a_region_alone_leaves_a_question_to_the_passages():
    assert fact_question("What has Trafford done for care leavers since 2019?", {"Trafford"}) is None
    assert fact_question("How are care leavers supported in London?", set()) is None
    assert fact_question("Which councils in London were judged good for care leavers?", set()).region == "London"


def test_a_number_or_a_list_of_things_in_the_reports_is_left_to_the_passages():
    for question in ("How many care leavers does each personal adviser support in Leicestershire?",
                     "Which councils support care leavers in custody?",
                     "List the services for children in care in Trafford"):
        assert fact_question(question, {"Leicestershire"} if "Leicester" in question else set()) is None, question
    assert fact_question("What did the latest Luton report say had improved since 2022?", {"Luton"}) is None
    assert fact_question("How many times was advocacy used before the inspection?", set()) is None


def test_who_led_which_inspections_and_a_councils_last_reports():
    records = [report("Trafford", "2019-03-08", overall_effectiveness="inadequate"),
               report("Trafford", "2023-05-01", overall_effectiveness="good"),
               report("Bolton", "2023-09-15", overall_effectiveness="outstanding")]
    records = [replace(r, facts=r.facts + (Fact("lead_inspector", name, 1, f"Lead inspector: {name}"),))
               for r, name in zip(records, ["Jane Doe", "Sam Lee", "Jane Doe"])]
    asked = fact_question("Which councils' inspections were led by Jane Doe?", set())
    answer = answer_from_facts("q", asked, records, [])
    assert [line.split(":")[0] for line in answer.answer.splitlines()[1:]] == ["\u2022 Bolton, 2023-09-15",
                                                                               "\u2022 Trafford, 2019-03-08"]
    asked = fact_question("who led Trafford's last two ofsted inspections?", {"Trafford"})
    assert asked.latest == 2 and asked.over_time
    assert "Jane Doe" in answer_from_facts("q", asked, records, []).answer


def test_a_judgement_of_two_things_at_once_counts_for_each():
    records = [report("Wirral", "2022-02-02", children_in_care_and_care_leavers="outstanding"),
               report("Bolton", "2026-01-15", children_in_care="outstanding")]
    asked = fact_question("Which councils were judged outstanding for the experiences and progress of children "
                          "in care?", set())
    assert {line.split(",")[0] for line in answer_from_facts("q", asked, records, []).answer.splitlines()[1:]} == {
        "\u2022 Bolton", "\u2022 Wirral"}


def test_fact_summaries_quotes_each_reports_opening_sentence_beside_a_few_grades(monkeypatch):
    from .hand_built import chunk, index_of

    records = [report("Wirral", "2024-02-02", overall_effectiveness="outstanding"),
               report("Bolton", "2023-09-15", overall_effectiveness="outstanding")]
    keyword = index_of(*(chunk(0, f"Overall effectiveness Outstanding\nChildren in {r.council} receive excellent "
                                  f"services that make a real difference to their lives.", r.source, council=r.council)
                         for r in records))
    asked = fact_question("Which councils were judged outstanding overall?", set())
    answer = answer_from_facts("q", asked, records, [], keyword=keyword)
    assert "\u201cChildren in Wirral receive excellent services" in answer.answer and len(answer.citations) == 4
    monkeypatch.setattr(tuning, "FACT_SUMMARIES", 1)
    assert len(answer_from_facts("q", asked, records, [], keyword=keyword).citations) == 2
