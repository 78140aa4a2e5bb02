"""The Slack bot over real HTTP: signed requests in, calls to a local fake Slack Web API out."""
from __future__ import annotations

import json
import os
import subprocess
import sys
import threading
import time

import httpx
import pytest

from bot.access import AccessPolicy, load_policy
from bot.answer import Answer, Citation
from bot.feedback import FeedbackStore
from bot.render import FAILED
from bot.service import ReviewBot
from bot.slack_app import EVENTS_PATH, HEALTH_PATH, create_app, http_server
from bot.slack_blocks import BLOCK_LIMIT, SECTION_LIMIT, answer_blocks

from .chat_fixtures import bot_without_its_store, index_with_restricted
from .conftest import EXAMPLES, ROOT, free_port, run_cli
from .fake_slack import BOT_ID, BOT_USER, FakeSlack, action_body, command_body, event_body, signed_headers

SECRET = "test-signing-secret"



@pytest.fixture(scope="module")
def slack_setup(tmp_path_factory):
    settings = index_with_restricted(tmp_path_factory.mktemp("slack"))
    bot = ReviewBot(settings)
    feedback = FeedbackStore(settings.data_dir / "feedback.sqlite3")
    policy = AccessPolicy(channels={"CPRIVATE": frozenset({"default", "restricted"})})
    fake = FakeSlack()
    app = create_app(bot, feedback, policy, "xoxb-test", SECRET, fake.url)
    port = free_port()
    server = http_server(app, bot, port, host="127.0.0.1")
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield {"fake": fake, "url": f"http://127.0.0.1:{port}{EVENTS_PATH}", "feedback": feedback,
           "settings": settings, "bot": bot, "health": f"http://127.0.0.1:{port}{HEALTH_PATH}"}
    server.shutdown()
    fake.close()


def send(setup, body: str, content_type: str, timestamp=None, secret=SECRET) -> httpx.Response:
    return httpx.post(setup["url"], content=body, headers=signed_headers(secret, body, content_type, timestamp),
                      timeout=10)


def send_event(setup, event: dict) -> httpx.Response:
    return send(setup, event_body(event), "application/json")


def blocks_text(params: dict) -> str:
    blocks = params.get("blocks")
    if isinstance(blocks, str):
        blocks = json.loads(blocks)
    return json.dumps(blocks or [], ensure_ascii=False)


def test_mention_in_a_channel_is_answered_in_its_thread(slack_setup):
    fake = slack_setup["fake"]
    started = time.time()
    response = send_event(slack_setup, {"type": "app_mention", "user": "U1", "channel": "C1", "ts": "100.000001",
                                        "text": f"<@{BOT_USER}> Who was the lead peer for the Northbridge review?"})
    assert response.status_code == 200 and time.time() - started < 3  # acknowledged at once
    placeholder = fake.wait_for("chat.postMessage", lambda p: p.get("thread_ts") == "100.000001")
    assert "Looking through" in placeholder["text"]
    update = fake.wait_for("chat.update", lambda p: p.get("channel") == "C1" and "Dana Whitlock" in blocks_text(p))
    text = blocks_text(update)
    assert "Lead Peer: Dana Whitlock" in text and "*Sources*" in text and "p." not in text.split("*Sources*")[0]
    assert all(action in text for action in ("feedback_up", "feedback_down", "copy_reference", "more_sources"))


def test_direct_message_is_answered_and_other_messages_are_not(slack_setup):
    fake = slack_setup["fake"]
    send_event(slack_setup, {"type": "message", "channel_type": "im", "user": "U2", "channel": "D1",
                             "ts": "200.000001", "text": "What are the four priorities?"})
    update = fake.wait_for("chat.update", lambda p: p.get("channel") == "D1")
    assert "four priorities" in blocks_text(update).lower()

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


def test_slash_command_answers_privately_with_a_button_to_post(slack_setup):
    fake = slack_setup["fake"]
    response = send(slack_setup, command_body("Who was the lead peer?", channel="C2", user="U3"),
                    "application/x-www-form-urlencoded")
    assert response.status_code == 200
    ephemeral = fake.wait_for("chat.postEphemeral", lambda p: p.get("channel") == "C2" and p.get("user") == "U3")
    text = blocks_text(ephemeral)
    assert "Dana Whitlock" in text and "post_to_channel" in text
    answer_id = next(b for b in json.loads(text) if b["type"] == "actions")["elements"][0]["value"]

    send(slack_setup, action_body("post_to_channel", answer_id, channel="C2", user="U3"),
         "application/x-www-form-urlencoded")
    posted = fake.wait_for("chat.postMessage", lambda p: p.get("channel") == "C2")
    assert "Dana Whitlock" in blocks_text(posted) and "<@U3> asked" in blocks_text(posted)


def test_follow_up_in_a_thread_keeps_the_earlier_context(slack_setup):
    fake = slack_setup["fake"]
    fake.threads["300.000001"] = [
        {"ts": "300.000001", "user": "U4", "text": f"<@{BOT_USER}> What did the Northbridge 2024 peer review say?"},
        {"ts": "300.000002", "user": BOT_USER, "bot_id": BOT_ID, "text": "an earlier answer"},
        {"ts": "300.000003", "user": "U4", "text": f"<@{BOT_USER}> and what about supervision?"},
    ]
    send_event(slack_setup, {"type": "app_mention", "user": "U4", "channel": "C3", "ts": "300.000003",
                             "thread_ts": "300.000001", "text": f"<@{BOT_USER}> and what about supervision?"})
    update = fake.wait_for("chat.update", lambda p: p.get("channel") == "C3")
    assert fake.wait_for("conversations.replies", lambda p: p.get("ts") == "300.000001")
    answer_id = next(b for b in json.loads(blocks_text(update)) if b["type"] == "actions")["elements"][0]["value"]
    stored = slack_setup["feedback"].answer(answer_id)
    assert stored["question"].startswith("and what about supervision?")
    assert "northbridge" in stored["question"].lower() and "2024" in stored["question"]
    assert "supervision" in blocks_text(update).lower()


def test_feedback_votes_are_stored_and_exported(slack_setup):
    fake = slack_setup["fake"]
    send_event(slack_setup, {"type": "app_mention", "user": "U5", "channel": "C5", "ts": "500.000001",
                             "text": f"<@{BOT_USER}> Who was the lead peer?"})
    update = fake.wait_for("chat.update", lambda p: p.get("channel") == "C5")
    answer_id = next(b for b in json.loads(blocks_text(update)) if b["type"] == "actions")["elements"][0]["value"]
    response = send(slack_setup, action_body("feedback_down", answer_id, channel="C5", user="U5"),
                    "application/x-www-form-urlencoded")
    assert response.status_code == 200
    fake.wait_for("chat.postEphemeral", lambda p: p.get("channel") == "C5" and "Thanks" in p.get("text", ""))
    send(slack_setup, action_body("copy_reference", answer_id, channel="C5", user="U5"),
         "application/x-www-form-urlencoded")
    reference = fake.wait_for("chat.postEphemeral", lambda p: p.get("channel") == "C5" and "```" in p.get("text", ""))
    assert "Lead Peer: Dana Whitlock" in reference["text"] and "northbridge-2024-peer-review-findings.md" in reference["text"]

    votes = slack_setup["feedback"].votes()
    assert any(v.vote == "down" and v.user == "U5" and v.channel == "C5" and "lead peer" in v.question.lower()
               for v in votes)
    exported = run_cli(["feedback", "--csv"], {"REVIEWBOT_DATA_DIR": str(slack_setup["settings"].data_dir)})
    assert exported.returncode == 0, exported.stderr
    assert "down,U5,C5,Who was the lead peer?" in exported.stdout


def test_restricted_documents_only_where_allowed(slack_setup):
    fake = slack_setup["fake"]
    question = f"<@{BOT_USER}> What did the serious case review find about the school nurse?"
    send_event(slack_setup, {"type": "app_mention", "user": "U6", "channel": "CPUBLIC", "ts": "600.000001",
                             "text": question})
    public = fake.wait_for("chat.update", lambda p: p.get("channel") == "CPUBLIC")
    assert "school nurse" not in blocks_text(public) and "serious-case-review" not in blocks_text(public)
    answer_id = next(b for b in json.loads(blocks_text(public)) if b["type"] == "actions")["elements"][0]["value"]
    send(slack_setup, action_body("more_sources", answer_id, channel="CPUBLIC", user="U6"),
         "application/x-www-form-urlencoded")
    more = fake.wait_for("chat.postEphemeral", lambda p: p.get("channel") == "CPUBLIC")
    assert "serious-case-review" not in more["text"]
    stored = slack_setup["feedback"].answer(answer_id)
    assert all("serious-case-review" not in r["source"] for r in stored["retrieved"])

    send_event(slack_setup, {"type": "app_mention", "user": "U6", "channel": "CPRIVATE", "ts": "601.000001",
                             "text": question})
    private = fake.wait_for("chat.update", lambda p: p.get("channel") == "CPRIVATE")
    assert "school nurse" in blocks_text(private)


def test_bad_or_stale_signatures_are_rejected(slack_setup):
    body = event_body({"type": "app_mention", "user": "U7", "channel": "C7", "ts": "700.000001", "text": "hi"})
    assert send(slack_setup, body, "application/json", secret="wrong-secret").status_code == 401
    stale = int(time.time()) - 60 * 10
    assert send(slack_setup, body, "application/json", timestamp=stale).status_code == 401
    time.sleep(0.5)
    assert not slack_setup["fake"].called("chat.postMessage") or all(
        p.get("channel") != "C7" for p in slack_setup["fake"].called("chat.postMessage"))


def test_app_home_shows_how_to_ask_and_what_is_indexed(slack_setup):
    send_event(slack_setup, {"type": "app_home_opened", "user": "U8", "channel": "D8", "tab": "home"})
    view = slack_setup["fake"].wait_for("views.publish", lambda p: p.get("user_id") == "U8")["view"]
    text = json.dumps(view if isinstance(view, dict) else json.loads(view))
    assert "How to ask" in text and "3 documents indexed" in text


def test_health_check_says_what_is_indexed(slack_setup):
    health = httpx.get(slack_setup["health"], timeout=30)
    assert health.status_code == 200
    assert health.json()["status"] == "ok" and health.json()["documents"] == 3


def test_long_answers_stay_within_slack_limits():
    citations = [Citation(n=i, source=f"doc{i}.pdf", title="T" * 500, page=i, section="S" * 500, council="C",
                          date="2024", quote="word " * 700) for i in range(1, 80)]
    answer = Answer("q", "a", False, citations, [])
    blocks = answer_blocks(answer, "id1")
    assert len(blocks) <= BLOCK_LIMIT
    assert blocks[-1]["type"] == "actions"
    for block in blocks:
        if block.get("text"):
            assert len(block["text"]["text"]) <= SECTION_LIMIT


def test_backend_failure_gets_a_polite_reply_and_the_bot_keeps_running(tmp_path):
    bot = bot_without_its_store(tmp_path)

    fake = FakeSlack()
    app = create_app(bot, FeedbackStore(tmp_path / "feedback.sqlite3"), AccessPolicy(), "xoxb-test", SECRET, fake.url)
    app_port = free_port()
    http = http_server(app, bot, app_port, host="127.0.0.1")
    threading.Thread(target=http.serve_forever, daemon=True).start()
    setup = {"url": f"http://127.0.0.1:{app_port}{EVENTS_PATH}"}
    try:
        health = httpx.get(f"http://127.0.0.1:{app_port}{HEALTH_PATH}", timeout=30)
        assert health.status_code == 503 and health.json() == {"status": "store unreachable"}
        for count, ts in enumerate(("800.000001", "800.000002"), start=1):  # the second: it is still running
            send_event(setup, {"type": "app_mention", "user": "U9", "channel": "C8", "ts": ts,
                               "text": f"<@{BOT_USER}> Who was the lead peer?"})
            deadline = time.time() + 60
            while len(fake.called("chat.update")) < count and time.time() < deadline:
                time.sleep(0.2)
            replies = fake.called("chat.update")
            assert len(replies) == count and replies[-1]["text"] == FAILED
    finally:
        http.shutdown()
        fake.close()


def test_access_file_is_read(tmp_path):
    path = tmp_path / "access.toml"
    path.write_text('default = ["default"]\n[channels]\nCPRIVATE = ["default", "restricted"]\n')
    policy = load_policy(path)
    assert policy.collections_for("CPRIVATE", is_direct=False) == {"default", "restricted"}
    assert policy.collections_for("COTHER", is_direct=False) == {"default"}
    assert policy.collections_for("CPRIVATE", is_direct=True) == {"default"}
    assert load_policy(tmp_path / "missing.toml").collections_for("C1", False) == {"default"}


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
                send_event(setup, {"type": "app_mention", "user": "U1", "channel": "C1", "ts": "900.000001",
                                   "text": f"<@{BOT_USER}> Who was the lead peer?"})
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
    assert set(manifest["settings"]["event_subscriptions"]["bot_events"]) == {"app_mention", "message.im",
                                                                               "app_home_opened"}
    assert [c["command"] for c in manifest["features"]["slash_commands"]] == ["/ask"]
    assert manifest["settings"]["interactivity"]["is_enabled"]
    for url in (manifest["settings"]["event_subscriptions"]["request_url"],
                manifest["settings"]["interactivity"]["request_url"], manifest["features"]["slash_commands"][0]["url"]):
        assert url.endswith(EVENTS_PATH)
