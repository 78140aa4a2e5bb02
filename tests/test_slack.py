"""The Slack bot over real HTTP: signed requests in, calls to a local fake Slack Web API out."""
from __future__ import annotations

import json
import os
import subprocess
import sys
import threading
import time
from concurrent.futures import ThreadPoolExecutor

import httpx
import pytest

from bot.chat.feedback import FeedbackStore
from bot.chat.reply import FAILED, reply_to
from bot.chat.seen_events import SeenEvents
from bot.chat.service import ChatService
from bot.chat.slack.app import EVENTS_PATH, HEALTH_PATH, SlackDeps, create_app, http_server
from bot.chat.slack.blocks import BLOCK_LIMIT, SECTION_LIMIT, answer_blocks
from bot.chat.slack.handlers import GREETING
from bot.core.access import AccessPolicy, load_policy
from bot.core.service import ReviewBot
from bot.core.types import Answer, Citation
from bot.links import Links

from .chat_fixtures import bot_with_a_slow_model, bot_without_its_store, index_with_restricted
from .conftest import EXAMPLES, ROOT, free_port, run_cli
from .fake_openai import source_with
from .fake_slack import BOT_ID, BOT_USER, FakeSlack, action_body, command_body, event_body, signed_headers

SECRET = "test-signing-secret"
DOCS_URL = "https://intranet.example/review-docs"


def serve(app, bot) -> tuple[str, object]:
    port = free_port()
    server = http_server(app, bot, port, host="127.0.0.1")
    threading.Thread(target=server.run, daemon=True).start()
    return f"http://127.0.0.1:{port}", server


@pytest.fixture(scope="module")
def slack_setup(tmp_path_factory):
    settings = index_with_restricted(tmp_path_factory.mktemp("slack"))
    bot = ReviewBot(settings)
    feedback = FeedbackStore(settings.data_dir / "feedback.sqlite3")
    policy = AccessPolicy(channels={"CPRIVATE": frozenset({"default", "restricted"})})
    fake = FakeSlack()
    deps = SlackDeps(ChatService(bot, feedback, policy, Links(DOCS_URL)), seen=SeenEvents(settings.data_dir / "events.sqlite3"))
    app = create_app(deps, "xoxb-test", SECRET, fake.url)
    base, server = serve(app, bot)
    yield {"fake": fake, "url": base + EVENTS_PATH, "feedback": feedback, "settings": settings, "bot": bot,
           "health": base + HEALTH_PATH}
    server.close()
    fake.close()


def send(setup, body: str, content_type: str, timestamp=None, secret=SECRET, retry: int | None = None,
         timeout: float = 10) -> httpx.Response:
    headers = signed_headers(secret, body, content_type, timestamp)
    if retry is not None:
        headers |= {"X-Slack-Retry-Num": str(retry), "X-Slack-Retry-Reason": "http_timeout"}
    return httpx.post(setup["url"], content=body, headers=headers, timeout=timeout)


def send_event(setup, event: dict, **options) -> httpx.Response:
    event_id = options.pop("event_id", None)
    return send(setup, event_body(event, event_id), "application/json", **options)


def press(setup, action_id: str, value: str, channel: str, user: str) -> httpx.Response:
    return send(setup, action_body(action_id, value, setup["fake"].response_url, channel=channel, user=user),
                "application/x-www-form-urlencoded")


def blocks_of(params: dict) -> list[dict]:
    blocks = params.get("blocks")
    return (json.loads(blocks) if isinstance(blocks, str) else blocks) or []


def blocks_text(params: dict) -> str:
    return json.dumps(blocks_of(params), ensure_ascii=False)


def answer_id_in(params: dict) -> str:
    """The stored answer's id, from the value of its 'good answer' feedback button."""
    for block in blocks_of(params):
        if block["type"] == "context_actions":
            return block["elements"][0]["positive_button"]["value"].split(":", 1)[1]
    raise AssertionError(f"no feedback buttons in {params}")


def mention(setup, channel: str, ts: str, text: str, user: str = "U1", **where) -> httpx.Response:
    return send_event(setup, {"type": "app_mention", "user": user, "channel": channel, "ts": ts,
                              "text": f"<@{BOT_USER}> {text}", **where})


def test_mention_in_a_channel_is_answered_in_its_thread(slack_setup):
    fake = slack_setup["fake"]
    started = time.time()
    response = mention(slack_setup, "C1", "100.000001", "Who was the lead peer for the Northbridge review?")
    assert response.status_code == 200 and time.time() - started < 3  # acknowledged at once
    placeholder = fake.wait_for("chat.postMessage", lambda p: p.get("thread_ts") == "100.000001")
    assert "Looking through" in placeholder["text"]
    update = fake.wait_for("chat.update", lambda p: p.get("channel") == "C1" and "Dana Whitlock" in blocks_text(p))
    text = blocks_text(update)
    assert "Lead Peer: Dana Whitlock" in text and "*Sources*" in text and "p." not in text.split("*Sources*")[0]
    assert all(action in text for action in ("copy_reference", "more_sources", "feedback_buttons"))
    # Every citation links to its document where the documents are published.
    assert "<https://intranet.example/review-docs/northbridge-2024-peer-review-findings.md|" in text


def test_without_a_docs_url_no_citation_is_a_link():
    citation = Citation(n=1, source="a/b c.pdf", title="A report", page=4, section="Findings", council="X",
                        date="2024", quote="Caseloads are high.")
    answer = Answer("q", "\u201cCaseloads are high.\u201d [1]", False, [citation], [])
    assert "<http" not in json.dumps(answer_blocks(reply_to(answer, "id1", None)))
    linked = json.dumps(answer_blocks(reply_to(answer, "id1", Links("https://docs.example/"))))
    assert "<https://docs.example/a/b%20c.pdf#page=4|A report>" in linked


def test_direct_message_shows_a_status_then_the_answer(slack_setup):
    fake = slack_setup["fake"]
    send_event(slack_setup, {"type": "message", "channel_type": "im", "user": "U2", "channel": "D1",
                             "ts": "200.000001", "text": "What are the four priorities?"})
    status = fake.wait_for("assistant.threads.setStatus", lambda p: p.get("channel_id") == "D1")
    assert status["thread_ts"] == "200.000001" and status["status"] and len(status["loading_messages"]) >= 2
    posted = fake.wait_for("chat.postMessage", lambda p: p.get("channel") == "D1")
    assert "reduce caseloads in the assessment teams" in blocks_text(posted).lower()
    assert not [p for p in fake.called("chat.postMessage") if p.get("channel") == "D1" and "Looking" in p["text"]]

    ignored = [
        {"type": "message", "channel_type": "channel", "user": "U2", "channel": "C9", "ts": "201.000001",
         "text": "a channel message without a mention"},
        {"type": "message", "channel_type": "im", "user": BOT_USER, "channel": "D9", "ts": "202.000001",
         "text": "the bot's own message"},
        {"type": "message", "channel_type": "im", "bot_id": "BOTHER", "subtype": "bot_message", "channel": "D9",
         "ts": "203.000001", "text": "another bot"},
    ]
    for event in ignored:
        assert send_event(slack_setup, event).status_code == 200
    time.sleep(1.5)
    assert not [p for p in fake.called("chat.postMessage") if p.get("channel") in ("C9", "D9")]


def test_assistant_thread_greets_suggests_and_answers(slack_setup):
    fake = slack_setup["fake"]
    send_event(slack_setup, {"type": "assistant_thread_started", "assistant_thread": {
        "user_id": "U12", "channel_id": "D12", "thread_ts": "1200.000001", "context": {}}})
    greeting = fake.wait_for("chat.postMessage", lambda p: p.get("channel") == "D12")
    assert greeting["text"] == GREETING and greeting["thread_ts"] == "1200.000001"
    prompts = fake.wait_for("assistant.threads.setSuggestedPrompts", lambda p: p.get("channel_id") == "D12")
    # Drawn from the index: the example documents are Northbridge's.
    assert any("Northbridge" in p["message"] for p in prompts["prompts"])

    send_event(slack_setup, {"type": "message", "channel_type": "im", "user": "U12", "channel": "D12",
                             "ts": "1200.000002", "thread_ts": "1200.000001", "text": "Who was the lead peer?"})
    title = fake.wait_for("assistant.threads.setTitle", lambda p: p.get("channel_id") == "D12")
    assert title["title"] == "Who was the lead peer?"
    fake.wait_for("assistant.threads.setStatus", lambda p: p.get("channel_id") == "D12")
    answer = fake.wait_for("chat.postMessage", lambda p: p.get("channel") == "D12" and "Dana" in blocks_text(p))
    assert answer["thread_ts"] == "1200.000001"


def test_slash_command_answers_through_its_response_url(slack_setup):
    """A /ask from a channel the bot is not in: the answer goes back through response_url, not chat.*."""
    fake = slack_setup["fake"]
    body = command_body("Who was the lead peer?", fake.response_url, channel="CNOTIN", user="U3")
    assert send(slack_setup, body, "application/x-www-form-urlencoded").status_code == 200
    ephemeral = fake.wait_for("response_url", lambda p: "Dana Whitlock" in blocks_text(p))
    assert ephemeral["response_type"] == "ephemeral" and "post_to_channel" in blocks_text(ephemeral)
    answer_id = answer_id_in(ephemeral)

    press(slack_setup, "post_to_channel", answer_id, channel="CNOTIN", user="U3")
    posted = fake.wait_for("response_url", lambda p: p.get("response_type") == "in_channel")
    assert "Dana Whitlock" in blocks_text(posted) and "<@U3> asked" in blocks_text(posted)
    assert not [p for p in fake.called("chat.postMessage") if p.get("channel") == "CNOTIN"]


def test_follow_up_in_a_thread_keeps_the_earlier_context(slack_setup):
    fake = slack_setup["fake"]
    fake.threads["300.000001"] = [
        {"ts": "300.000001", "user": "U4", "text": f"<@{BOT_USER}> What did the Northbridge 2024 peer review say?"},
        {"ts": "300.000002", "user": BOT_USER, "bot_id": BOT_ID, "text": "an earlier answer"},
        {"ts": "300.000003", "user": "U4", "text": f"<@{BOT_USER}> and what about supervision?"},
    ]
    mention(slack_setup, "C3", "300.000003", "and what about supervision?", user="U4", thread_ts="300.000001")
    update = fake.wait_for("chat.update", lambda p: p.get("channel") == "C3")
    assert fake.wait_for("conversations.replies", lambda p: p.get("ts") == "300.000001")
    stored = slack_setup["feedback"].answer(answer_id_in(update))
    assert stored.question.startswith("and what about supervision?")
    assert "northbridge" in stored.question.lower() and "2024" in stored.question
    assert "supervision" in blocks_text(update).lower()


def test_follow_up_without_a_mention_in_a_thread_the_bot_answered(slack_setup):
    fake = slack_setup["fake"]
    mention(slack_setup, "C13", "1300.000001", "Who was the lead peer?", user="U13")
    fake.wait_for("chat.update", lambda p: p.get("channel") == "C13")

    def reply_in_thread(ts: str, text: str, thread: str = "1300.000001") -> None:
        send_event(slack_setup, {"type": "message", "channel_type": "channel", "user": "U13", "channel": "C13",
                                 "ts": ts, "thread_ts": thread, "text": text})

    reply_in_thread("1300.000005", "thanks, that is really helpful")  # talk, not a question
    reply_in_thread("1300.000006", "<@U99> can you add this to the report?")  # to a colleague
    reply_in_thread("1300.000007", "What did it say about caseloads?", thread="1399.000001")  # not our thread
    reply_in_thread("1300.000008", "What did the review say about supervision?")
    answers = lambda: [p for p in fake.called("chat.postMessage") if p.get("channel") == "C13"]  # noqa: E731
    deadline = time.time() + 60
    while len(answers()) < 2 and time.time() < deadline:
        time.sleep(0.2)
    time.sleep(1.0)
    threads = [p["thread_ts"] for p in answers()]
    assert threads == ["1300.000001", "1300.000001"]  # the first question's placeholder, then the follow-up's
    fake.wait_for("chat.update", lambda p: p.get("channel") == "C13" and "supervision" in blocks_text(p).lower())


def test_native_feedback_is_stored_and_exported(slack_setup):
    fake = slack_setup["fake"]
    mention(slack_setup, "C5", "500.000001", "Who was the lead peer?", user="U5")
    update = fake.wait_for("chat.update", lambda p: p.get("channel") == "C5")
    answer_id = answer_id_in(update)
    assert press(slack_setup, "feedback", f"down:{answer_id}", "C5", "U5").status_code == 200
    thanks = fake.wait_for("response_url", lambda p: "Thanks" in p.get("text", ""))
    assert thanks["response_type"] == "ephemeral" and thanks["replace_original"] is False
    press(slack_setup, "copy_reference", answer_id, "C5", "U5")
    reference = fake.wait_for("response_url", lambda p: "```" in p.get("text", ""))
    assert "Lead Peer: Dana Whitlock" in reference["text"] and "northbridge-2024-peer-review-findings.md" in reference["text"]
    assert "https://intranet.example/review-docs/northbridge-2024-peer-review-findings.md" in reference["text"]

    votes = slack_setup["feedback"].votes()
    assert any(v.vote == "down" and v.user == "U5" and v.channel == "C5" and "lead peer" in v.question.lower()
               and "northbridge-2024-peer-review-findings.md" in v.sources for v in votes)
    exported = run_cli(["feedback", "--csv"], {"REVIEWBOT_DATA_DIR": str(slack_setup["settings"].data_dir)})
    assert exported.returncode == 0, exported.stderr
    assert "down,U5,C5,Who was the lead peer?" in exported.stdout


def test_restricted_documents_only_where_allowed(slack_setup):
    fake = slack_setup["fake"]
    question = "What did the serious case review find about the school nurse?"
    mention(slack_setup, "CPUBLIC", "600.000001", question, user="U6")
    public = fake.wait_for("chat.update", lambda p: p.get("channel") == "CPUBLIC")
    assert "school nurse" not in blocks_text(public) and "serious-case-review" not in blocks_text(public)
    answer_id = answer_id_in(public)
    press(slack_setup, "more_sources", answer_id, "CPUBLIC", "U6")
    more = fake.wait_for("response_url", lambda p: "ources" in p.get("text", "") and "Thanks" not in p["text"]
                         and "```" not in p["text"])
    assert "serious-case-review" not in more["text"]
    stored = slack_setup["feedback"].answer(answer_id)
    assert all("serious-case-review" not in r.source for r in stored.retrieved)

    mention(slack_setup, "CPRIVATE", "601.000001", question, user="U6")
    private = fake.wait_for("chat.update", lambda p: p.get("channel") == "CPRIVATE")
    assert "school nurse" in blocks_text(private)


def test_a_retried_event_is_answered_once(slack_setup):
    fake = slack_setup["fake"]
    event = {"type": "app_mention", "user": "U14", "channel": "C14", "ts": "1400.000001",
             "text": f"<@{BOT_USER}> Who was the lead peer?"}
    assert send_event(slack_setup, event, event_id="EvRETRIED1").status_code == 200
    assert send_event(slack_setup, event, event_id="EvRETRIED1", retry=1).status_code == 200
    assert send_event(slack_setup, event, event_id="EvRETRIED1", retry=2).status_code == 200
    fake.wait_for("chat.update", lambda p: p.get("channel") == "C14")
    time.sleep(1.5)
    assert len([p for p in fake.called("chat.postMessage") if p.get("channel") == "C14"]) == 1
    assert len([p for p in fake.called("chat.update") if p.get("channel") == "C14"]) == 1


def test_fifty_mentions_at_once_are_all_acknowledged_and_answered(slack_setup):
    fake = slack_setup["fake"]
    channels = [f"CLOAD{i:02d}" for i in range(50)]
    bodies = [event_body({"type": "app_mention", "user": "U15", "channel": c, "ts": f"1500.{i:06d}",
                          "text": f"<@{BOT_USER}> Who was the lead peer?"}) for i, c in enumerate(channels)]
    barrier = threading.Barrier(50)

    def deliver(body: str) -> tuple[int, float]:
        barrier.wait()
        started = time.monotonic()
        response = httpx.post(slack_setup["url"], content=body, timeout=10,
                              headers=signed_headers(SECRET, body, "application/json"))
        return response.status_code, time.monotonic() - started

    with ThreadPoolExecutor(50) as pool:
        results = list(pool.map(deliver, bodies))
    assert all(status == 200 for status, _ in results)
    assert max(seconds for _, seconds in results) < 3
    deadline = time.time() + 120
    while time.time() < deadline:
        answered = {p["channel"] for p in fake.called("chat.update") if "Dana Whitlock" in blocks_text(p)}
        if answered >= set(channels):
            break
        time.sleep(0.5)
    assert answered >= set(channels)


def test_a_failed_update_never_leaves_the_placeholder(slack_setup):
    fake = slack_setup["fake"]
    fake.failing["chat.update"] = 1
    mention(slack_setup, "C16", "1600.000001", "Who was the lead peer?", user="U16")
    posted = fake.wait_for("chat.postMessage", lambda p: p.get("channel") == "C16" and "Dana" in blocks_text(p))
    assert posted["thread_ts"] == "1600.000001"
    placeholder = next(p for p in fake.called("chat.postMessage") if p.get("channel") == "C16")
    assert "Looking through" in placeholder["text"]
    fake.wait_for("chat.delete", lambda p: p.get("channel") == "C16")


def test_rate_limited_calls_are_retried(slack_setup):
    """A call answered 429 is tried again after Slack's Retry-After, up to SLACK_RATE_LIMIT_RETRIES times."""
    from index import tuning

    fake = slack_setup["fake"]
    fake.limited["chat.update"] = tuning.SLACK_RATE_LIMIT_RETRIES
    mention(slack_setup, "C17", "1700.000001", "Who was the lead peer?", user="U17")
    fake.wait_for("chat.update", lambda p: p.get("channel") == "C17" and "Dana" in blocks_text(p))
    assert any(name == "chat.update (limited)" for name, _ in fake.calls)


def test_bad_or_stale_signatures_are_rejected(slack_setup):
    body = event_body({"type": "app_mention", "user": "U7", "channel": "C7", "ts": "700.000001", "text": "hi"})
    assert send(slack_setup, body, "application/json", secret="wrong-secret").status_code == 401
    stale = int(time.time()) - 60 * 10
    assert send(slack_setup, body, "application/json", timestamp=stale).status_code == 401
    time.sleep(0.5)
    assert all(p.get("channel") != "C7" for p in slack_setup["fake"].called("chat.postMessage"))


def test_app_home_shows_how_to_ask_and_what_is_indexed(slack_setup):
    send_event(slack_setup, {"type": "app_home_opened", "user": "U8", "channel": "D8", "tab": "home"})
    view = slack_setup["fake"].wait_for("views.publish", lambda p: p.get("user_id") == "U8")["view"]
    text = json.dumps(view if isinstance(view, dict) else json.loads(view))
    assert "How to ask" in text and "3 documents indexed" in text and "Northbridge" in text


def test_health_check_says_what_is_indexed(slack_setup):
    health = httpx.get(slack_setup["health"], timeout=30)
    assert health.status_code == 200
    assert health.json()["status"] == "ok" and health.json()["documents"] == 3


def test_long_answers_stay_within_slack_limits():
    citations = [Citation(n=i, source=f"doc{i}.pdf", title="T" * 500, page=i, section="S" * 500, council="C",
                          date="2024", quote=f"word{i} " * 700) for i in range(1, 80)]
    answer = Answer("q", "a", False, citations, [])
    blocks = answer_blocks(reply_to(answer, "id1", None))
    assert len(blocks) <= BLOCK_LIMIT
    assert [b["type"] for b in blocks[-2:]] == ["actions", "context_actions"]
    for block in blocks:
        if block.get("text"):
            assert len(block["text"]["text"]) <= SECTION_LIMIT


def test_backend_failure_gets_a_polite_reply_and_the_bot_keeps_running(tmp_path):
    bot = bot_without_its_store(tmp_path)
    fake = FakeSlack()
    app = create_app(SlackDeps(ChatService(bot, FeedbackStore(tmp_path / "feedback.sqlite3"), AccessPolicy())),
                     "xoxb-test", SECRET, fake.url)
    base, server = serve(app, bot)
    setup = {"url": base + EVENTS_PATH}
    try:
        health = httpx.get(base + HEALTH_PATH, timeout=30)
        assert health.status_code == 503 and health.json() == {"status": "store unreachable"}
        for count, ts in enumerate(("800.000001", "800.000002"), start=1):  # the second: it is still running
            mention(setup, "C8", ts, "Who was the lead peer?", user="U9")
            deadline = time.time() + 60
            while len(fake.called("chat.update")) < count and time.time() < deadline:
                time.sleep(0.2)
            replies = fake.called("chat.update")
            assert len(replies) == count and replies[-1]["text"] == FAILED
    finally:
        server.close()
        fake.close()


def test_access_file_is_read(tmp_path):
    path = tmp_path / "access.toml"
    path.write_text('default = ["default"]\n[channels]\nCPRIVATE = ["default", "restricted"]\n'
                    '"19:team@thread.tacv2" = ["default", "restricted"]\n')
    policy = load_policy(path)
    assert policy.collections_for("CPRIVATE") == {"default", "restricted"}
    assert policy.collections_for("COTHER") == {"default"}
    assert policy.collections_for(None) == {"default"}  # a direct message
    # A Teams channel not listed, in a team that is: the team's entry.
    assert policy.collections_for("19:other@thread.tacv2", "19:team@thread.tacv2") == {"default", "restricted"}
    assert load_policy(tmp_path / "missing.toml").collections_for("C1") == {"default"}


def streamed_text(params: dict) -> str:
    """The markdown a chat.startStream or chat.appendStream call adds (slack_sdk sends it as chunks)."""
    chunks = params.get("chunks") or []
    chunks = json.loads(chunks) if isinstance(chunks, str) else chunks
    return params.get("markdown_text", "") + "".join(c.get("text", "") for c in chunks
                                                     if c.get("type") == "markdown_text")


@pytest.fixture(scope="module")
def streaming_setup(tmp_path_factory):
    """A bot whose model streams slowly, behind the Slack app."""
    root = tmp_path_factory.mktemp("slack-llm")
    bot, model = bot_with_a_slow_model(root)
    fake = FakeSlack()
    app = create_app(SlackDeps(ChatService(bot, FeedbackStore(root / "data" / "feedback.sqlite3"), AccessPolicy())),
                     "xoxb-test", SECRET, fake.url)
    base, server = serve(app, bot)
    yield {"fake": fake, "url": base + EVENTS_PATH, "model": model}
    server.close()
    fake.close()
    model.close()


def test_a_models_answer_streams_and_never_shows_an_unchecked_quote(streaming_setup):
    fake, model = streaming_setup["fake"], streaming_setup["model"]
    model.script = lambda messages: (
        f"The review was led by Dana Whitlock [{source_with(messages, 'Dana Whitlock')}]. "
        f"It said \u201cthe lead peer walked on water\u201d [{source_with(messages, 'Dana Whitlock')}]. "
        f"The team was told \u201cLead Peer: Dana Whitlock\u201d [{source_with(messages, 'Dana Whitlock')}].")
    send_event(streaming_setup, {"type": "message", "channel_type": "im", "user": "U20", "channel": "D20",
                                 "ts": "2000.000001", "text": "Who led the Northbridge peer review?"})
    start = fake.wait_for("chat.startStream", lambda p: p.get("channel") == "D20", timeout=60)
    started_at = time.monotonic()
    assert start["thread_ts"] == "2000.000001" and start["recipient_user_id"] == "U20"
    assert started_at - model.first_piece_at < 1.5  # the first words show soon after the model's first
    stop = fake.wait_for("chat.stopStream", lambda p: p.get("channel") == "D20", timeout=60)
    streamed = "".join(map(streamed_text, [start, *fake.called("chat.appendStream")]))
    assert "Dana Whitlock" in streamed and "walked on water" not in streamed
    assert "[a quotation that could not be checked]" in streamed and "[1]" not in streamed
    assert "*Sources*" in json.dumps(blocks_of(stop)) and "feedback_buttons" in json.dumps(blocks_of(stop))
    final = fake.wait_for("chat.update", lambda p: p.get("channel") == "D20")
    text = blocks_text(final)
    # The checked prose, each sentence with its [n]; the invented quotation's sentence is gone.
    assert "led by Dana Whitlock [1]" in text and "walked on water" not in text and "could not be checked" not in text


def test_the_slack_command_serves_signed_events(tmp_path):
    """As the outside check does: `reviewbot slack --http --port N` against its own fake Slack."""
    env = {"REVIEWBOT_DATA_DIR": str(tmp_path / "data")}
    assert run_cli(["ingest", str(EXAMPLES)], env).returncode == 0
    fake = FakeSlack()
    port = free_port()
    process = subprocess.Popen([sys.executable, "-m", "bot.cli", "slack", "--http", "--port", str(port)], cwd=ROOT,
                               env={**os.environ, **env, "SLACK_BOT_TOKEN": "xoxb-test", "SLACK_SIGNING_SECRET": SECRET,
                                    "SLACK_API_URL": fake.url, "SLACK_APP_TOKEN": ""},
                               stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    try:
        deadline = time.time() + 120
        setup = {"url": f"http://127.0.0.1:{port}{EVENTS_PATH}"}
        while True:
            try:
                mention(setup, "C1", "900.000001", "Who was the lead peer?")
                break
            except httpx.HTTPError:
                assert process.poll() is None and time.time() < deadline, "reviewbot slack did not start"
                time.sleep(0.5)
        update = fake.wait_for("chat.update", lambda p: p.get("channel") == "C1")
        assert "Dana Whitlock" in blocks_text(update)
    finally:
        process.terminate()
        process.wait(timeout=20)
        fake.close()


def test_manifest_subscribes_to_what_the_app_handles():
    import yaml

    manifest = yaml.safe_load((ROOT / "slack/manifest.yml").read_text())
    assert set(manifest["settings"]["event_subscriptions"]["bot_events"]) == {
        "app_mention", "message.im", "message.channels", "message.groups", "app_home_opened",
        "assistant_thread_started", "assistant_thread_context_changed"}
    scopes = set(manifest["oauth_config"]["scopes"]["bot"])
    assert {"assistant:write", "chat:write", "channels:history", "groups:history", "im:history"} <= scopes
    assert manifest["features"]["assistant_view"]["suggested_prompts"]
    assert [c["command"] for c in manifest["features"]["slash_commands"]] == ["/ask"]
    assert manifest["settings"]["interactivity"]["is_enabled"]
    for url in (manifest["settings"]["event_subscriptions"]["request_url"],
                manifest["settings"]["interactivity"]["request_url"], manifest["features"]["slash_commands"][0]["url"]):
        assert url.endswith(EVENTS_PATH)


def test_streamed_words_are_gathered_between_sends():
    """SLACK_STREAM_SECONDS and SLACK_STREAM_CHARACTERS: the first words go at once, then pieces are gathered,
    so a model writing a word at a time costs a Web API call per half second, not per word."""
    from slack_sdk import WebClient

    from bot.chat.slack.thread_reply import ThreadReply
    from index import tuning

    fake = FakeSlack()
    try:
        reply = ThreadReply(WebClient(token="xoxb-test", base_url=fake.url), "D30", "3000.000001", "U30", "T1",
                            show_status=True)
        reply.on_text("The first words ")
        for _ in range(10):
            reply.on_text("more ")
        assert len(fake.called("chat.startStream")) == 1 and not fake.called("chat.appendStream")
        reply.on_text("x" * tuning.SLACK_STREAM_CHARACTERS)
        appended = fake.called("chat.appendStream")
        assert len(appended) == 1 and streamed_text(appended[0]).startswith("more more")
    finally:
        fake.close()


def test_a_stream_slack_refuses_becomes_a_whole_answer(streaming_setup):
    fake, model = streaming_setup["fake"], streaming_setup["model"]
    model.script = lambda messages: f"The review was led by Dana Whitlock [{source_with(messages, 'Dana Whitlock')}]."
    fake.failing["chat.startStream"] = 1
    send_event(streaming_setup, {"type": "message", "channel_type": "im", "user": "U21", "channel": "D21",
                                 "ts": "2100.000001", "text": "Who led the Northbridge peer review?"})
    posted = fake.wait_for("chat.postMessage", lambda p: p.get("channel") == "D21", timeout=60)
    assert "led by Dana Whitlock [1]" in blocks_text(posted) and posted["thread_ts"] == "2100.000001"


def test_a_long_table_of_facts_keeps_every_row_and_source_within_slacks_limits():
    citations = [Citation(n=i, source=f"council{i}/report.pdf", title=f"Inspection of Council {i}", page=1,
                          section="", council=f"Council {i}", date="2024-01-01",
                          quote="The experiences and progress of children who need help and protection Inadequate")
                 for i in range(1, 41)]
    table = "\n".join(f"\u2022 Council {i}, 2024-01-01: inadequate [{i}]" for i in range(1, 41))
    answer = Answer("Which councils were judged inadequate?", "40 councils:\n" + table, False, citations, [],
                    mode="facts")
    blocks = answer_blocks(reply_to(answer, "id1", None))
    text = json.dumps(blocks)
    assert len(blocks) <= BLOCK_LIMIT and all(len(b["text"]["text"]) <= SECTION_LIMIT for b in blocks if b.get("text"))
    assert "Council 40, 2024-01-01: inadequate [40]" in text and "*[40]* Inspection of Council 40" in text
    assert "\u2026" not in text  # nothing cut
