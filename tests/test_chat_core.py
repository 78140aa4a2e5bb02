"""What both chat adapters stand on, on small hand-built cases: the chat-neutral reply, links, the stream
gate, example questions, follow-up detection, retried events and the feedback store's upgrade."""
from __future__ import annotations

import sqlite3

from bot.chat.feedback import FeedbackStore
from bot.chat.incoming import reads_as_question
from bot.chat.reply import (
    COPY_REFERENCE,
    MORE_SOURCES,
    POST_TO_CHANNEL,
    other_sources,
    references,
    reply_to,
)
from bot.chat.seen_events import SeenEvents
from bot.core.generate import StreamGate
from bot.core.suggestions import GENERAL, example_questions
from bot.core.types import Answer, AnsweredSentence, Checks, Citation, Passage, Reason, Refusal, Timings
from bot.links import Links, published_link
from index.records import DocumentRecord

CITATION = Citation(n=1, source="ofsted/report one.pdf", title="Inspection of Northbridge", page=7,
                    section="Help and protection", council="Northbridge", date="2024-03-07",
                    quote="Caseloads are manageable.")


def test_a_link_goes_to_the_page_only_where_the_documents_are_published():
    assert published_link("ofsted/report one.pdf", 7, "https://intranet.example/docs/") == \
        "https://intranet.example/docs/ofsted/report%20one.pdf#page=7"
    assert published_link("notes.docx", None, "https://intranet.example/docs") == "https://intranet.example/docs/notes.docx"
    assert published_link("ofsted/report one.pdf", 7, None) is None


def test_an_extractive_reply_is_its_quotes_and_a_models_reply_its_prose():
    extractive = Answer("q", "\u201cCaseloads are manageable.\u201d [1]", False, [CITATION], [])
    reply = reply_to(extractive, "a1", None, offer_post=True)
    assert reply.prose == "" and reply.quotes == [("Caseloads are manageable.", [1])] and not reply.generated
    assert reply.actions == [COPY_REFERENCE, MORE_SOURCES, POST_TO_CHANNEL]
    assert reply.sources[0].reference == ("Inspection of Northbridge, p. 7, Help and protection, Northbridge, "
                                          "2024-03-07 (ofsted/report one.pdf)")
    model = Answer("q", "Caseloads were manageable [1].", False, [CITATION], [], mode="llm")
    assert reply_to(model, "a2", None).prose == "Caseloads were manageable [1]." and reply_to(model, "a2", None).generated
    abstained = Answer("q", "The indexed documents don't answer this.", True, [], [])
    assert reply_to(abstained, "a3", None, offer_post=True).actions == [MORE_SOURCES]
    # A refusal with the closest sentence: its prose says so, its source is listed, and nothing is offered to
    # paste or post as if it were an answer.
    closest = Answer("q", "The indexed documents don't answer this. None of those about Northbridge mentions "
                     "reoffending. Closest: \u201cCaseloads are manageable.\u201d [1]", True, [CITATION], [],
                     refusal=Refusal(Reason.TOPIC_NOT_COVERED, "reoffending"))
    reply = reply_to(closest, "a4", None, offer_post=True)
    assert reply.abstained and "Closest: \u201cCaseloads are manageable.\u201d [1]" in reply.prose
    assert reply.quotes == [] and [s.title for s in reply.sources] == ["Inspection of Northbridge"]
    assert reply.actions == [MORE_SOURCES]


def test_references_and_more_sources_carry_links():
    answer = Answer("q", "x", False, [CITATION], [
        Passage("ofsted/report one.pdf", 7, "S", "", "Inspection of Northbridge", None, None, 1.0),
        Passage("plan.pdf", 2, "Priorities", "", "Improvement plan", None, None, 0.5)])
    assert references(answer, Links("https://d.example")) == [
        "\u201cCaseloads are manageable.\u201d \u2014 Inspection of Northbridge, p. 7, Help and protection, Northbridge, "
        "2024-03-07 (ofsted/report one.pdf) https://d.example/ofsted/report%20one.pdf#page=7"]
    more = other_sources(answer, Links("https://d.example"))
    assert [(s.title, s.link) for s in more] == [("Improvement plan", "https://d.example/plan.pdf#page=2")]


def test_the_stream_gate_holds_quotations_until_checked_and_drops_markers():
    shown: list[str] = []
    gate = StreamGate(["Caseloads are manageable and supervision is regular."], shown.append)
    for piece in ["Inspectors found ", "that \u201cCaseloads are ", "manageable\u201d [1]. They said ",
                  '"staff are never tired" [1', "]. Done."]:
        gate.feed(piece)
    assert "Caseloads are" not in "".join(shown[:1])  # an open quotation waits for its end
    gate.close()
    text = "".join(shown)
    assert text == ("Inspectors found that \u201cCaseloads are manageable\u201d. They said "
                    f"{StreamGate.WITHHELD}. Done.")


def test_the_stream_gate_says_nothing_of_not_in_sources_and_never_shows_an_unclosed_quotation():
    shown: list[str] = []
    gate = StreamGate(["anything"], shown.append)
    for piece in ["NOT ", "IN SOU", "RCES"]:
        gate.feed(piece)
    gate.close()
    assert shown == []
    gate = StreamGate(["anything"], shown.append)
    gate.feed('They wrote "an unfinished quotation that goes on')
    gate.close()
    assert "".join(shown) == "They wrote "


def record(council: str, date: str, doc_type: str, title: str = "A document") -> DocumentRecord:
    return DocumentRecord(key=title, root="r", source=f"{title}.pdf", sha256="x", title=title, council=council,
                          date=date, years=(int(date[:4]),), doc_type=doc_type, topics=(), chunks=1, pages=1,
                          indexed_at="2026-01-01")


def test_example_questions_come_from_the_newest_documents_of_different_councils():
    records = [record("Northbridge", "2019-05-01", "inspection report"),
               record("Northbridge", "2024-03-07", "peer review findings"),
               record("Eastmoor", "2023-01-10", "inspection report"),
               record("Westdale", "2022-06-30", "improvement plan")]
    assert example_questions(records, n=3) == [
        "What did the 2024 peer review of Northbridge recommend?",
        "What was Eastmoor's overall effectiveness judgement in 2023?",
        "What are the priorities of Westdale's improvement plan?"]
    assert example_questions([], n=2) == GENERAL[:2]


def test_which_thread_replies_read_as_questions():
    for text in ("and in 2019?", "What did it say about caseloads", "who led it?", "Tell me about supervision"):
        assert reads_as_question(text), text
    for text in ("thanks, that helps", "see you at 3", "I'll add this to the report", "Great"):
        assert not reads_as_question(text), text


def test_each_event_is_seen_once_across_openings(tmp_path):
    path = tmp_path / "events.sqlite3"
    assert SeenEvents(path).first_time("Ev1")
    assert not SeenEvents(path).first_time("Ev1")  # another process, or after a restart
    assert SeenEvents(path).first_time("Ev2")


def test_a_feedback_store_from_before_comments_is_upgraded(tmp_path):
    path = tmp_path / "feedback.sqlite3"
    old = sqlite3.connect(path)
    old.executescript("""
        CREATE TABLE answers (id TEXT PRIMARY KEY, question TEXT NOT NULL, answer TEXT NOT NULL, payload TEXT NOT NULL,
            user TEXT, channel TEXT, created_at TEXT NOT NULL);
        CREATE TABLE votes (answer_id TEXT NOT NULL REFERENCES answers(id), vote TEXT NOT NULL, user TEXT,
            channel TEXT, voted_at TEXT NOT NULL, PRIMARY KEY (answer_id, user));
        INSERT INTO answers VALUES ('old1', 'q', 'a', '{"question": "q", "answer": "a", "abstained": false,
            "citations": [], "retrieved": []}', 'U1', 'C1', '2025-01-01');
        INSERT INTO votes VALUES ('old1', 'up', 'U1', 'C1', '2025-01-02');""")
    old.commit()
    old.close()
    store = FeedbackStore(path)
    assert [v.comment for v in store.votes()] == [None]
    answer_id = store.remember(Answer("q2", "a2", False, [CITATION], []), "U2", "C2", thread="10.1")
    store.attach_message(answer_id, "msg-1")
    store.vote(answer_id, "down", "U2", "C2", "wrong page")
    assert store.answered_in("C2", "10.1") and not store.answered_in("C2", "10.2")
    assert store.answer_shown_in("C2", "msg-1") == answer_id
    assert store.answer(answer_id).citations[0] == CITATION
    assert [v.comment for v in store.votes()][-1] == "wrong page"


def test_a_stored_answer_comes_back_as_it_was_given(tmp_path):
    store = FeedbackStore(tmp_path / "feedback.sqlite3")
    given = Answer("q", "Caseloads were manageable [1].", False, [CITATION],
                   [Passage("ofsted/report one.pdf", 7, "Help and protection", "Caseloads are manageable.",
                            "Inspection of Northbridge", "Northbridge", "2024-03-07", 1.25)],
                   timings_ms=Timings(retrieve=10.0, answer=2.5, total=12.5), nearest_documents=["Inspection"],
                   mode="llm", checks=Checks(True, True, False, True, None),
                   sentences=[AnsweredSentence("Caseloads were manageable.", [1], [1]),
                              AnsweredSentence("Staff are happy.", [], [], ["no citation"])])
    assert store.answer(store.remember(given, "U1", "C1")) == given
    # One kept before answers were typed: its checks an empty dict, its passages without titles.
    old = {"question": "q", "answer": "a", "abstained": False, "citations": [], "checks": {}, "sentences": [],
           "retrieved": [{"source": "a.pdf", "page": 1, "section": "", "text": "t", "score": 0.5}],
           "timings_ms": {"retrieve": 1.0, "answer": 1.0, "total": 2.0}, "nearest_documents": [], "mode": "extractive"}
    loaded = Answer.from_dict(old)
    assert loaded.checks is None and loaded.retrieved[0].source == "a.pdf" and loaded.timings_ms.total == 2.0


def test_a_briefing_reads_as_headed_lists_in_slack_and_teams():
    from bot.chat.slack.blocks import answer_blocks
    from bot.chat.teams.cards import message_text

    text = "Briefing: Inspection of Northbridge, 2024-03-07\nJudgements:\n\u2022 \u201cCaseloads are manageable.\u201d [1]"
    reply = reply_to(Answer("brief me", text, False, [CITATION], [], mode="briefing"), "a1", None)
    assert reply.quotes == [] and COPY_REFERENCE in reply.actions
    assert [heading for _, heading in reply.prose_lines()] == [True, True, False]
    slack = "\n".join(b["text"]["text"] for b in answer_blocks(reply) if b.get("type") == "section")
    assert "*Briefing: Inspection of Northbridge, 2024-03-07*\n*Judgements:*\n\u2022 \u201cCaseloads" in slack
    assert message_text(reply).startswith("**Briefing: Inspection of Northbridge, 2024-03-07**\n**Judgements:**\n")
