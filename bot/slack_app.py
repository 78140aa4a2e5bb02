"""The Slack adapter: bolt listeners that hand questions to the core and format what comes back.

Every listener acknowledges at once and does its work in a lazy listener, so Slack gets its answer within
three seconds however long the documents take to search."""
from __future__ import annotations

import json
import logging
import re
from socketserver import ThreadingMixIn
from wsgiref.simple_server import WSGIRequestHandler, WSGIServer, make_server

from slack_bolt import App
from slack_bolt.adapter.wsgi import SlackRequestHandler
from slack_sdk import WebClient

from .access import AccessPolicy
from .answer import Answer
from .feedback import FeedbackStore
from .render import FAILED
from .retrieve import Filters
from .service import Asker
from .slack_blocks import WORKING, answer_blocks, fallback_text, home_view, more_sources_text, references_text

log = logging.getLogger("reviewbot.slack")
EVENTS_PATH = "/slack/events"
HEALTH_PATH = "/healthz"
_MENTION = re.compile(r"<@[A-Z0-9]+(?:\|[^>]*)?>")


def create_app(bot: Asker, feedback: FeedbackStore, policy: AccessPolicy, token: str, signing_secret: str,
               api_url: str | None = None, answer_bots: bool = False) -> App:
    client = WebClient(token=token, base_url=api_url) if api_url else WebClient(token=token)
    app = App(client=client, signing_secret=signing_secret, logger=log)

    def answer_in_thread(client: WebClient, channel: str, thread_ts: str, question: str, user: str | None,
                         is_direct: bool, earlier: list[str]) -> None:
        placeholder = client.chat_postMessage(channel=channel, thread_ts=thread_ts, text=WORKING)
        try:
            filters = Filters(collections=policy.collections_for(channel, is_direct))
            answer = bot.ask(bot.standalone(question, earlier), filters)
            answer_id = feedback.remember(answer, user, channel)
            client.chat_update(channel=channel, ts=placeholder["ts"], text=fallback_text(answer),
                               blocks=answer_blocks(answer, answer_id))
        except Exception:
            log.exception("could not answer %r in %s", question, channel)
            client.chat_update(channel=channel, ts=placeholder["ts"], text=FAILED, blocks=[])

    def thread_history(client: WebClient, channel: str, thread_ts: str, current_ts: str, bot_user: str) -> list[str]:
        """Earlier questions in the thread, oldest first: the context of a follow-up."""
        replies = client.conversations_replies(channel=channel, ts=thread_ts, limit=50)
        return [_question_text(m.get("text", "")) for m in replies.get("messages", [])
                if m.get("ts") != current_ts and m.get("user") != bot_user and not m.get("bot_id")]

    def should_ignore(event: dict, bot_user: str | None) -> bool:
        if event.get("user") == bot_user:
            return True  # never our own messages
        if event.get("bot_id") or event.get("subtype") == "bot_message":
            return not answer_bots
        return event.get("subtype") is not None  # edits, joins, deletions: not questions

    def handle_question(event: dict, client: WebClient, context) -> None:
        bot_user = context.bot_user_id
        if should_ignore(event, bot_user):
            return
        question = _question_text(event.get("text", ""))
        channel = event["channel"]
        thread_ts = event.get("thread_ts") or event["ts"]
        if not question:
            client.chat_postMessage(channel=channel, thread_ts=thread_ts,
                                    text="Ask me a question about the review documents, e.g. "
                                         "\u201cwhat did the peer review say about caseloads?\u201d")
            return
        earlier: list[str] = []
        if event.get("thread_ts"):
            try:
                earlier = thread_history(client, channel, event["thread_ts"], event["ts"], bot_user)
            except Exception:  # the answer matters more than its context
                log.exception("could not read thread %s in %s", event["thread_ts"], channel)
        answer_in_thread(client, channel, thread_ts, question, event.get("user"),
                         event.get("channel_type") == "im", earlier)

    def ack_only(ack) -> None:
        ack()

    def on_mention(event, client, context) -> None:
        handle_question(event, client, context)

    def on_message(event, client, context) -> None:
        if event.get("channel_type") == "im":  # in channels, only mentions are questions
            handle_question(event, client, context)

    app.event("app_mention")(ack=ack_only, lazy=[on_mention])
    app.event("message")(ack=ack_only, lazy=[on_message])

    def on_ask_command(body, client) -> None:
        channel, user = body["channel_id"], body["user_id"]
        question = body.get("text", "").strip()
        if not question:
            client.chat_postEphemeral(channel=channel, user=user, text="Usage: `/ask your question`")
            return
        try:
            filters = Filters(collections=policy.collections_for(channel, channel.startswith("D")))
            answer = bot.ask(question, filters)
            answer_id = feedback.remember(answer, user, channel)
            client.chat_postEphemeral(channel=channel, user=user, text=fallback_text(answer),
                                      blocks=answer_blocks(answer, answer_id, offer_post=not answer.abstained))
        except Exception:
            log.exception("could not answer /ask %r in %s", question, channel)
            client.chat_postEphemeral(channel=channel, user=user, text=FAILED)

    app.command("/ask")(ack=ack_only, lazy=[on_ask_command])

    def stored(body) -> tuple[str, dict | None]:
        answer_id = body["actions"][0]["value"]
        return answer_id, feedback.answer(answer_id)

    def where(body) -> tuple[str, str, str | None]:
        channel = (body.get("channel") or body.get("container") or {}).get("id") \
            or body.get("container", {}).get("channel_id")
        thread = (body.get("message") or {}).get("thread_ts") or (body.get("message") or {}).get("ts")
        return channel, body["user"]["id"], thread

    def tell(client: WebClient, body, text: str) -> None:
        channel, user, thread = where(body)
        client.chat_postEphemeral(channel=channel, user=user, text=text, thread_ts=thread)

    def on_vote(body, client) -> None:
        answer_id, payload = stored(body)
        if payload is None:
            tell(client, body, "That answer is too old to vote on.")
            return
        channel, user, _ = where(body)
        vote = "up" if body["actions"][0]["action_id"] == "feedback_up" else "down"
        feedback.vote(answer_id, vote, user, channel)
        tell(client, body, "Thanks \u2014 your feedback helps us improve the answers.")

    def on_copy_reference(body, client) -> None:
        _, payload = stored(body)
        tell(client, body, references_text(payload) if payload else "That answer is no longer stored.")

    def on_more_sources(body, client) -> None:
        _, payload = stored(body)
        tell(client, body, more_sources_text(payload) if payload else "That answer is no longer stored.")

    def on_post_to_channel(body, client) -> None:
        answer_id, payload = stored(body)
        channel, user, _ = where(body)
        if payload is None:
            tell(client, body, "That answer is no longer stored.")
            return
        answer = Answer(**payload)
        client.chat_postMessage(channel=channel, text=f"<@{user}> asked: {answer.question}\n{fallback_text(answer)}",
                                blocks=[{"type": "context", "elements": [
                                    {"type": "mrkdwn", "text": f"<@{user}> asked: {answer.question}"}]}]
                                + answer_blocks(answer, answer_id))

    for action_id in ("feedback_up", "feedback_down"):
        app.action(action_id)(ack=ack_only, lazy=[on_vote])
    app.action("copy_reference")(ack=ack_only, lazy=[on_copy_reference])
    app.action("more_sources")(ack=ack_only, lazy=[on_more_sources])
    app.action("post_to_channel")(ack=ack_only, lazy=[on_post_to_channel])

    @app.event("app_home_opened")
    def on_home(event, client) -> None:
        documents, last = bot.documents()
        client.views_publish(user_id=event["user"], view=home_view(documents, last))

    return app


def _question_text(text: str) -> str:
    return _MENTION.sub("", text).strip()


class _ThreadingWSGIServer(ThreadingMixIn, WSGIServer):
    daemon_threads = True


class _QuietHandler(WSGIRequestHandler):
    def log_message(self, format, *args):  # noqa: A002 - the stdlib's name
        log.debug("%s - %s", self.address_string(), format % args)


def http_server(app: App, bot: Asker, port: int, host: str = "0.0.0.0"):
    """Events, commands and actions at /slack/events; signatures are checked by bolt (401 when wrong).
    GET /healthz answers 200 while the store answers, 503 when it doesn't."""
    slack = SlackRequestHandler(app, path=EVENTS_PATH)

    def handler(environ, start_response):
        if environ.get("PATH_INFO") != HEALTH_PATH:
            return slack(environ, start_response)
        healthy, body = bot.health()
        start_response("200 OK" if healthy else "503 Service Unavailable", [("Content-Type", "application/json")])
        return [json.dumps(body).encode()]

    return make_server(host, port, handler, server_class=_ThreadingWSGIServer, handler_class=_QuietHandler)
