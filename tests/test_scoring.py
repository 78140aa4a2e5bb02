"""What each tuned number changes, shown on small hand-built passages: for each, the ranking or the answer
with the number as chosen, and with it set aside. docs/quality.md ("How the numbers were chosen") says how each
was chosen on the tuning questions."""
from __future__ import annotations

import numpy as np
import pytest

from bot.core.abstention import confidence
from bot.core.answer import extract
from bot.core.catalog import Catalog
from bot.core.query import analyse
from bot.core.retrieve import Retrieved, Retriever, fuse
from bot.core.sentences import is_heading, score_sentences
from bot.core.types import AnsweredSentence
from index import tuning

from .hand_built import FILLER, ask, chunk, index_of, passages, ranked


def test_chunk_credit_prefers_the_sentence_of_the_better_passage(monkeypatch):
    same = "Social workers described caseloads of 25 to 30 cases."
    keyword = index_of(chunk(0, same, "a.pdf"), chunk(0, same, "b.pdf"), *FILLER)
    query = ask(keyword, "What caseloads did social workers describe?")
    strong, weak = (score_sentences(query, i, share, 1.0, keyword)[0].score for i, share in [(0, 1.0), (1, 0.2)])
    assert strong - weak == pytest.approx(tuning.CHUNK_CREDIT * 0.8)
    monkeypatch.setattr(tuning, "CHUNK_CREDIT", 0.0)
    strong, weak = (score_sentences(query, i, share, 1.0, keyword)[0].score for i, share in [(0, 1.0), (1, 0.2)])
    assert strong == pytest.approx(weak)


def test_phrase_credit_prefers_the_question_words_standing_together(monkeypatch):
    keyword = index_of(chunk(0, "The week before, staff were on duty at the hub.\nStaff said duty weeks are tiring."),
                       *FILLER)
    query = ask(keyword, "What did staff say about duty weeks?")
    assert ranked(keyword, query)[0] == "Staff said duty weeks are tiring."
    monkeypatch.setattr(tuning, "PHRASE_CREDIT", 0.0)
    first, second = score_sentences(query, 0, 1.0, 1.0, keyword)[:2]
    assert first.score == pytest.approx(second.score)


# 'stretched' is a word of the index (of another document), so that it counts in the question.
_STRETCHED = chunk(1, "Budgets were stretched.", "budget.pdf")


def test_semantic_weight_lets_a_paraphrase_win_over_shared_words(monkeypatch):
    # The question vector is (1, 0); the paraphrase's sentence vector is close to it, the other far.
    keyword = index_of(chunk(0, "Social workers enjoy the training on offer.\nCaseloads are far too high for the team."),
                       *FILLER, _STRETCHED, vectors=[[0.0, 1.0], [0.9, 0.436]] + [[0.0, 1.0]] * 5)
    query = ask(keyword, "Are social workers stretched?", [1.0, 0.0])
    assert ranked(keyword, query)[0] == "Caseloads are far too high for the team."
    monkeypatch.setattr(tuning, "SEMANTIC_WEIGHT", 0.0)
    assert ranked(keyword, query)[0] == "Social workers enjoy the training on offer."


def test_a_sentence_carries_the_question_by_its_words_or_by_its_meaning(monkeypatch):
    keyword = index_of(chunk(0, "Caseloads are far too high for the team."), *FILLER, _STRETCHED,
                       vectors=[[0.9, 0.436]] + [[0.0, 1.0]] * 5)
    query = ask(keyword, "Are social workers stretched?", [1.0, 0.0])
    sentence = score_sentences(query, 0, 1.0, 1.0, keyword)[0]
    assert sentence.coverage < tuning.MIN_COVERAGE and sentence.similarity >= tuning.MIN_SIMILARITY
    answer = extract(query, passages(keyword, query, [1.0]), keyword)
    assert not answer.abstained and answer.evidence.carried == 1.0
    # Not carried, the sentence is weaker evidence for the decision to answer (abstention.py).
    monkeypatch.setattr(tuning, "MIN_SIMILARITY", 0.95)
    assert not score_sentences(query, 0, 1.0, 1.0, keyword)[0].carries()
    weaker = extract(query, passages(keyword, query, [1.0]), keyword).evidence
    assert weaker.carried == 0.0 and confidence(weaker) < confidence(answer.evidence)


def test_min_coverage_is_how_much_of_the_question_an_answer_must_hold(monkeypatch):
    others = [chunk(0, f"The children's disability team met {n} times.", f"team{n}.pdf") for n in range(2)]
    keyword = index_of(chunk(0, "Agency staff cover vacancies in the east of the county."), *others, *FILLER)
    query = ask(keyword, "How are vacancies in the children's disability team covered by agency staff?")
    sentence = score_sentences(query, 0, 1.0, 1.0, keyword)[0]
    assert sentence.coverage >= tuning.MIN_COVERAGE and sentence.carries()
    assert extract(query, passages(keyword, query, [1.0, 0.1, 0.1]), keyword).evidence.carried == 1.0
    monkeypatch.setattr(tuning, "MIN_COVERAGE", sentence.coverage + 0.01)
    assert not score_sentences(query, 0, 1.0, 1.0, keyword)[0].carries()
    assert extract(query, passages(keyword, query, [1.0, 0.1, 0.1]), keyword).evidence.carried == 0.0


def test_a_rare_question_word_missing_from_the_answer_counts_against_answering(monkeypatch):
    common = [chunk(0, f"Teaching quality in schools near site {n} is good.", f"school{n}.pdf") for n in range(3)]
    keyword = index_of(chunk(0, "Schools near here get quality support."),
                       chunk(1, "Air pollution was not part of this review.", "other.pdf"), *common, *FILLER)
    question = "What did they say about air quality near schools?"
    assert tuning.RARE_SHARE > 0 and ask(keyword, question).rare_terms == ["air"]  # one passage of ten
    query = ask(keyword, question)
    best = score_sentences(query, 0, 1.0, 1.0, keyword)[0]
    assert tuning.MIN_COVERAGE <= best.coverage < tuning.STRONG_COVERAGE and not best.holds_rare
    shares = [1.0, 0.1, 0.1, 0.1, 0.1]
    without = extract(query, passages(keyword, query, shares), keyword).evidence
    assert without.carried == 0.0
    monkeypatch.setattr(tuning, "RARE_SHARE", 0.0)
    query = ask(keyword, question)
    counted = extract(query, passages(keyword, query, shares), keyword).evidence
    assert counted.carried == 1.0 and confidence(counted) > confidence(without)


def test_strong_coverage_answers_without_a_word_no_document_holds(monkeypatch):
    keyword = index_of(chunk(0, "Managers had not considered incomplete enquiries in their performance data."),
                       *FILLER)
    query = ask(keyword, "Had managers considered unfinished enquiries in their performance data?")
    assert query.unknown_words == ["unfinished"] and "unfinish" not in query.terms
    best = score_sentences(query, 0, 1.0, 1.0, keyword)[0]
    assert best.coverage >= tuning.STRONG_COVERAGE and best.carries()
    assert not extract(query, passages(keyword, query, [1.0]), keyword).abstained
    query = ask(keyword, "What about the cars in the vehicle fleet?")
    assert extract(query, passages(keyword, query, [1.0]), keyword).answer.startswith(
        "The indexed documents don't answer this. None of those about the question mentions cars, vehicle, fleet.")


def test_answer_kind_credit_prefers_a_number_when_asked_how_many(monkeypatch):
    keyword = index_of(chunk(0, "Social workers left the service that year.\nTwelve social workers left the service."),
                       *FILLER)
    query = ask(keyword, "How many social workers left the service?")
    assert query.answer_kind == "number" and "mani" not in query.terms
    assert ranked(keyword, query)[0] == "Twelve social workers left the service."
    monkeypatch.setattr(tuning, "ANSWER_KIND_CREDIT", 0.0)
    assert ranked(keyword, query)[0] == "Social workers left the service that year."


def test_a_person_is_a_capitalised_pair_whose_first_word_is_rare(monkeypatch):
    # 'Local' is in every passage here, as in 87% of the national index; 'Gail' in one.
    council = [chunk(n, f"Local Government meeting number {n} discussed budgets.", f"minutes{n}.pdf")
               for n in range(25)]
    keyword = index_of(chunk(0, "The review was signed off by the Local Government Association.\nSigned: Gail Quinton"),
                       *council)
    query = ask(keyword, "Who signed the review?")
    assert query.answer_kind == "person"
    assert ranked(keyword, query)[0] == "Signed: Gail Quinton"
    # Any capitalised pair as a name: 'Local Government' is one, and the sentence with more of the question wins.
    monkeypatch.setattr(tuning, "NAME_WORD_SHARE", 1.0)
    assert ranked(keyword, query)[0] == "The review was signed off by the Local Government Association."
    # A small collection: a forename in a few passages is still rare.
    monkeypatch.setattr(tuning, "NAME_WORD_SHARE", 0.0)
    monkeypatch.setattr(tuning, "NAME_MIN_PASSAGES", 1)
    assert ranked(keyword, query)[0] == "Signed: Gail Quinton"
    monkeypatch.setattr(tuning, "NAME_MIN_PASSAGES", 0)
    assert ranked(keyword, query)[0] == "The review was signed off by the Local Government Association."


def test_short_penalty_passes_over_fragments_but_not_a_grade_asked_for(monkeypatch):
    keyword = index_of(chunk(0, "Duty weeks.\nStaff said duty weeks help."), *FILLER)
    query = ask(keyword, "What about duty weeks?")
    assert ranked(keyword, query)[0] == "Staff said duty weeks help."
    monkeypatch.setattr(tuning, "SHORT_PENALTY", 0.0)
    assert ranked(keyword, query)[0] == "Duty weeks."
    # A judgement's row is short, and is the answer.
    keyword = index_of(chunk(0, "Leaders are ambitious for children in care here.\nCare leavers Outstanding"), *FILLER)
    query = ask(keyword, "How were care leavers judged?")
    assert ranked(keyword, query)[0] == "Care leavers Outstanding"


def test_focus_weight_makes_a_who_question_turn_on_its_verb(monkeypatch):
    keyword = index_of(chunk(0, "The panel meeting is held every month.\nChaired by the director of services."),
                       *FILLER)
    query = ask(keyword, "Who chaired the panel meeting?")
    assert ranked(keyword, query)[0] == "Chaired by the director of services."
    monkeypatch.setattr(tuning, "FOCUS_WEIGHT", 1.0)
    query = ask(keyword, "Who chaired the panel meeting?")
    assert ranked(keyword, query)[0] == "The panel meeting is held every month."


@pytest.mark.parametrize("line, heading", [
    ("The Local Safeguarding Children Board (LSCB)", True),
    ("Early Help", True),
    ("Lead Peer: Charlotte Ramsden", False),
    ("Overall effectiveness Good", False),
    ("The overall judgement is that children's services require improvement", False),
    ("Caseloads are too high.", False),
])
def test_headings_are_never_answers(line, heading):
    assert is_heading(line, chunk(0, line)) is heading


def test_a_heading_alone_is_no_answer():
    keyword = index_of(chunk(0, "The Local Safeguarding Children Board (LSCB)\nMeetings are held in the town hall."),
                       *FILLER)
    query = ask(keyword, "What is the role of the Local Safeguarding Children Board?")
    assert "The Local Safeguarding Children Board (LSCB)" not in ranked(keyword, query)
    assert extract(query, passages(keyword, query, [1.0]), keyword).abstained


def test_the_same_words_in_two_documents_are_cited_in_both():
    same = "We need to develop financial projections based on forecast demand."
    keyword = index_of(chunk(0, same, "summary.pdf"), chunk(0, f"Dear colleagues, thank you.\n{same}", "letter.pdf"),
                       *FILLER)
    query = ask(keyword, "What financial projections are needed?")
    result = extract(query, passages(keyword, query, [1.0, 0.9]), keyword)
    assert [(c.n, c.source, c.quote) for c in result.citations] == [(1, "summary.pdf", same), (2, "letter.pdf", same)]
    assert result.answer == f"\u201c{same}\u201d [1][2]"
    assert result.sentences == [AnsweredSentence(text=same, citations=[1, 2], supported=[1, 2], problems=[])]


def test_next_quote_share_keeps_only_sentences_close_to_the_best(monkeypatch):
    keyword = index_of(chunk(0, "Duty weeks are tiring for staff.\nStaff find duty weeks long.\nDuty is shared."),
                       *FILLER)
    query = ask(keyword, "What do staff say about duty weeks?")
    quotes = {c.quote for c in extract(query, passages(keyword, query, [1.0]), keyword).citations}
    assert quotes == {"Duty weeks are tiring for staff.", "Staff find duty weeks long."}
    monkeypatch.setattr(tuning, "NEXT_QUOTE_SHARE", 1.0)
    assert len(extract(query, passages(keyword, query, [1.0]), keyword).citations) == 1


def test_channel_weights_keyword_first_vectors_as_tie_breakers():
    # Chunk 0 is the keyword channel's best; chunk 1 the chunk-vector channel's; chunk 2 the sentence-vector
    # channel's. Each gets its channel's weight, and the last candidate of a vector channel gets nothing.
    zeros = np.zeros(3)
    fused = fuse(np.array([3.0, 0.0, 0.0]), zeros, np.array([0.2, 0.7, 0.2]), np.array([0.3, 0.3, 0.8]), None)
    assert fused[0] == pytest.approx(tuning.KEYWORD_WEIGHT)
    assert fused[1] == pytest.approx(tuning.DENSE_WEIGHT)
    assert fused[2] == pytest.approx(tuning.SENTENCE_DENSE_WEIGHT)
    assert tuning.KEYWORD_WEIGHT > tuning.SENTENCE_DENSE_WEIGHT >= tuning.DENSE_WEIGHT
    fused = fuse(np.array([3.0, 2.9, 0.0]), np.array([0.0, 3.0, 0.0]), zeros, zeros, None)
    assert fused[1] > fused[0]  # the best single sentence (SENTENCE_WEIGHT) breaks a near tie


def test_rerank_depth_reorders_only_the_first_passages(monkeypatch):
    texts = [f"Passage {n} mentions the hub." for n in range(3)] + ["Duty weeks are tiring for staff at the hub."]
    keyword = index_of(*(chunk(n, text) for n, text in enumerate(texts)), *FILLER)
    retriever = Retriever(None, keyword)
    query = ask(keyword, "What do staff say about duty weeks at the hub?")
    order = [(0, 1.0), (1, 0.9), (2, 0.8), (3, 0.7)]
    assert retriever._reranked(query, order, lambda c: 1.0)[0].chunk.text == texts[3]
    monkeypatch.setattr(tuning, "RERANK_DEPTH", 3)
    assert retriever._reranked(query, order, lambda c: 1.0)[-1].chunk.text == texts[3]


def test_the_first_passages_best_sentences_are_embedded_again_alone(monkeypatch, tmp_path):
    from index.embeddings import MiniLMEmbedder
    from index.store import Store, connect

    embedder = MiniLMEmbedder()
    lines = ["Duty weeks are tiring for staff.", "Staff share duty weeks fairly.", "Staff say the hub is busy.",
             "Parking is free."]
    # Pooled vectors that say nothing (as a sentence's can when its neighbours' meaning swamps it).
    keyword = index_of(chunk(0, "\n".join(lines)), *FILLER, vectors=[[0.0] * 384] * 8)
    retriever = Retriever(Store(connect(tmp_path, None, 0), embedder), keyword)
    question = "What do staff say about duty weeks?"
    query = ask(keyword, question, embedder.embed([question])[0])

    first = [s.text for s in score_sentences(query, 0, 1.0, 1.0, keyword)]

    def similarities():
        head = [Retrieved(keyword.chunks[0], 1.0, score_sentences(query, 0, 1.0, 1.0, keyword))]
        retriever._refine(query, head, lambda c: 1.0, 1.0)
        return {s.text: s.similarity for s in head[0].sentences}

    alone = dict(zip(lines, np.array(embedder.embed(lines)) @ query.vector))
    for count in (1, 3):
        monkeypatch.setattr(tuning, "REFINED_SENTENCES", count)
        found = similarities()
        assert [found[line] for line in first[:count]] == pytest.approx([alone[line] for line in first[:count]],
                                                                        abs=1e-4)
        assert all(found[line] == 0.0 for line in first[count:])
    monkeypatch.setattr(tuning, "REFINE_DEPTH", 0)
    assert set(similarities().values()) == {0.0}


def test_steering_weights(monkeypatch):
    chunks = [chunk(0, "Care leavers are well supported.", "2019.pdf", years=(2019,), months=("2019-03",),
                    council="Trafford", date="2019-05-08", doc_type="inspection report", topics=("inspection",)),
              chunk(0, "Care leavers are well supported.", "2016.pdf", years=(2016,), months=("2016-02",),
                    council="Trafford", date="2016-04-01", doc_type="peer review", topics=("peer review",))]
    keyword = index_of(*chunks)
    retriever = Retriever(None, keyword)

    def ratio(question: str) -> float:
        weight = retriever.steering(ask(keyword, question))
        return weight(chunks[0]) / weight(chunks[1])

    assert ratio("What about care leavers in 2019?") == pytest.approx(tuning.YEAR_BOOST)
    assert ratio("What did the March 2019 report say about care leavers?") == pytest.approx(
        tuning.YEAR_BOOST * tuning.MONTH_BOOST)
    # The inspection is of the kind asked for; the peer review is weighed down.
    assert ratio("What did the inspection say about care leavers?") == pytest.approx(1 / tuning.KIND_PENALTY)
    assert ratio("What did Trafford's latest report say about care leavers?") == pytest.approx(
        1 / tuning.OLDER_REPORT_PENALTY)
    assert retriever.weight(0, lambda c: 1.0) == 1.0
    monkeypatch.setattr(keyword, "boilerplate", np.array([True, False]))
    assert retriever.weight(0, lambda c: 1.0) == pytest.approx(tuning.BOILERPLATE_PENALTY)


def test_a_year_or_a_kind_of_document_with_no_report_of_the_council_is_said_so():
    keyword = index_of(chunk(0, "Care leavers are well supported.", "2019.pdf", years=(2019,), council="Trafford",
                             doc_type="inspection report", topics=("inspection",)))
    catalog = Catalog(keyword)
    query = analyse("What did the 2009 inspection of Trafford say about care leavers?", catalog)
    assert query.years_without_documents == [2009]
    result = extract(query, passages(keyword, query, [1.0]), keyword)
    assert result.abstained and "None of those about Trafford is from 2009." in result.answer
    # A year that is an event's, not the report's, is no reason to abstain.
    assert not analyse("How have Trafford's care leavers done since 2009?", catalog).years_without_documents
    assert not analyse("What happened to Trafford's care leavers in 2008-09?", catalog).years_without_documents
    query = analyse("What did the peer review say about Trafford's care leavers?", catalog)
    assert query.kinds_without_documents == ["peer review"]
    assert "None of those about Trafford is a peer review." in extract(query, passages(keyword, query, [1.0]),
                                                                       keyword).answer
    assert not analyse("What did the inspection say about Trafford's care leavers?", catalog).kinds_without_documents
    # 'review' naming a thing, not the document: the question is still answered from the inspection.
    assert not analyse("What review format did Trafford's fostering service adopt?", catalog).kinds_without_documents
    assert not analyse("Are Trafford's child protection review conferences on time?",
                       catalog).kinds_without_documents
    # A judgement is an inspection's: its year names the inspection.
    assert analyse("What was Trafford's overall judgement in 2009?", catalog).years_without_documents == [2009]
    # A council outside England, with no report here, though its name is in one ('Duke of Edinburgh').
    keyword = index_of(chunk(0, "Care leavers join the Duke of Edinburgh's Award.", "2019.pdf", council="Trafford"))
    query = analyse("What did the inspection of Edinburgh say about care leavers?", Catalog(keyword))
    assert query.councils_without_documents == ["City of Edinburgh"]
    result = extract(query, passages(keyword, query, [1.0]), keyword)
    assert result.abstained and "None of them is about City of Edinburgh." in result.answer


def test_the_documents_a_question_is_about_are_those_of_its_kind_and_year_where_there_are_any():
    keyword = index_of(chunk(0, "Visits were timely.", "a.pdf", council="Northbridge", doc_type="peer review",
                             years=(2016,)),
                       chunk(0, "Visits were late.", "b.pdf", council="Northbridge", doc_type="inspection",
                             years=(2019,)),
                       chunk(0, "Visits were rare.", "c.pdf", council="Northbridge", doc_type="inspection",
                             years=(2023,)), *FILLER)
    retriever = Retriever(None, keyword)

    def in_scope(question):
        return [keyword.chunks[i].source for i in np.flatnonzero(retriever.scope(ask(keyword, question)))]

    assert in_scope("What did the 2019 inspection of Northbridge say about visits?") == ["b.pdf"]
    assert in_scope("What did Ofsted's inspection of Northbridge say about visits?") == ["b.pdf", "c.pdf"]
    # A year with no document of the kind asked about narrows nothing further.
    assert in_scope("What did the 2016 inspection of Northbridge say about visits?") == ["b.pdf", "c.pdf"]


def test_sentences_compared_within_a_mask_score_as_they_do_in_the_whole_index():
    rng = np.random.default_rng(0)
    chunks = [chunk(i, f"Sentence {i} here. And another {i}.", f"{i}.pdf") for i in range(6)]
    vectors = rng.normal(size=(12, 4)).astype(np.float32)
    keyword = index_of(*chunks, vectors=vectors.tolist())
    question = np.array([0.5, 0.5, 0.5, 0.5], dtype=np.float32)
    everywhere = keyword.sentence_similarities(question)
    mask = np.array([False, True, False, False, True, False])
    within = keyword.sentence_similarities(question, mask)
    rows = mask[keyword.unit_chunk_array]
    assert np.allclose(within[rows], everywhere[rows]) and not within[~rows].any()
