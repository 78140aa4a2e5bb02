"""A request read apart from its topic: each class of framing words (bot/core/lexicons/) is taken out of what
is searched, on framings written for these tests and not tuned on; chat shorthand, council short names and
typing slips; the shape of answer asked for; names, kinds of document and the facts' years."""
from __future__ import annotations

import numpy as np
import pytest

from bot.core.request import read_request
from bot.core.routing import fact_question
from bot.core.types import Filters
from index.councils import default_names

from .hand_built import FILLER, ask, chunk, index_of


@pytest.mark.parametrize("question, topic", [
    # greetings and fillers
    ("Hiya, quick q - what did the review say about caseloads?", "what did the review say about caseloads?"),
    ("morning! sorry to bother you, what does the letter say on supervision", "what does the letter say on supervision"),
    # who is asking
    ("As a new team manager, what did Ofsted find about supervision?", "what did Ofsted find about supervision?"),
    ("I've just started in Leeds - what about caseloads?", "Leeds - what about caseloads?"),
    # what it is for
    ("What did the review say about caseloads, for a committee paper?", "What did the review say about caseloads?"),
    ("a line on supervision that I could use", "on supervision"),
    ("any quote on caseloads for the improvement board update?", "on caseloads?"),
    ("For the MASH partnership presentation - a line on thresholds please", "on thresholds"),
    ("What were the findings on neglect? I'm new to the safeguarding partnership", "What were the findings on neglect?"),
    ("I'm new in Leeds. What were the findings on neglect?", "in Leeds. What were the findings on neglect?"),
    ("putting together a briefing on Leeds - anything quotable on neglect", "Leeds - on neglect"),
    ("did caseloads slip after 2019?", "did caseloads after 2019?"),
    ("Any quote on caseloads, according to the letter?", "on caseloads, the letter?"),
    # what they want back
    ("Pull out something on early help from the peer review", "early help from the peer review"),
    ("Can you list the areas for improvement?", "areas for improvement?"),
    # words that judge or tell rather than name the topic
    ("what happened that made things go so badly wrong with practice?", "what that made go with practice?"),
])
def test_each_class_of_framing_is_taken_out_of_the_topic(question, topic):
    assert read_request(question).topic == topic


def test_chat_shorthand_is_read_as_the_words_it_stands_for():
    request = read_request("can u find smth abt caseloads pls")
    assert request.asked == "can you find something about caseloads" and request.topic == "caseloads"
    assert read_request("which s17 cases shld have been s47s").topic == "which section 17 cases should have been s47s"


def test_what_a_paper_is_for_is_framing_only_in_a_request_for_a_quote():
    assert read_request("What did the review recommend for the safeguarding board?").topic \
        == "What did the review recommend for the safeguarding board?"
    assert read_request("a line on early help for the safeguarding board").topic == "on early help"


@pytest.mark.parametrize("question, shape, section", [
    ("Give me a quote on early help I can use", "quote", None),
    ("is there a sentence about caseloads", "quote", None),
    ("Summarise the strengths under working together", "list", "strengths"),
    ("what needs to improve after the 2024 inspection?", "list", "improvement"),
    ("What did Ofsted say they should work on?", "list", "improvement"),
    ("who were the reviewers?", "list", "review team"),
    ("brief me on the 2024 inspection", "briefing", None),
    ("What should I know about the peer review?", "briefing", None),
    ("What did the review say about caseloads?", "answer", None),
    ("What did the review team say about caseloads?", "answer", None),  # the team said it: not the team asked for
    ("How strengths-based is practice?", "answer", None),
])
def test_the_shape_of_answer_asked_for(question, shape, section):
    request = read_request(question)
    assert (request.shape, request.section) == (shape, section)


@pytest.mark.parametrize("written, council", [("worcs", "Worcestershire"), ("herts", "Hertfordshire"),
                                              ("notts", "Nottinghamshire"), ("windsor", "Windsor and Maidenhead"),
                                              ("north northants", "North Northamptonshire"),
                                              ("west berks", "West Berkshire")])
def test_councils_by_the_short_names_people_use(written, council):
    assert [c.name for c in default_names().find(f"{written} 2023 ofsted - caseloads?")] == [council]


def test_framing_never_makes_an_answer_say_the_documents_do_not_mention_it():
    keyword = index_of(chunk(0, "Caseloads in the assessment teams are too high.", council="Northbridge"), *FILLER)
    query = ask(keyword, "hi - can u find smth I can quote on caseloads for my scrutiny report pls")
    assert set(query.terms) == {"caseload"} and not query.unknown_words and not query.names
    assert query.request.shape == "quote"


def test_a_typing_slip_is_read_as_the_word_the_documents_hold():
    keyword = index_of(*(chunk(n, f"The inspection of team {n} found supervision regular.", f"r{n}.pdf")
                         for n in range(3)), *FILLER)
    query = ask(keyword, "what did the inspecton find on supervison?")
    assert "inspecton" not in query.search_text and not query.unknown_words
    assert {"supervis"} <= set(query.terms)


def test_a_second_sentence_or_a_question_word_is_not_a_name():
    keyword = index_of(chunk(0, "Norfolk has improved.", council="Norfolk"), *FILLER)
    assert ask(keyword, "Has Norfolk improved since 2018? What did the 2023 report conclude?").names == []
    assert ask(keyword, "What about the twinning with France?").names == ["France"]


def test_ofsteds_review_of_a_safeguarding_board_is_an_inspection():
    keyword = index_of(chunk(0, "The board is effective.", council="Norfolk"), *FILLER)
    assert ask(keyword, "In Ofsted's 2015 review of Norfolk's safeguarding children board, what did they find?").kinds \
        == {"inspection"}
    assert ask(keyword, "What did the LGA peer review of Norfolk find?").kinds == {"peer review"}


def test_a_year_names_a_reports_inspection_or_its_publication_as_the_question_says():
    assert fact_question("Which councils' inspections finished in 2022 were judged inadequate?", set()).dated_by \
        == "inspection"
    assert fact_question("Which councils were judged inadequate in reports published in 2023?", set()).dated_by \
        == "publication"
    assert fact_question("Which councils were judged inadequate in 2023?", set()).dated_by == "any"


def test_a_briefing_asked_for_in_other_words():
    for question in ("Give me an overview of the 2024 inspection", "bring me up to speed on the peer review",
                     "what do i need to know about Trafford's last Ofsted report"):
        assert read_request(question).shape == "briefing", question


def test_a_section_named_in_a_how_question_is_its_topic_not_a_list_asked_for():
    assert read_request("How did the scrutiny panel decide to look at the four priorities?").section is None
    assert read_request("What were the four priorities?").section == "priorities"


def test_a_year_written_as_a_span_names_both_years():
    keyword = index_of(chunk(0, "Inspectors found the peer review had helped.", council="Northbridge"), *FILLER)
    query = ask(keyword, "northbridge 2016/17 inspection - what did it say about the peer review?")
    assert query.years == {2016, 2017} and "17" not in query.terms


def test_a_kind_of_document_asked_about_is_the_topic_not_the_document_asked_of():
    keyword = index_of(chunk(0, "Inspectors found the peer review had helped.", council="Northbridge"), *FILLER)
    query = ask(keyword, "what did the Northbridge inspection say about the peer review?")
    assert query.kinds == {"inspection"} and {"peer", "review"} <= set(query.terms)
    # Named alone, it is the document asked of.
    query = ask(keyword, "what did the Northbridge peer review say about caseloads?")
    assert query.kinds == {"peer review"} and "peer" not in query.terms


def test_whose_document_it_is_names_the_document():
    request = read_request("What did Gail Quinton's staff letter say about the front door?")
    assert request.author == "Gail Quinton" and "Gail" not in request.topic
    keyword = index_of(chunk(0, "The front door needs simplifying. Gail Quinton, Director", council="Northbridge"),
                       *FILLER)
    assert ask(keyword, "What did Gail Quinton's staff letter say about the front door?").names == ["Gail Quinton"]


def test_a_council_worked_with_is_asked_about_not_asked_of():
    keyword = index_of(chunk(0, "Leadership arrangements are combined with Cambridgeshire.", "p.pdf",
                             council="Peterborough"),
                       chunk(1, "Cooperation with Peterborough has included shared leadership.", "c.pdf",
                             council="Cambridgeshire"), *FILLER)
    query = ask(keyword, "peterborough 2018 report - is there a sentence about shared leadership with cambridgeshire?")
    assert query.councils == {"Peterborough"} and "cambridgeshir" in query.terms
    # Compared with another, both are asked of.
    assert ask(keyword, "How does Peterborough's leadership compare with Cambridgeshire?").councils == {
        "Peterborough", "Cambridgeshire"}


def test_a_word_that_picks_the_documents_is_never_mended():
    keyword = index_of(chunk(0, "The fewest children wait; some inconsistency remains.", council="Northbridge"), *FILLER)
    query = ask(keyword, "In Northbridge's newest report, what was inconsistent?")
    assert "fewest" not in query.terms and query.latest


def test_reviews_the_documents_report_on_are_a_topic():
    keyword = index_of(chunk(0, "A backlog of foster carer reviews has built up.", council="Northbridge"), *FILLER)
    assert "review" in ask(keyword, "What happened to foster carer reviews in Northbridge?").terms
    assert "review" not in ask(keyword, "What did the Northbridge review say about foster carers?").terms


@pytest.mark.parametrize("written, council", [("herefs", "Herefordshire"), ("lincs", "Lincolnshire"),
                                              ("cambs", "Cambridgeshire")])
def test_a_councils_short_form_no_document_uses_is_read_as_the_council(written, council):
    keyword = index_of(chunk(0, "Caseloads are high.", council=council), *FILLER)
    assert ask(keyword, f"{written} 2022 ofsted - caseloads?").councils == {council}
    # Five letters at least, and the name's first four: an everyday word is not a council.
    assert ask(keyword, "what about the cars in the car park?").councils == set()


@pytest.mark.parametrize("question, years", [
    ("did ofsted think caseloads were manageable in the 2019 inspection?", {2019}),
    ("Northbridge 2019 - were caseloads manageable?", {2019}),
    ("were caseloads manageable? 2019", {2019}),
    ("what did the report say about the company that took over in October 2019?", set()),
    ("how did services cope after the council split into two in 2021?", set()),
])
def test_a_year_names_the_report_only_beside_it_or_alone(question, years):
    keyword = index_of(chunk(0, "Caseloads are high.", council="Northbridge"), *FILLER)
    assert ask(keyword, question).report_years == years


def test_a_report_named_by_kind_or_year_is_the_one_retrieved():
    from bot.core.retrieve import Retriever

    keyword = index_of(chunk(0, "Caseloads were manageable.", "inspection-2019.pdf", council="Northbridge",
                             doc_type="inspection", years=(2019,)),
                       chunk(0, "Caseloads were too high.", "inspection-2023.pdf", council="Northbridge",
                             doc_type="inspection", years=(2023,)),
                       chunk(0, "Caseloads were discussed with staff.", "review.pdf", council="Northbridge",
                             doc_type="peer review", years=(2015,)), *FILLER)
    retriever = Retriever(None, keyword)

    def sources(question: str) -> set[str]:
        return {keyword.chunks[i].source for i in np.flatnonzero(retriever._mask(Filters(), ask(keyword, question)))}

    assert sources("What did the 2019 inspection of Northbridge say about caseloads?") == {"inspection-2019.pdf"}
    assert sources("What did Northbridge's peer review say about caseloads?") == {"review.pdf"}
    # An event's year does not pick a report.
    assert sources("What did Northbridge's inspectors say about caseloads after the move in 2019?") \
        == {"inspection-2019.pdf", "inspection-2023.pdf"}


def test_empty_lexicons_leave_the_question_as_asked(monkeypatch):
    from bot.core import request

    cached = (request.lexicon, request.shorthand, request._framing, request._asker_opening, request._paper_clause,
              request._requests, request._briefing, request._short_form, request._generic)
    for reader in cached:
        reader.cache_clear()
    monkeypatch.setattr(request, "_lines", lambda name: [])
    try:
        read = read_request("hi - what did the review say about caseloads? for my paper")
        assert read.topic == "hi - what did the review say about caseloads? for my paper"
    finally:
        for reader in cached:
            reader.cache_clear()


def test_markup_in_a_message_is_not_what_is_asked():
    assert read_request("<script>alert(1)</script> caseloads").topic == "caseloads"
    assert read_request("what about <b>caseloads</b>?").topic == "what about caseloads?"
