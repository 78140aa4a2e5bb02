"""What each tuned number of index/tuning.py changes, for those the other tests don't show: the behaviour with
the number as chosen, and with it moved. docs/ says how each was chosen."""
from __future__ import annotations

import ast
import concurrent.futures

import numpy as np
import pytest

from bot.chat.reply import other_sources
from bot.core.abstention import confidence
from bot.core.answer import extract
from bot.core.generate import NumberedSource, StreamGate, check
from bot.core.retrieve import fuse
from bot.core.sentences import is_heading, score_sentences
from bot.core.types import Answer, Evidence, Passage, Reason, Refusal
from index import tuning
from index.embeddings import MiniLMEmbedder, chosen_engine
from index.keyword import boilerplate_text
from index.text import lines_and_units, split_sentences
from ingest.chunking import chunk_document
from ingest.document import Block, Document
from ingest.facts import extract_facts
from ingest.loaders import UnreadableFile, load
from ingest.reader import FileToRead, Reader

from .conftest import BADFILES, MODELS, ROOT
from .hand_built import FILLER, ask, chunk, index_of, passages


def test_every_tuned_number_says_what_it_changes_and_a_test_shows_it():
    """The rule of index/tuning.py: each number has a comment above it and is named in a test."""
    source = (ROOT / "index" / "tuning.py").read_text()
    lines = source.splitlines()
    tests = "\n".join(p.read_text() for p in (ROOT / "tests").glob("test_*.py"))
    names = []
    for node in ast.parse(source).body:
        if isinstance(node, ast.Assign):
            name = node.targets[0].id
            names.append(name)
            above = [line for line in lines[:node.lineno - 1] if line.strip()][-1]
            assert above.startswith("#") or above.startswith(tuple(n for n in names[:-1])), name
            assert name in tests, f"{name}: no test names it"
    assert len(names) >= 40


def test_max_quotes_and_next_quote_share_decide_how_many_sentences_are_quoted(monkeypatch):
    text = "\n".join(f"Caseloads in team {n} were high at the time." for n in range(5))
    keyword = index_of(chunk(0, text), *FILLER)
    query = ask(keyword, "What were caseloads in the team?")
    assert len(extract(query, passages(keyword, query, [1.0]), keyword).citations) == tuning.MAX_QUOTES == 3
    monkeypatch.setattr(tuning, "MAX_QUOTES", 1)
    assert len(extract(query, passages(keyword, query, [1.0]), keyword).citations) == 1


def test_max_list_items_is_how_many_items_follow_a_lead_in(monkeypatch):
    items = "\n".join(f"\u2022 Priority number {n} for the service." for n in range(9))
    keyword = index_of(chunk(0, f"The review found these priorities for the service:\n{items}"), *FILLER)
    query = ask(keyword, "What priorities did the review find for the service?")
    quoted = extract(query, passages(keyword, query, [1.0]), keyword).citations
    assert quoted[0].quote.endswith(":") and len(quoted) == 1 + tuning.MAX_LIST_ITEMS
    monkeypatch.setattr(tuning, "MAX_LIST_ITEMS", 2)
    assert len(extract(query, passages(keyword, query, [1.0]), keyword).citations) == 3


def test_chunks_read_is_how_far_down_the_passages_a_quote_may_come_from(monkeypatch):
    others = [chunk(0, f"Meeting {n} of the board discussed buildings.", f"other{n}.pdf") for n in range(6)]
    keyword = index_of(*others, chunk(0, "Supervision of social workers is regular and reflective.", "late.pdf"),
                       *FILLER)
    query = ask(keyword, "How regular is supervision of social workers?")
    retrieved = passages(keyword, query, [1.0] * 6 + [0.5])
    assert extract(query, retrieved, keyword).abstained  # the seventh passage is not read
    monkeypatch.setattr(tuning, "CHUNKS_READ", 7)
    assert extract(query, retrieved, keyword).citations[0].source == "late.pdf"


def test_heading_max_words_tells_a_heading_from_a_sentence(monkeypatch):
    heading = chunk(0, "Leadership Management And Governance Of The Service For Children In Need Of Help")
    line = heading.text
    assert len(line.split()) == 13 and not is_heading(line, heading)
    monkeypatch.setattr(tuning, "HEADING_MAX_WORDS", 13)
    assert is_heading(line, heading)


def test_short_unit_words_is_where_a_unit_is_too_short_to_quote_alone(monkeypatch):
    keyword = index_of(chunk(0, "Duty weeks tire staff.\nStaff said the duty weeks help them."), *FILLER)
    query = ask(keyword, "What about duty weeks for staff?")

    def first() -> str:
        return score_sentences(query, 0, 1.0, 1.0, keyword)[0].text

    assert first() == "Duty weeks tire staff."  # four words: not penalised
    monkeypatch.setattr(tuning, "SHORT_UNIT_WORDS", 5)
    assert first() == "Staff said the duty weeks help them."


def test_boilerplate_documents_and_characters_tell_a_publishers_notice_from_a_finding(monkeypatch):
    notice = "This report is available at www.example.gov.uk and may be reproduced free of charge."
    keyword = index_of(*(chunk(0, notice, f"report{n}.pdf") for n in range(2)), *FILLER)
    assert not keyword.boilerplate[:2].any()  # in two documents: still a finding
    monkeypatch.setattr(tuning, "BOILERPLATE_DOCUMENTS", 2)
    assert index_of(*(chunk(0, notice, f"report{n}.pdf") for n in range(2)), *FILLER).boilerplate[:2].all()
    long_a, long_b = "x " * 200 + "the first council", "x " * 200 + "the second council"
    assert boilerplate_text(long_a) == boilerplate_text(long_b)  # the same first 300 characters
    monkeypatch.setattr(tuning, "BOILERPLATE_CHARACTERS", 500)
    assert boilerplate_text(long_a) != boilerplate_text(long_b)


def test_candidates_is_how_many_passages_each_channel_hands_on():
    scores = np.linspace(1.0, 0.1, 70)
    zeros = np.zeros(70)
    assert len(fuse(scores, zeros, zeros, zeros, None)) == tuning.CANDIDATES == 60


def test_candidates_moved(monkeypatch):
    monkeypatch.setattr(tuning, "CANDIDATES", 10)
    scores = np.linspace(1.0, 0.1, 70)
    assert len(fuse(scores, np.zeros(70), np.zeros(70), np.zeros(70), None)) == 10


def test_support_share_is_how_much_of_a_sentence_its_source_must_hold(monkeypatch):
    from index.records import Chunk

    source = NumberedSource(1, Chunk(id="a:0", source="a.pdf", text="Caseloads are high in the east team.", page=1,
                                     section="", title="A", council=None, date=None, doc_type="report"))
    sentence = "Caseloads are high, and morale, pay and retention are poor [1]."
    sentences, checks = check(sentence, [source])
    assert not checks.citations_supported and sentences[0].supported == []
    monkeypatch.setattr(tuning, "SUPPORT_SHARE", 0.25)
    sentences, checks = check(sentence, [source])
    assert checks.citations_supported and sentences[0].supported == [1]


def test_quotation_characters_is_where_a_quoted_word_becomes_a_quotation_to_check(monkeypatch):
    shown: list[str] = []
    gate = StreamGate(["Staff are positive."], shown.append)
    gate.feed('They call it "hub" here.')
    gate.close()
    assert "".join(shown) == 'They call it "hub" here.'  # three letters: a word, not a quotation
    monkeypatch.setattr(tuning, "QUOTATION_CHARACTERS", 3)
    shown.clear()
    gate = StreamGate(["Staff are positive."], shown.append)
    gate.feed('They call it "hub" here.')
    gate.close()
    assert "".join(shown) == f"They call it {StreamGate.WITHHELD} here."


def test_more_sources_shown_is_how_many_other_passages_are_listed(monkeypatch):
    retrieved = [Passage(f"r{n}.pdf", 1, "", "", f"Report {n}", None, None, 1.0) for n in range(12)]
    answer = Answer("q", "x", False, [], retrieved)
    assert len(other_sources(answer, None)) == tuning.MORE_SOURCES_SHOWN == 10
    monkeypatch.setattr(tuning, "MORE_SOURCES_SHOWN", 3)
    assert len(other_sources(answer, None)) == 3


def test_heading_sentence_words_lets_a_long_heading_be_quoted(monkeypatch):
    text = "Help and protection\nThe overall judgement is that services require improvement\nBody text here."
    headings = ("Help and protection", "The overall judgement is that services require improvement")
    assert [u for _, u in lines_and_units(text, headings)] == [
        "The overall judgement is that services require improvement", "Body text here."]
    monkeypatch.setattr(tuning, "HEADING_SENTENCE_WORDS", 10)
    assert [u for _, u in lines_and_units(text, headings)] == ["Body text here."]


def test_max_unit_words_cuts_a_long_sentence_at_its_clauses(monkeypatch):
    sentence = ", ".join(f"the team met partner number {n}" for n in range(16)) + "."
    assert len(sentence.split()) > tuning.MAX_UNIT_WORDS
    pieces = split_sentences(sentence)
    assert len(pieces) > 1 and all(len(p.split()) <= tuning.MAX_UNIT_WORDS for p in pieces)
    assert " ".join(pieces) == sentence  # cut, never changed
    monkeypatch.setattr(tuning, "MAX_UNIT_WORDS", 200)
    assert split_sentences(sentence) == [sentence]


def _document(blocks: list[Block]) -> Document:
    return Document(source="r.pdf", title="Inspection of Northbridge", council="Northbridge", date="2024-01-01",
                    years=(2024,), doc_type="inspection report", blocks=blocks)


def test_judgement_pages_is_where_the_judgement_table_is_looked_for(monkeypatch):
    blocks = [Block("paragraph", "Inspection of Northbridge local authority children's services", 1),
              Block("row", "Overall effectiveness Good", 4)]
    assert not [f for f in extract_facts(_document(blocks)) if f.fact == "overall_effectiveness"]
    monkeypatch.setattr(tuning, "JUDGEMENT_PAGES", 4)
    assert [f.value for f in extract_facts(_document(blocks)) if f.fact == "overall_effectiveness"] == ["good"]


def test_max_chunk_tokens_is_the_size_of_a_chunk(monkeypatch):
    blocks = [Block("paragraph", f"Paragraph {n} says that caseloads were high in the team that year.", 1)
              for n in range(40)]
    document = _document(blocks)
    counter = MiniLMEmbedder().count_tokens
    chunks = chunk_document(document, "k", counter)
    assert all(counter(c.text) <= tuning.MAX_CHUNK_TOKENS for c in chunks)
    monkeypatch.setattr(tuning, "MAX_CHUNK_TOKENS", 50)
    smaller = chunk_document(document, "k", counter)
    assert len(smaller) > len(chunks) and all(counter(c.text) <= 50 for c in smaller)


def test_min_chars_per_page_is_where_a_pdf_is_taken_for_pictures_of_text(monkeypatch):
    scan = BADFILES / "pdf-samples" / "019-grayscale-image" / "grayscale-image.pdf"
    with pytest.raises(UnreadableFile, match="needs OCR"):
        load(scan)
    monkeypatch.setattr(tuning, "MIN_CHARS_PER_PAGE", 0)
    with pytest.raises(UnreadableFile, match="no text found"):
        load(scan)


def test_read_in_worker_from_is_how_many_files_need_a_reader_process(monkeypatch):
    assert not Reader.for_files(tuning.READ_IN_WORKER_FROM - 1).in_worker
    assert Reader.for_files(tuning.READ_IN_WORKER_FROM).in_worker
    monkeypatch.setattr(tuning, "READ_IN_WORKER_FROM", 1)
    assert Reader.for_files(1).in_worker


def test_read_ahead_is_how_many_files_the_reader_has_in_hand(monkeypatch, tmp_path):
    files = []
    for n in range(6):
        path = tmp_path / f"note{n}.md"
        path.write_text(f"# Note {n}\n\nCaseloads were high in team {n}.\n")
        files.append(FileToRead(tmp_path, path, path.name, f"k{n}", "x", False))
    submit = concurrent.futures.ProcessPoolExecutor.submit
    submitted: list[int] = []

    def counting(self, *args, **kwargs):
        submitted.append(1)
        return submit(self, *args, **kwargs)

    monkeypatch.setattr(concurrent.futures.ProcessPoolExecutor, "submit", counting)
    for read_ahead in (tuning.READ_AHEAD, 1):
        monkeypatch.setattr(tuning, "READ_AHEAD", read_ahead)
        submitted.clear()
        with Reader(in_worker=True) as reader:
            results = reader.read_all(files)
            next(results)
            assert len(submitted) == read_ahead  # asked for before the first is handed over
            assert len(list(results)) == 5


def test_embed_batch_changes_the_speed_not_the_vectors(monkeypatch, tmp_path):
    texts = ["Caseloads were high.", "Supervision is regular and reflective in the assessment teams."]
    embedder = MiniLMEmbedder("onnx-float32", MODELS)
    batched = np.array(embedder.embed(texts))
    monkeypatch.setattr(tuning, "EMBED_BATCH", 1)
    alone = np.array(embedder.embed(texts))
    assert np.allclose((batched * alone).sum(axis=1), 1.0, atol=1e-5)


def test_ingest_engine_is_what_auto_ingests_with_on_each_kind_of_cpu(monkeypatch):
    for name, features in (("INGEST_ENGINE_WITH_BF16", {"avx2", "avx512f", "avx512_bf16"}),
                           ("INGEST_ENGINE_WITHOUT_BF16", {"avx2"})):
        monkeypatch.setattr(tuning, name, "torch-float32")
        assert chosen_engine("auto", for_ingest=True, features=frozenset(features)) == "torch-float32"
        monkeypatch.setattr(tuning, name, "onnx-int8")
        assert chosen_engine("auto", for_ingest=True, features=frozenset(features)) == "onnx-int8"
        assert chosen_engine("auto", for_ingest=False, features=frozenset(features)) == "onnx-float32"


def test_the_tuning_module_is_the_only_home_of_these_numbers():
    """No module keeps its own copy of a tuned number."""
    names = {node.targets[0].id for node in ast.parse((ROOT / "index" / "tuning.py").read_text()).body
             if isinstance(node, ast.Assign)}
    for path in [*ROOT.glob("bot/**/*.py"), *ROOT.glob("ingest/**/*.py"), *ROOT.glob("index/**/*.py")]:
        if path.name == "tuning.py":
            continue
        for node in ast.parse(path.read_text()).body:
            if isinstance(node, ast.Assign) and isinstance(node.targets[0], ast.Name):
                assert node.targets[0].id not in names, f"{path.relative_to(ROOT)} defines {node.targets[0].id}"



def _morale_and_fleet(vectors=None):
    from bot.core.retrieve import Retriever

    keyword = index_of(chunk(0, "Visits by the east team were timely.", "n.pdf", council="Northbridge"),
                       chunk(1, "Morale was low.", "n.pdf", council="Northbridge"),
                       chunk(0, "The fleet vehicles were replaced.", "o.pdf", council="Eastmoor"), *FILLER,
                       vectors=vectors)
    return keyword, Retriever(None, keyword)


def test_answer_confidence_is_the_evidence_below_which_a_question_is_refused(monkeypatch):
    # 'Morale was low.' holds a third of the question's words; Northbridge's documents never mention the fleet.
    keyword, retriever = _morale_and_fleet()
    query = ask(keyword, "What about morale and the fleet vehicles in Northbridge?")
    retrieved = passages(keyword, query, [1.0, 0.9])
    answer = extract(query, retrieved, keyword, retriever.scope(query))
    assert answer.abstained and answer.refusal.reason is Reason.TOPIC_NOT_COVERED
    assert "None of those about Northbridge mentions fleet, vehicles." in answer.answer
    # The closest sentence is shown, cited, and marked as not an answer.
    assert "Closest: \u201cMorale was low.\u201d [1]" in answer.answer and answer.citations[0].quote == "Morale was low."
    monkeypatch.setattr(tuning, "ANSWER_CONFIDENCE", 0.05)
    answer = extract(query, retrieved, keyword, retriever.scope(query))
    assert not answer.abstained and answer.citations[0].quote == "Morale was low."


def test_answer_weights_and_bias_weigh_meaning_words_and_what_the_documents_lack(monkeypatch):
    evidence = Evidence(similarity=0.6, coverage=0.5, unknown_share=0.0, absent_share=0.0)
    assert confidence(evidence) >= tuning.ANSWER_CONFIDENCE
    # Closeness in meaning and the words held count for an answer; words no passage holds, or none of the
    # documents asked about, against it.
    assert confidence(Evidence(0.3, 0.5, 0.0, 0.0)) < confidence(evidence)
    assert confidence(Evidence(0.6, 0.1, 0.0, 0.0)) < confidence(evidence)
    assert confidence(Evidence(0.6, 0.5, 0.8, 0.0)) < confidence(evidence)
    assert confidence(Evidence(0.6, 0.5, 0.0, 0.8)) < confidence(evidence)
    monkeypatch.setattr(tuning, "ANSWER_BIAS", tuning.ANSWER_BIAS - 3)
    assert confidence(evidence) < tuning.ANSWER_CONFIDENCE
    monkeypatch.setattr(tuning, "ANSWER_WEIGHTS", (20.0, 0.0, 0.0, 0.0, 0.0))
    assert confidence(evidence) > 0.99
    # Without sentence vectors, similarity is not measured and the words-only model decides.
    words_only = Evidence(similarity=None, coverage=1.0, unknown_share=0.0, absent_share=0.0, carried=1.0)
    assert confidence(words_only) >= tuning.ANSWER_CONFIDENCE
    assert confidence(Evidence(None, 0.2, 0.5, 0.5, 0.0)) < tuning.ANSWER_CONFIDENCE
    monkeypatch.setattr(tuning, "ANSWER_BIAS_WORDS_ONLY", -10.0)
    assert confidence(words_only) < tuning.ANSWER_CONFIDENCE
    monkeypatch.setattr(tuning, "ANSWER_WEIGHTS_WORDS_ONLY", (20.0, 0.0, 0.0, 0.0))
    assert confidence(words_only) > 0.99


def test_a_word_no_document_holds_never_refuses_by_itself():
    keyword, retriever = _morale_and_fleet()
    query = ask(keyword, "lol was morale low in Northbridge tbh")
    assert {"lol", "tbh"} <= set(query.unknown_words) and query.unknown_share > 0
    answer = extract(query, passages(keyword, query, [1.0, 0.9]), keyword, retriever.scope(query))
    assert not answer.abstained and answer.citations[0].quote == "Morale was low."
    # When it is all the question asks about, it is the topic the documents don't cover.
    query = ask(keyword, "what about the zeppelins in Northbridge")
    answer = extract(query, passages(keyword, query, [1.0, 0.9]), keyword, retriever.scope(query))
    assert answer.abstained and answer.refusal == Refusal(Reason.TOPIC_NOT_COVERED, "zeppelins")


@pytest.fixture(scope="module")
def request_examples():
    from bot.core.request_examples import RequestExamples

    return RequestExamples(MiniLMEmbedder("onnx-float32", MODELS).embed)


def _suggested(examples, text):
    from bot.core.request import read_request
    from bot.core.request_examples import clauses

    request = read_request(text)
    return examples.suggest(request, np.asarray(examples.embed(clauses(request.asked)), dtype=np.float32))


def test_request_example_similarity_margin_and_floor_say_when_an_example_reads_the_request(
        request_examples, monkeypatch):
    sort_out = "what do the inspectors reckon we have to sort out"
    # Worded as no lexicon lists it, but near the examples that ask for what needs to improve.
    suggested, decides = _suggested(request_examples, sort_out)
    assert suggested is not None and suggested.section == "improvement" and decides
    # A question on a topic is nearer a plain question's example: the lexicons' reading stands.
    assert _suggested(request_examples, "what did the inspectors say about caseloads in the assessment team")[0] is None
    # A line to quote, asked for in words no lexicon lists; a question on the same topic stays a question.
    assert _suggested(request_examples, "copy me what the report wrote on thresholds")[0].shape == "quote"
    assert _suggested(request_examples, "what did the inspectors say about thresholds")[0] is None
    # Not close enough to decide the route, it is kept for when the passages can't answer.
    monkeypatch.setattr(tuning, "REQUEST_EXAMPLE_MARGIN", 0.9)
    assert _suggested(request_examples, sort_out)[0] is not None and _suggested(request_examples, sort_out)[1] is False
    monkeypatch.setattr(tuning, "REQUEST_EXAMPLE_SIMILARITY", 0.99)
    assert _suggested(request_examples, sort_out)[0] is None
    # A list of no section asked for is read as its example's from the floor.
    summarise = "summarise the findings in a few bullets"
    assert _suggested(request_examples, summarise)[0].shape == "briefing"
    monkeypatch.setattr(tuning, "REQUEST_EXAMPLE_FLOOR", 0.99)
    assert _suggested(request_examples, summarise)[0] is None


def test_telling_candidates_is_how_far_down_a_sentence_holding_the_telling_word_is_looked_for(monkeypatch):
    from bot.core.retrieve import Retriever

    keyword = index_of(chunk(0, "Visits to children by the east team were timely.", "n.pdf", council="Northbridge"),
                       chunk(1, "Morale was low.", "n.pdf", council="Northbridge"),
                       *(chunk(0, f"The east team of council {n} visits children.", f"o{n}.pdf", council=f"Eastmoor {n}")
                         for n in range(8)), *FILLER)
    query = ask(keyword, "What about morale on the east team visits in Northbridge?")
    retrieved = passages(keyword, query, [1.0, 0.2])
    assert not retrieved[0].sentences[0].carries()  # the first passage's sentence lacks 'morale'
    scope = Retriever(None, keyword).scope(query)
    # These passages have no sentence vectors: the decision to answer is left to the words alone here.
    monkeypatch.setattr(tuning, "ANSWER_CONFIDENCE", 0.1)
    answer = extract(query, retrieved, keyword, scope)
    assert not answer.abstained and answer.citations[0].quote == "Morale was low."
    monkeypatch.setattr(tuning, "TELLING_CANDIDATES", 0)
    assert extract(query, retrieved, keyword, scope).citations[0].quote != "Morale was low."


def test_quote_min_words_is_what_a_line_to_paste_must_be(monkeypatch):
    keyword = index_of(chunk(0, "Children in care thrive.\nChildren in care benefit from the support and services "
                                "they get here.", council="Northbridge"), *FILLER)
    query = ask(keyword, "Give me a line on children in care thriving in Northbridge for my report")
    assert query.request.shape == "quote"
    quoted = extract(query, passages(keyword, query, [1.0]), keyword).citations
    assert quoted[0].quote.startswith("Children in care benefit")
    monkeypatch.setattr(tuning, "QUOTE_MIN_WORDS", 0)
    assert extract(query, passages(keyword, query, [1.0]), keyword).citations[0].quote == "Children in care thrive."


def test_a_judgement_tables_row_is_never_a_line_to_paste(monkeypatch):
    keyword = index_of(chunk(0, "The experiences and progress of children in care Outstanding\nChildren in care "
                                "benefit from outstanding support and services here.", council="Northbridge"), *FILLER)
    query = ask(keyword, "Give me a line on children in care being outstanding in Northbridge for my report")
    monkeypatch.setattr(tuning, "QUOTE_MIN_WORDS", 0)
    assert extract(query, passages(keyword, query, [1.0]), keyword).citations[0].quote.startswith(
        "Children in care benefit")
