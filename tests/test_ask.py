"""Asking: hybrid retrieval steered by what the question names, verbatim quotes, abstention, the JSON contract."""
from __future__ import annotations

import json
import subprocess
import sys

import pytest

from bot.core.types import Filters
from bot.evaluate import original_text
from index.text import is_verbatim, normalise

from .conftest import CORPUS, SHARED, run_cli

pytestmark = pytest.mark.shared


def test_answer_quotes_the_source_word_for_word(indexed):
    answer = indexed.ask("What did the peer review say about Initial Response duty weeks?")
    assert not answer.abstained
    first = answer.citations[0]
    assert "undertake a 'duty' role for a week at a time" in first.quote
    assert first.source == "worcestershire-2015/worcestershire-2015-detailed-findings.pdf"
    assert first.page == 3
    assert first.section.endswith("Effective practice, service delivery and the voice of the child › "
                                  "Areas for further consideration")
    assert first.council == "Worcestershire"
    for citation in answer.citations:
        assert normalise(citation.quote) in normalise(original_text(CORPUS / citation.source))
    assert "[1]" in answer.answer


def test_acronym_in_the_documents_found_from_its_full_form(indexed):
    answer = indexed.ask("How much has the Police and Crime Commissioner invested in child sexual exploitation?")
    assert any("invested £1.3m in CSE" in c.quote for c in answer.citations)


def test_council_and_year_steer_to_the_right_report(indexed):
    answer = indexed.ask("What was Worcestershire's overall effectiveness judgement in 2019?")
    assert answer.retrieved[0].source == "ofsted/ofsted_worcestershire_29-july-2019.pdf"
    assert answer.citations[0].source == "ofsted/ofsted_worcestershire_29-july-2019.pdf"
    answer = indexed.ask("What was Worcestershire's overall effectiveness judgement in 2023?")
    assert answer.retrieved[0].source == "ofsted/ofsted_worcestershire_14-july-2023.pdf"


@pytest.mark.parametrize("question", [
    "What did the latest inspection of Worcestershire say about care leavers?",
    "What did Worcestershire's most recent inspection find for care leavers?",
])
def test_latest_picks_the_newest_report_and_is_not_a_word_the_answer_needs(indexed, question):
    answer = indexed.ask(question)
    assert not answer.abstained
    assert {c.source for c in answer.citations} == {"ofsted/ofsted_worcestershire_14-july-2023.pdf"}
    assert all("care leaver" in c.quote.lower() for c in answer.citations)


def test_explicit_filters_restrict_the_documents(indexed):
    answer = indexed.ask("What was the overall effectiveness judgement?", Filters(council="Trafford"))
    assert {r.source for r in answer.retrieved} == {"ofsted/ofsted_trafford_08-may-2019.pdf"}
    quote = answer.citations[0].quote.lower()
    assert "overall effectiveness" in quote and "inadequate" in quote
    answer = indexed.ask("What did the review say about caseloads?", Filters(doc_type="letter"))
    assert {r.source for r in answer.retrieved} <= {"worcestershire-2015/worcestershire-2015-staff-letter.pdf"}


@pytest.mark.parametrize("question", [
    "What is the capital of France?",
    "What did the peer review say about adult social care waiting lists in Birmingham?",
])
def test_abstains_when_the_documents_do_not_say(indexed, question):
    answer = indexed.ask(question)
    assert answer.abstained and answer.refusal is not None
    assert "don't answer" in answer.answer
    # A refusal may show the closest sentence, cited and marked as not an answer.
    assert all(f"Closest: \u201c{c.quote}\u201d" in answer.answer for c in answer.citations)


def test_quote_check_refuses_words_not_in_the_source():
    source = "Social workers reported caseloads of between 25-30 cases."
    assert is_verbatim("caseloads of between 25\u201330 cases", source)
    assert not is_verbatim("caseloads of between 20-30 cases", source)
    assert not is_verbatim("", source)


def test_json_contract_and_stdin(indexed):
    env = {"REVIEWBOT_DATA_DIR": str(indexed.settings.data_dir)}
    questions = "Who signed the letter to staff about the peer review feedback?\nWhat is the capital of France?\n"
    result = run_cli(["ask", "--json", "--stdin"], env, input_text=questions)
    assert result.returncode == 0, result.stderr
    lines = [json.loads(line) for line in result.stdout.splitlines()]
    assert [line["question"] for line in lines] == questions.split("\n")[:2]
    for line in lines:
        assert set(line) >= {"question", "answer", "abstained", "citations", "retrieved", "timings_ms"}
        assert isinstance(line["abstained"], bool)
        assert len(line["retrieved"]) >= 5
        assert set(line["retrieved"][0]) >= {"source", "page", "section", "text", "score"}
        assert set(line["timings_ms"]) >= {"retrieve", "answer", "total"}
        for citation in line["citations"]:
            assert set(citation) >= {"n", "source", "title", "page", "section", "quote"}
    # A refusal says why, and shows the closest sentence only as that.
    assert lines[1]["abstained"] and lines[1]["refusal"]["reason"]
    assert all(f"Closest: \u201c{c['quote']}\u201d" in lines[1]["answer"] for c in lines[1]["citations"])

    single = run_cli(["ask", "--json", "What caseloads did social workers report to the review team?"], env)
    answer = json.loads(single.stdout)
    assert any("caseloads of between 25-30 cases" in c["quote"] for c in answer["citations"])

    text = run_cli(["ask", "What caseloads did social workers report to the review team?"], env)
    assert "Sources:" in text.stdout and "[1]" in text.stdout


def test_eval_prints_the_scorers_figures(indexed, tmp_path):
    questions = tmp_path / "questions.jsonl"
    keep = [json.loads(line) for line in (SHARED / "eval/dev.jsonl").read_text().splitlines() if line.strip()]
    # Questions about documents in the indexed subset, and the unanswerable ones.
    wanted = [q for q in keep if not q.get("answerable", True)
              or all(e["doc"] in {p.split("/")[-1].rsplit(".", 1)[0] for p in _subset_names()} for e in q["expected"])]
    questions.write_text("".join(json.dumps(q) + "\n" for q in wanted))
    answers = tmp_path / "answers.jsonl"
    env = {"REVIEWBOT_DATA_DIR": str(indexed.settings.data_dir)}
    ours = run_cli(["eval", str(questions), "--answers-out", str(answers)], env)
    assert ours.returncode == 0, ours.stderr
    scored = subprocess.run([sys.executable, str(SHARED / "eval/score.py"), "--questions", str(questions),
                             "--answers", str(answers), "--corpus", str(CORPUS)], capture_output=True, text=True)
    ours_summary = json.loads(ours.stdout.splitlines()[-1])
    theirs = json.loads(scored.stdout.splitlines()[-1])
    for key in ("recall_at_5", "mrr", "cited", "false_abstain", "abstain_correct", "quote_fidelity"):
        assert ours_summary[key] == theirs[key], key
    assert theirs["quote_fidelity"] == 1.0
    # Abstention as precision (right to abstain) and recall (abstained when it should), from the same counts.
    answerable = theirs["answerable"]
    right, wrong = round(theirs["abstain_correct"] * theirs["unanswerable"]), round(theirs["false_abstain"] * answerable)
    assert ours_summary["abstain_recall"] == theirs["abstain_correct"]
    assert ours_summary["abstain_precision"] == (round(right / (right + wrong), 3) if right + wrong else None)


def _subset_names():
    from .conftest import SUBSET

    return SUBSET


def test_passages_is_how_many_passages_an_answer_is_chosen_from_and_shows(indexed, monkeypatch):
    from index import tuning

    question = "What did the peer review say about caseloads?"
    assert len(indexed.ask(question).retrieved) == tuning.PASSAGES == 8
    monkeypatch.setattr(tuning, "PASSAGES", 3)
    assert len(indexed.ask(question).retrieved) == 3


def test_timeline_documents_and_depth_are_how_many_documents_a_timeline_reads(indexed, monkeypatch):
    from bot.core.query import analyse
    from index import tuning

    retriever = indexed.retriever
    topic = analyse("caseloads in Worcestershire", retriever.catalog)
    found = retriever.per_document(topic)
    assert 2 < len(found) <= tuning.TIMELINE_DOCUMENTS and len({r.chunk.source for r in found}) == len(found)
    monkeypatch.setattr(tuning, "TIMELINE_DOCUMENTS", 2)
    assert len(retriever.per_document(topic)) == 2
    monkeypatch.setattr(tuning, "TIMELINE_DOCUMENTS", 8)
    monkeypatch.setattr(tuning, "TIMELINE_DEPTH", 1)
    assert len(retriever.per_document(topic)) == 1
