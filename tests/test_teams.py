"""The Teams bot over real HTTP: Bot Framework activities posted to /api/messages, replies received at a local
fake connector (the activities' serviceUrl), and Adaptive Card button invokes."""
from __future__ import annotations

import asyncio
import json
import os
import subprocess
import sys
import threading
import time

import httpx
import pytest
from aiohttp import web

from bot.chat.feedback import FeedbackStore
from bot.chat.history import ConversationHistory
from bot.chat.reply import FAILED
from bot.chat.service import ChatService
from bot.chat.teams.app import HEALTH_PATH, MESSAGES_PATH, TeamsDeps, web_application
from bot.core.access import AccessPolicy
from bot.core.service import ReviewBot
from bot.links import Links

from .chat_fixtures import bot_with_a_slow_model, bot_without_its_store, index_with_restricted
from .conftest import EXAMPLES, ROOT, free_port, run_cli
from .fake_connector import FakeConnector, card_action, feedback_invoke, members_added, message
from .fake_openai import source_with


def serve(application: web.Application) -> tuple[str, callable]:
    """Run an aiohttp application on loopback in a thread of its own; returns its URL and a stop function."""
    port = free_port()
    loop = asyncio.new_event_loop()
    runner = web.AppRunner(application)

    def run():
        asyncio.set_event_loop(loop)
        loop.run_until_complete(runner.setup())
        loop.run_until_complete(web.TCPSite(runner, "127.0.0.1", port).start())
        loop.run_forever()

    threading.Thread(target=run, daemon=True).start()
    url = f"http://127.0.0.1:{port}{MESSAGES_PATH}"
    deadline = time.time() + 20
    while time.time() < deadline:
        try:
            httpx.get(url, timeout=1)
            break
        except httpx.HTTPError:
            time.sleep(0.1)

    def stop():
        asyncio.run_coroutine_threadsafe(runner.cleanup(), loop).result(timeout=10)
        loop.call_soon_threadsafe(loop.stop)

    return url, stop


@pytest.fixture(scope="module")
def teams_setup(tmp_path_factory):
    root = tmp_path_factory.mktemp("teams")
    settings = index_with_restricted(root)
    feedback = FeedbackStore(root / "data" / "feedback.sqlite3")
    policy = AccessPolicy(channels={"19:private@thread.tacv2": frozenset({"default", "restricted"})})
    deps = TeamsDeps(ChatService(ReviewBot(settings), feedback, policy, Links(DOCS_URL)),
                     ConversationHistory(root / "data" / "conv.sqlite3"))
    application = web_application(deps, env={})
    url, stop = serve(application)
    connector = FakeConnector()
    yield {"url": url, "connector": connector, "feedback": feedback, "settings": settings}
    stop()
    connector.close()


DOCS_URL = "https://council.sharepoint.example/sites/reviews/Shared%20Documents"


def post(setup, activity: dict) -> httpx.Response:
    return httpx.post(setup["url"], json=activity, timeout=60)


def card_of(reply: dict) -> dict:
    attachments = reply.get("attachments") or []
    assert attachments and attachments[0]["contentType"] == "application/vnd.microsoft.card.adaptive", reply
    return attachments[0]["content"]


def answer_id_of(card: dict) -> str:
    return card["actions"][0]["data"]["answer_id"]


def ai_entity(reply: dict) -> dict:
    return next(e for e in reply.get("entities") or [] if e.get("additionalType") == ["AIGeneratedContent"])


def test_personal_chat_gets_an_ai_message_with_citations(teams_setup):
    connector = teams_setup["connector"]
    response = post(teams_setup, message(connector.url, "Who was the lead peer for the Northbridge review?",
                                         conversation="a:personal-1"))
    assert response.status_code in (200, 202)
    reply = connector.wait_for_reply("a:personal-1")
    assert "Lead Peer: Dana Whitlock" in reply["text"] and "[1]" in reply["text"]
    # The conventions of an AI message: the label, the citations, Teams' own feedback buttons.
    entity = ai_entity(reply)
    first = entity["citation"][0]
    assert first["position"] == 1 and "Dana Whitlock" in first["appearance"]["abstract"]
    assert first["appearance"]["url"] == f"{DOCS_URL}/northbridge-2024-peer-review-findings.md"
    assert reply["channelData"]["feedbackLoopEnabled"] is True
    card = card_of(reply)
    assert "Sources" in json.dumps(card) and [a["verb"] for a in card["actions"]] == ["copy_reference", "more_sources"]
    # In a personal chat the search shows at once as the start of a stream, and the answer ends that stream.
    informative = connector.replies("a:personal-1", kind="typing")[0]
    info = next(e for e in informative["entities"] if e["type"] == "streaminfo")
    assert info["streamType"] == "informative" and informative["text"]
    final = next(e for e in reply["entities"] if e["type"] == "streaminfo")
    assert final["streamType"] == "final" and final["streamId"]


def test_channels_answer_only_when_mentioned_and_the_mention_is_stripped(teams_setup):
    connector = teams_setup["connector"]
    post(teams_setup, message(connector.url, "Who was the lead peer?", conversation="19:general;messageid=1",
                              kind="channel", channel="19:general@thread.tacv2", team="19:team@thread.tacv2"))
    time.sleep(1.0)
    assert not connector.replies("19:general;messageid=1")
    post(teams_setup, message(connector.url, "Who was the lead peer?", conversation="19:general;messageid=2",
                              kind="channel", mention=True, channel="19:general@thread.tacv2",
                              team="19:team@thread.tacv2"))
    reply = connector.wait_for_reply("19:general;messageid=2")
    stored = teams_setup["feedback"].answer(answer_id_of(card_of(reply)))
    assert stored.question == "Who was the lead peer?"
    assert not [e for e in reply["entities"] if e["type"] == "streaminfo"]  # Teams streams only in personal chats
    post(teams_setup, message(connector.url, "What are the four priorities?", conversation="19:group-chat",
                              kind="groupChat", mention=True))
    assert "reduce caseloads in the assessment teams" in connector.wait_for_reply("19:group-chat")["text"].lower()


def test_teams_feedback_is_stored_with_its_comment(teams_setup):
    connector = teams_setup["connector"]
    post(teams_setup, message(connector.url, "Who was the lead peer?", conversation="a:personal-2"))
    reply = connector.wait_for_reply("a:personal-2")
    message_id = next(e for e in reply["entities"] if e["type"] == "streaminfo")["streamId"]
    response = post(teams_setup, feedback_invoke(connector.url, message_id, "dislike", "Quote the whole line",
                                                 conversation="a:personal-2"))
    assert response.status_code == 200
    assert any(v.vote == "down" and v.channel == "a:personal-2" and v.comment == "Quote the whole line"
               and "lead peer" in v.question.lower() for v in teams_setup["feedback"].votes())


def test_copy_as_reference_and_more_sources_add_messages(teams_setup):
    connector = teams_setup["connector"]
    post(teams_setup, message(connector.url, "Who was the lead peer?", conversation="a:personal-4"))
    card = card_of(connector.wait_for_reply("a:personal-4"))
    answer_id = answer_id_of(card)
    before = len(connector.replies("a:personal-4"))

    response = post(teams_setup, card_action(connector.url, "copy_reference", answer_id, conversation="a:personal-4"))
    body = response.json()
    assert body["statusCode"] == 200 and body["value"] == card  # the answer's card stays as it was
    added = connector.replies("a:personal-4")[before:]
    references = json.dumps(card_of(added[0]), ensure_ascii=False)
    assert "Lead Peer: Dana Whitlock" in references and "northbridge-2024-peer-review-findings.md" in references
    assert f"{DOCS_URL}/northbridge-2024-peer-review-findings.md" in references

    post(teams_setup, card_action(connector.url, "more_sources", answer_id, conversation="a:personal-4"))
    more = json.dumps(card_of(connector.replies("a:personal-4")[-1]))
    assert "More sources" in more or "No other sources" in more


def test_a_welcome_with_example_questions_when_the_app_is_added(teams_setup):
    connector = teams_setup["connector"]
    post(teams_setup, members_added(connector.url, "a:personal-5", ["29:user-1"]))  # a person, not the bot
    time.sleep(0.5)
    assert not connector.replies("a:personal-5")
    post(teams_setup, members_added(connector.url, "a:personal-5", ["28:reviewbot"]))
    card = card_of(connector.wait_for_reply("a:personal-5"))
    assert "3 documents are indexed" in json.dumps(card)
    asks = [a["data"]["msteams"] for a in card["actions"]]
    assert asks and all(a["type"] == "imBack" for a in asks) and any("Northbridge" in a["value"] for a in asks)


def test_follow_up_uses_the_conversations_earlier_questions(teams_setup):
    connector = teams_setup["connector"]
    post(teams_setup, message(connector.url, "What did the Northbridge 2024 peer review say about caseloads?",
                              conversation="a:personal-3"))
    connector.wait_for_reply("a:personal-3")
    post(teams_setup, message(connector.url, "and what about supervision?", conversation="a:personal-3"))
    deadline = time.time() + 60
    while len(connector.replies("a:personal-3")) < 2 and time.time() < deadline:
        time.sleep(0.2)
    reply = connector.replies("a:personal-3")[-1]
    stored = teams_setup["feedback"].answer(answer_id_of(card_of(reply)))
    assert stored.question.startswith("and what about supervision?")
    assert "northbridge" in stored.question.lower() and "2024" in stored.question
    assert "supervision" in reply["text"].lower()


def test_restricted_documents_only_in_allowed_channels(teams_setup):
    connector = teams_setup["connector"]
    question = "What did the serious case review find about the school nurse?"
    post(teams_setup, message(connector.url, question, conversation="19:open;messageid=1", kind="channel",
                              mention=True, channel="19:open@thread.tacv2", team="19:team@thread.tacv2"))
    public = json.dumps(connector.wait_for_reply("19:open;messageid=1"))
    assert "school nurse" not in public and "serious-case-review" not in public
    post(teams_setup, message(connector.url, question, conversation="19:private;messageid=1", kind="channel",
                              mention=True, channel="19:private@thread.tacv2", team="19:team@thread.tacv2"))
    assert "school nurse" in connector.wait_for_reply("19:private;messageid=1")["text"]


def test_backend_failure_gets_a_polite_reply_and_the_bot_keeps_running(tmp_path):
    bot = bot_without_its_store(tmp_path)
    deps = TeamsDeps(ChatService(bot, FeedbackStore(tmp_path / "f.sqlite3"), AccessPolicy()),
                     ConversationHistory(tmp_path / "c.sqlite3"))
    application = web_application(deps, env={})
    url, stop = serve(application)
    connector = FakeConnector()
    try:
        for n in (1, 2):  # the second proves it is still running
            response = httpx.post(url, json=message(connector.url, "Who was the lead peer?", conversation="a:broken"),
                                  timeout=60)
            assert response.status_code in (200, 202)
            deadline = time.time() + 30
            while len(connector.replies("a:broken")) < n and time.time() < deadline:
                time.sleep(0.2)
            assert connector.replies("a:broken")[-1]["text"] == FAILED
        health = httpx.get(url.replace(MESSAGES_PATH, HEALTH_PATH), timeout=30)
        assert health.status_code == 503 and health.json() == {"status": "store unreachable"}
    finally:
        stop()
        connector.close()


def test_health_check_needs_no_token_where_messages_do(teams_setup):
    env = {"CONNECTIONS__SERVICE_CONNECTION__SETTINGS__CLIENTID": "00000000-0000-0000-0000-000000000001",
           "CONNECTIONS__SERVICE_CONNECTION__SETTINGS__CLIENTSECRET": "not-a-real-secret",
           "CONNECTIONS__SERVICE_CONNECTION__SETTINGS__TENANTID": "00000000-0000-0000-0000-000000000002"}
    settings = teams_setup["settings"]
    deps = TeamsDeps(ChatService(ReviewBot(settings), teams_setup["feedback"], AccessPolicy()),
                     ConversationHistory(settings.data_dir / "conv-auth.sqlite3"))
    application = web_application(deps, env)
    url, stop = serve(application)
    try:
        unsigned = httpx.post(url, json=message(teams_setup["connector"].url, "Who was the lead peer?"), timeout=30)
        assert unsigned.status_code == 401
        health = httpx.get(url.replace(MESSAGES_PATH, HEALTH_PATH), timeout=30)
        assert health.status_code == 200 and health.json()["documents"] == 3
    finally:
        stop()


def test_manifest_and_icons():
    from PIL import Image

    manifest = json.loads((ROOT / "teams/manifest.json").read_text())
    assert manifest["bots"][0]["botId"] == manifest["id"]
    assert set(manifest["bots"][0]["scopes"]) == {"personal", "team", "groupChat"}
    assert Image.open(ROOT / "teams" / manifest["icons"]["color"]).size == (192, 192)
    assert Image.open(ROOT / "teams" / manifest["icons"]["outline"]).size == (32, 32)


def test_the_teams_command_serves_anonymously_and_says_so(tmp_path):
    """As the outside check does: `reviewbot teams --port N` with no app id, replying to a local connector."""
    env = {"REVIEWBOT_DATA_DIR": str(tmp_path / "data")}
    assert run_cli(["ingest", str(EXAMPLES)], env).returncode == 0
    port = free_port()
    clean_env = {k: v for k, v in os.environ.items() if not k.startswith("CONNECTIONS__")}
    process = subprocess.Popen([sys.executable, "-m", "bot.cli", "teams", "--port", str(port)], cwd=ROOT,
                               env={**clean_env, **env}, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    connector = FakeConnector()
    try:
        url = f"http://127.0.0.1:{port}{MESSAGES_PATH}"
        deadline = time.time() + 120
        while True:
            try:
                response = httpx.post(url, json=message(connector.url, "Who was the lead peer?", conversation="a:cli"),
                                      timeout=60)
                break
            except httpx.HTTPError:
                assert process.poll() is None and time.time() < deadline, "reviewbot teams did not start"
                time.sleep(0.5)
        assert response.status_code in (200, 202)
        assert "Dana Whitlock" in connector.wait_for_reply("a:cli")["text"]
    finally:
        process.terminate()
        _, stderr = process.communicate(timeout=20)
        connector.close()
    assert "ANONYMOUSLY" in stderr


@pytest.fixture(scope="module")
def teams_llm_setup(tmp_path_factory):
    """A Teams bot whose model streams slowly, and whose turn window is short enough for an answer to outlast it."""
    root = tmp_path_factory.mktemp("teams-llm")
    bot, model = bot_with_a_slow_model(root)
    feedback = FeedbackStore(root / "data" / "feedback.sqlite3")
    deps = TeamsDeps(ChatService(bot, feedback, AccessPolicy()), ConversationHistory(root / "data" / "c.sqlite3"),
                     turn_window=LLM_TURN_WINDOW)
    application = web_application(deps, env={})
    url, stop = serve(application)
    connector = FakeConnector()
    yield {"url": url, "connector": connector, "model": model}
    stop()
    connector.close()
    model.close()


# TEAMS_TURN_WINDOW_SECONDS, shortened so that a slow model's answer outlasts its turn.
LLM_TURN_WINDOW = 1.5


def an_answer_with_an_invented_quote(messages) -> str:
    n = source_with(messages, "Dana Whitlock")
    return (f"The review was led by Dana Whitlock [{n}]. It said \u201cthe lead peer walked on water\u201d [{n}]. "
            f"The findings name the \u201cLead Peer: Dana Whitlock\u201d [{n}]. The peers met staff across the "
            f"council and read case files before they wrote their findings [{n}].")


def test_a_models_answer_streams_in_personal_chat_and_outlasts_the_turn(teams_llm_setup):
    connector, model = teams_llm_setup["connector"], teams_llm_setup["model"]
    model.script = an_answer_with_an_invented_quote
    started = time.monotonic()
    response = post(teams_llm_setup, message(connector.url, "Who led the Northbridge peer review?",
                                             conversation="a:stream-1"))
    # The turn ends within Teams' window although the model is still writing; the answer follows proactively.
    assert response.status_code in (200, 202) and time.monotonic() - started < LLM_TURN_WINDOW + 2
    final = connector.wait_for_reply("a:stream-1")
    updates = [(a, at) for (path, a), at in zip(connector.sent, connector.received_at)
               if "/a:stream-1/" in path and a.get("type") == "typing"]
    kinds = [next(e for e in a["entities"] if e["type"] == "streaminfo")["streamType"] for a, _ in updates]
    assert kinds[0] == "informative" and "streaming" in kinds
    streamed = [a for a, _ in updates if "streaming" == next(e for e in a["entities"]
                                                           if e["type"] == "streaminfo")["streamType"]]
    first_streamed_at = next(at for a, at in updates if a in streamed)
    assert first_streamed_at - model.first_piece_at < 1.5
    assert all("walked on water" not in a["text"] for a in streamed)
    assert any("Dana Whitlock" in a["text"] for a in streamed)
    stream_id = next(e for e in final["entities"] if e["type"] == "streaminfo")["streamId"]
    assert stream_id and all(next(e for e in a["entities"] if e["type"] == "streaminfo").get("streamId") == stream_id
                             for a in streamed)
    # The final message is the checked answer: each sentence with its [n], the invented quotation gone.
    assert "led by Dana Whitlock [1]" in final["text"] and "walked on water" not in final["text"]
    assert ai_entity(final)["citation"] and final["channelData"]["feedbackLoopEnabled"] is True

