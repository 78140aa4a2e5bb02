"""A message that asks two or three things is answered a part at a time: where it is cut, what context each part
keeps, and how the answers are put together under one numbering."""
from __future__ import annotations

import pytest

from bot.core.catalog import Catalog
from bot.core.parts import merged, question_parts
from bot.core.types import Answer, AnsweredSentence, Citation, Passage, Reason, Refusal, Timings

from .hand_built import FILLER, chunk, index_of


@pytest.fixture(scope="module")
def catalog():
    return Catalog(index_of(chunk(0, "Staff are supervised.", council="Kirklees"),
                            chunk(0, "Caseloads are high.", "w.pdf", council="Worcestershire"), *FILLER))


@pytest.mark.parametrize("message, parts", [
    ("kirklees 2016: what % of the workforce was agency? and were staff getting supervision",
     ["kirklees 2016: what % of the workforce was agency?", "Kirklees 2016: were staff getting supervision"]),
    ("Worcs peer review - when was the team on site, and when did the panel first meet?",
     ["Worcs peer review - when was the team on site", "Worcestershire peer review: when did the panel first meet?"]),
    ("how did Kirklees do overall in 2016? + which bit was still weakest?",
     ["how did Kirklees do overall in 2016?", "Kirklees 2016: which bit was still weakest?"]),
])
def test_a_message_of_two_questions_is_cut_into_them_each_with_the_whole_messages_context(catalog, message, parts):
    assert question_parts(message, catalog) == parts


@pytest.mark.parametrize("message", [
    "what was good and what wasnt in Kirklees' 2016 inspection",  # one request, not two questions
    "What did the review say about caseloads and supervision?",
    "is Kirklees' early help any good according to ofsted? asking for a team brief",
    "After the Kirklees peer review, what ended up as the key areas of the plan? Need the list.",
])
def test_one_question_stays_whole(catalog, message):
    assert question_parts(message, catalog) == [message]


def _citation(n: int, quote: str) -> Citation:
    return Citation(n, "r.pdf", "Report", 1, "", "Kirklees", None, quote)


def test_the_parts_answers_are_numbered_on_and_a_refused_part_says_so_without_its_closest():
    first = Answer("a?", "\u201cOne.\u201d [1]", False, [_citation(1, "One.")],
                   [Passage("r.pdf", 1, "", "One.", "Report", None, None, 1.0)], Timings(1, 1, 2),
                   sentences=[AnsweredSentence.quoted("One.", [1])])
    second = Answer("b?", "\u201cTwo.\u201d [1]", False, [_citation(1, "Two.")],
                    [Passage("r.pdf", 2, "", "Two.", "Report", None, None, 1.0)], Timings(1, 1, 3),
                    sentences=[AnsweredSentence.quoted("Two.", [1])])
    refused = Answer("c?", "The indexed documents don't answer this. Closest: \u201cThree.\u201d [1]", True,
                     [_citation(1, "Three.")], [], refusal=Refusal(Reason.EVIDENCE_TOO_WEAK))
    together = merged("a? b? c?", [first, second, refused])
    assert together.question == "a? b? c?" and not together.abstained
    assert together.answer == ("\u201cOne.\u201d [1]\n\n\u201cTwo.\u201d [2]\n\n"
                               "The indexed documents don't answer this.")
    assert [(c.n, c.quote) for c in together.citations] == [(1, "One."), (2, "Two.")]
    assert [s.citations for s in together.sentences] == [[1], [2]]
    assert [p.page for p in together.retrieved] == [1, 2] and together.timings_ms.total == 5
    # Every part refused: the first's refusal stands, closest passage and all.
    assert merged("c? c?", [refused, refused]).abstained
