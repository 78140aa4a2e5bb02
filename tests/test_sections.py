"""Sections kept whole: a table whose columns are sections, a list after a lead-in with no bullets, a lead-in
whose items go on in the next chunk and on the next page, the section a question qualifies ('the strengths
under working together'), and briefings."""
from __future__ import annotations

import pytest

from bot.core.sections import answer_from_section, document_sections
from index import tuning
from ingest.document import Line
from ingest.structure import to_blocks

from .hand_built import FILLER, ask, chunk, index_of, passages


def test_a_table_whose_columns_are_sections_becomes_a_section_per_column():
    lines = [Line("Working together", 4, 2), Line("Table 3: Strengths and areas for consideration", 4),
             Line("Strengths", 4, 2), Line("Areas for consideration", 4),
             Line("Excellent examples of collaborative working with Health and", 4, 2),
             Line("Police. Strong relationship with schools.", 4, 2),
             Line("Anxiety from partners around the transfer will need", 4),
             Line("continued attention.", 4),
             Line("Capacity and managing resources", 4, 2)]
    blocks = [(b.kind, b.section, b.text) for b in to_blocks(lines) if b.kind != "heading"]
    assert ("paragraph", ("Working together", "Strengths"),
            "Excellent examples of collaborative working with Health and Police. Strong relationship with schools.") \
        in blocks
    assert ("paragraph", ("Working together", "Areas for consideration"),
            "Anxiety from partners around the transfer will need continued attention.") in blocks


def test_the_lines_after_a_lead_in_without_bullets_are_its_items():
    lines = [Line("Who conducted the review?", 2, 2),
             Line("7. The review team consisted of:", 2),
             Line("Programme Manager, Local Government Association", 2, 2),
             Line("Chair and Review Team Lead, Director of Children's Services", 2),
             Line("Health Peer, Independent Chair of the Board, with", 2),
             Line("extensive experience in the health sector.", 2),
             Line("8. The reviewers spent a week with staff.", 2),
             Line("Findings", 2, 2)]
    blocks = [(b.kind, b.text) for b in to_blocks(lines)]
    assert ("bullet", "Programme Manager, Local Government Association") in blocks
    assert ("bullet", "Chair and Review Team Lead, Director of Children's Services") in blocks
    assert ("bullet", "Health Peer, Independent Chair of the Board, with extensive experience in the health sector.") \
        in blocks
    assert ("paragraph", "8. The reviewers spent a week with staff.") in blocks and ("heading", "Findings") in blocks


def _report() -> list:
    """A report whose 'What needs to improve' list starts in one chunk and goes on in the next, on the next page;
    and whose themes each have their strengths."""
    return [
        chunk(0, "Leaders know their services well.", "r.pdf", page=1, section="Summary", council="Northbridge"),
        chunk(1, "The local authority should improve:\n\u2022 The quality of assessments.", "r.pdf", page=2,
              section="What needs to improve", council="Northbridge"),
        chunk(2, "\u2022 Management oversight of the front door.\n\u2022 The timeliness of visits to children.", "r.pdf",
              page=3, section="What needs to improve", council="Northbridge"),
        chunk(3, "Partners share plans well.", "r.pdf", page=4, section="Working together \u203a Strengths",
              council="Northbridge"),
        chunk(4, "Leaders are visible to staff.", "r.pdf", page=4, section="Leadership \u203a Strengths",
              council="Northbridge"),
    ]


def test_a_lead_in_comes_with_its_items_across_chunks_and_pages():
    keyword = index_of(*_report(), *FILLER)
    lead = next(s for s in document_sections(keyword, "r.pdf") if s.lead_in)
    assert lead.lead_in == "The local authority should improve:"
    assert [(i.text, i.chunk.page) for i in lead.items] == [
        ("The quality of assessments.", 2), ("Management oversight of the front door.", 3),
        ("The timeliness of visits to children.", 3)]
    query = ask(keyword, "What does Northbridge need to improve?")
    answer = answer_from_section(query, passages(keyword, query, [1.0] * 5), keyword)
    assert answer.mode == "section"
    assert [(c.quote, c.page) for c in answer.citations] == [
        ("The local authority should improve:", 2), ("The quality of assessments.", 2),
        ("Management oversight of the front door.", 3), ("The timeliness of visits to children.", 3)]
    assert answer.retrieved[0].page == 2  # what it quotes comes first


def test_the_section_a_question_qualifies_is_the_one_answered():
    keyword = index_of(*_report(), *FILLER)
    query = ask(keyword, "Summarise the strengths under working together in Northbridge")
    answer = answer_from_section(query, passages(keyword, query, [1.0] * 5), keyword)
    assert [c.quote for c in answer.citations] == ["Partners share plans well."]
    query = ask(keyword, "What strengths did they find in Northbridge?")  # none qualified: each in turn
    answer = answer_from_section(query, passages(keyword, query, [1.0] * 5), keyword)
    assert [c.quote for c in answer.citations] == ["Partners share plans well.", "Leaders are visible to staff."]


def test_section_items_is_how_many_items_a_section_answer_quotes(monkeypatch):
    keyword = index_of(*_report(), *FILLER)
    query = ask(keyword, "What does Northbridge need to improve?")
    monkeypatch.setattr(tuning, "SECTION_ITEMS", 2)
    answer = answer_from_section(query, passages(keyword, query, [1.0] * 5), keyword)
    assert [c.quote for c in answer.citations][1:] == ["The quality of assessments.",
                                                       "Management oversight of the front door."]


def test_section_documents_is_how_many_documents_are_looked_in(monkeypatch):
    other = [chunk(0, f"Meeting {n} discussed budgets.", f"m{n}.pdf", council="Northbridge") for n in range(2)]
    keyword = index_of(*other, *_report(), *FILLER)
    query = ask(keyword, "What does Northbridge need to improve?")
    retrieved = passages(keyword, query, [1.0] * 7)
    assert answer_from_section(query, retrieved, keyword) is not None
    monkeypatch.setattr(tuning, "SECTION_DOCUMENTS", 2)
    assert answer_from_section(query, retrieved, keyword) is None


@pytest.mark.shared
def test_a_briefing_on_an_inspection_gives_its_judgements_summary_and_what_must_improve(indexed, monkeypatch):
    answer = indexed.ask("brief me on Trafford's 2019 Ofsted inspection")
    assert answer.mode == "briefing" and answer.answer.startswith("Briefing: ")
    parts = [line for line in answer.answer.splitlines() if line.endswith(":")]
    assert parts == ["Judgements:", "Summary:", "What needs to improve:"]
    assert any(c.quote == "Overall effectiveness Inadequate" for c in answer.citations)
    assert {c.source for c in answer.citations} == {"ofsted/ofsted_trafford_08-may-2019.pdf"}
    summary = [line for line in answer.answer.split("Summary:")[1].split("What needs to improve:")[0].splitlines()
               if line.strip()]
    assert len(summary) == tuning.BRIEFING_SUMMARY_SENTENCES
    improve = answer.answer.split("What needs to improve:")[1].strip().splitlines()
    assert len(improve) == tuning.BRIEFING_ITEMS
    monkeypatch.setattr(tuning, "BRIEFING_ITEMS", 2)
    monkeypatch.setattr(tuning, "BRIEFING_SUMMARY_SENTENCES", 1)
    answer = indexed.ask("brief me on Trafford's 2019 Ofsted inspection")
    assert len(answer.answer.split("What needs to improve:")[1].strip().splitlines()) == 2
    assert len([line for line in answer.answer.split("Summary:")[1].split("What needs to improve:")[0].splitlines()
                if line.strip()]) == 1


@pytest.mark.shared
def test_a_briefing_on_a_peer_review_gives_its_strengths_areas_and_next_steps(indexed):
    answer = indexed.ask("What should I know about the Windsor and Maidenhead peer review?")
    assert answer.mode == "briefing"
    assert [line for line in answer.answer.splitlines() if line.endswith(":")][:2] == [
        "Strengths:", "Areas for consideration:"]
    assert {c.source for c in answer.citations} == {"windsor-maidenhead-2016/windsor-maidenhead-2016-briefing-note.pdf"}


def _two_reports() -> list:
    """Two years' inspection reports of one council: only the older has a section headed 'key findings'; the newer
    keeps its findings in an executive summary, on several topics."""
    older = dict(source="old.pdf", council="Northbridge", doc_type="inspection report", years=(2014,))
    newer = dict(source="new.pdf", council="Northbridge", doc_type="inspection report", years=(2016,))
    summary = [f"Care leavers report {n} found that young people wait for a personal adviser." for n in range(5)]
    summary += [f"Assessments in team {n} are completed on time and are of good quality." for n in range(5)]
    return [
        chunk(0, "Key findings\nChildren wait too long for help.", page=3, section="Summary of key findings", **older),
        chunk(1, "\n".join(summary[:5]), page=2, section="Executive summary", **newer),
        chunk(2, "\n".join(summary[5:]), page=2, section="Executive summary", **newer),
        chunk(3, "A peer review of the front door took place.", page=9, section="Leadership", **newer),
    ]


def test_a_year_named_rules_out_the_other_years_reports_and_a_report_may_head_its_findings_its_own_way():
    keyword = index_of(*_two_reports(), *FILLER)
    query = ask(keyword, "Give me the key findings in Northbridge's 2016 report")
    answer = answer_from_section(query, passages(keyword, query, [1.0] * 4), keyword)
    # The 2014 report has the heading the question uses; the 2016 report's executive summary holds its findings.
    assert {c.source for c in answer.citations} == {"new.pdf"}
    assert "Executive summary" in answer.answer.splitlines()[0]


def test_a_topic_beyond_the_section_picks_a_long_sections_items():
    keyword = index_of(*_two_reports(), *FILLER)
    query = ask(keyword, "Give me the key findings on care leavers in Northbridge's 2016 report")
    answer = answer_from_section(query, passages(keyword, query, [1.0] * 4), keyword)
    assert len(answer.citations) == 5 and all("Care leavers" in c.quote for c in answer.citations)
    # Asked for the findings alone, the section's first items are shown, whatever their topic.
    query = ask(keyword, "Give me the key findings in Northbridge's 2016 report")
    answer = answer_from_section(query, passages(keyword, query, [1.0] * 4), keyword)
    assert len(answer.citations) == tuning.SECTION_ITEMS and any("Assessments" in c.quote for c in answer.citations)


def test_a_document_of_the_kind_asked_for_gives_the_section_before_one_about_it():
    scrutiny = dict(source="panel.docx", council="Northbridge", doc_type="scrutiny report", page=None)
    review = dict(source="review.pdf", council="Northbridge", doc_type="peer review summary", page=2)
    keyword = index_of(
        chunk(0, "Conclusion\nThe panel concluded that the peer review was helpful to members.",
              section="Conclusion", **scrutiny),
        chunk(1, "The reviewers concluded:\n\u2022 The council is realistic about the challenges it faces.",
              section="Findings", **review), *FILLER)
    query = ask(keyword, "what was the overall conclusion of the Northbridge peer review?")
    assert query.request.section == "conclusions"
    answer = answer_from_section(query, passages(keyword, query, [1.0] * 2), keyword)
    assert [c.quote for c in answer.citations] == ["The reviewers concluded:",
                                                   "The council is realistic about the challenges it faces."]


def test_a_bullets_wrapped_line_ending_in_a_colon_is_no_lead_in():
    """As an inspection report prints 'What needs to improve': the last item wraps after '(Outcome two:' and the
    next judgement's heading and paragraphs follow; none of them is an item of the list."""
    lines = [Line("What needs to improve?", 2, 2),
             Line("\u25fc The quality of support from the virtual school, including personal", 2),
             Line("education plans (PEPs). (Outcome two:", 2),
             Line("National Framework)", 2),
             Line("The experiences and progress of children who need help and", 2, 2),
             Line("protection: outstanding", 2, 2),
             Line("1. The range and reach of the Early Help offer in Northbridge are extensive.", 2)]
    blocks = [(b.kind, b.text) for b in to_blocks(lines)]
    assert ("bullet", "The quality of support from the virtual school, including personal education plans (PEPs). "
                      "(Outcome two: National Framework)") in blocks
    assert ("paragraph", "1. The range and reach of the Early Help offer in Northbridge are extensive.") in blocks


def test_the_symbol_fonts_dash_is_a_bullet():
    lines = [Line("4. Strengthen the response to children who go missing by ensuring that:", 5),
             Line("\uf02d governance arrangements are clear and understood by all", 5),
             Line("\uf02d return home interviews are consistently well recorded.", 5)]
    blocks = [(b.kind, b.text) for b in to_blocks(lines)]
    assert ("bullet", "governance arrangements are clear and understood by all") in blocks
