"""The Slack adapter: bolt listeners that hand questions to the core and render what comes back.

Events are acknowledged at once and answered in bolt's worker threads, so Slack hears back within three
seconds however long the documents take. An event Slack delivers again is answered once. Web API calls that
hit a rate limit are retried after the wait Slack asks for."""
from __future__ import annotations

import json
import logging
import re
import threading
import time

from slack_bolt import App, Assistant, BoltResponse
from slack_bolt.adapter.wsgi import SlackRequestHandler
from slack_sdk import WebClient
from slack_sdk.http_retry.builtin_handlers import RateLimitErrorRetryHandler

from .access import AccessPolicy
from .answer import Answer
from .feedback import FeedbackStore
from .followup import reads_as_question
from .render import FAILED
from .reply import Reply, other_sources, references, reply_to
from .retrieve import Filters
from .seen_events import SeenEvents
from .service import Asker
from .slack_blocks import (
    FEEDBACK,
    LOADING_MESSAGES,
    STATUS,
    WORKING,
    answer_blocks,
    closing_blocks,
    fallback_text,
    home_view,
    more_sources_text,
    references_text,
    suggested_prompts,
)

log = logging.getLogger("reviewbot.slack")
EVENTS_PATH = "/slack/events"
HEALTH_PATH = "/healthz"
_MENTION = re.compile(r"<@([A-Z0-9]+)(?:\|[^>]*)?>")
HINT = "Ask me a question about the review documents, e.g. \u201cwhat did the peer review say about caseloads?\u201d"
GREETING = ("Hi! Ask me about your council's review documents. I quote them word for word and say where "
            "each quote comes from.")
# Streamed text is sent at most this often, and at once when this much has gathered: the first words show
# within a second of the model's first, without a Web API call per word.
STREAM_EVERY_SECONDS = 0.5
STREAM_CHARACTERS = 200
RATE_LIMIT_RETRIES = 3


class ThreadReply:
    """One answer being given in one thread: a status or a placeholder while searching, the model's words
    streamed while it writes, and the checked answer at the end. Whatever fails on the way, nothing is left
    saying "searching"."""

    def __init__(self, client: WebClient, channel: str, thread_ts: str, user: str | None, team: str | None,
                 show_status: bool) -> None:
        self.client, self.channel, self.thread_ts = client, channel, thread_ts
        self.user, self.team = user, team
        self.placeholder: str | None = None
        self.status_shown = False
        self.stream = None
        self._buffer = ""
        self._sent_at = 0.0
        self._broken = False
        self._lock = threading.Lock()
        if show_status:  # direct messages and assistant threads: the thread's own status line
            try:
                client.assistant_threads_setStatus(channel_id=channel, thread_ts=thread_ts, status=STATUS,
                                                   loading_messages=LOADING_MESSAGES)
                self.status_shown = True
                return
            except Exception:  # a workspace without the assistant feature: a placeholder instead
                log.info("no assistant status in %s; posting a placeholder", channel)
        self.placeholder = client.chat_postMessage(channel=channel, thread_ts=thread_ts, text=WORKING)["ts"]

    def on_text(self, text: str) -> None:
        with self._lock:
            if self._broken:
                return
            self._buffer += text
            now = time.monotonic()
            if self.stream is None or now - self._sent_at >= STREAM_EVERY_SECONDS \
                    or len(self._buffer) >= STREAM_CHARACTERS:
                try:
                    self._send(now)
                except Exception:  # the model goes on; the answer is posted whole at the end instead
                    log.warning("could not stream into %s; the answer will be posted whole", self.channel,
                                exc_info=True)
                    self._broken = True

    def _send(self, now: float) -> None:
        if self.stream is None:
            self.stream = self.client.chat_stream(channel=self.channel, thread_ts=self.thread_ts, buffer_size=1,
                                                  recipient_user_id=self.user, recipient_team_id=self.team)
            self._drop_placeholder()
        if self._buffer:
            self.stream.append(markdown_text=self._buffer)
        self._buffer, self._sent_at = "", now

    def _drop_placeholder(self) -> None:
        if self.placeholder:
            try:
                self.client.chat_delete(channel=self.channel, ts=self.placeholder)
                self.placeholder = None
            except Exception:
                log.warning("could not delete the placeholder in %s", self.channel, exc_info=True)

    def _streaming(self) -> bool:
        """Has a stream started in the thread (the first words reached Slack)?"""
        return self.stream is not None and self.stream.ts is not None

    def finish(self, reply: Reply) -> None:
        text, blocks = fallback_text(reply), answer_blocks(reply)
        if not self._streaming():
            self._deliver(text, blocks)
            return
        # The sources and buttons come with the end of the stream; the checked answer, with the markers of its
        # sources, then replaces the words streamed before the checks.
        self._end_stream(blocks=closing_blocks(reply))
        try:
            self.client.chat_update(channel=self.channel, ts=self.stream.ts, text=text, blocks=blocks)
        except Exception:
            log.exception("could not replace the streamed text in %s; it stands, with its sources", self.channel)
        self._retire_placeholder()

    def fail(self) -> None:
        if not self._streaming():
            self._deliver(FAILED, [])
            return
        self._end_stream(markdown_text="\n\n" + FAILED)
        self._retire_placeholder()

    def _end_stream(self, **closing) -> None:
        try:
            with self._lock:
                if not self._broken:
                    self._send(time.monotonic())
            self.stream.stop(**closing)
        except Exception:
            log.exception("could not end the stream in %s", self.channel)

    def _deliver(self, text: str, blocks: list[dict]) -> None:
        if self.placeholder:
            try:
                self.client.chat_update(channel=self.channel, ts=self.placeholder, text=text, blocks=blocks)
                return
            except Exception:
                log.warning("could not update the placeholder in %s; posting the answer instead", self.channel,
                            exc_info=True)
        try:
            self.client.chat_postMessage(channel=self.channel, thread_ts=self.thread_ts, text=text, blocks=blocks)
        except Exception:
            self._clear_status()  # a posted reply would have cleared it
            raise
        finally:
            self._retire_placeholder()

    def _retire_placeholder(self) -> None:
        """The placeholder goes, or at least stops saying the search goes on."""
        if self.placeholder:
            self._drop_placeholder()
        if self.placeholder:
            try:
                self.client.chat_update(channel=self.channel, ts=self.placeholder, text="Answered below.", blocks=[])
            except Exception:
                log.error("the placeholder in %s could be neither deleted nor updated", self.channel)

    def _clear_status(self) -> None:
        if self.status_shown:
            try:
                self.client.assistant_threads_setStatus(channel_id=self.channel, thread_ts=self.thread_ts, status="")
            except Exception:
                log.warning("could not clear the status in %s", self.channel)


def create_app(bot: Asker, feedback: FeedbackStore, policy: AccessPolicy, token: str, signing_secret: str,
               api_url: str | None = None, answer_bots: bool = False, docs_url: str | None = None,
               seen: SeenEvents | None = None) -> App:
    client = WebClient(token=token, base_url=api_url) if api_url else WebClient(token=token)
    client.retry_handlers.append(RateLimitErrorRetryHandler(max_retry_count=RATE_LIMIT_RETRIES))
    app = App(client=client, signing_secret=signing_secret, logger=log)

    @app.middleware
    def each_event_once(body, next):
        event_id = body.get("event_id")
        if seen is not None and event_id and not seen.first_time(event_id):
            log.info("event %s delivered again; it was answered the first time", event_id)
            return BoltResponse(status=200, body="")
        return next()

    def answer(client: WebClient, context, channel: str, thread_ts: str, question: str, user: str | None,
               is_direct: bool, earlier: list[str], show_status: bool) -> None:
        reply = ThreadReply(client, channel, thread_ts, user, context.team_id, show_status)
        try:
            filters = Filters(collections=policy.collections_for(None if is_direct else channel))
            found = bot.ask(bot.standalone(question, earlier), filters, on_text=reply.on_text)
            answer_id = feedback.remember(found, user, channel, thread_ts)
        except Exception:
            log.exception("could not answer %r in %s", question, channel)
            reply.fail()
            return
        reply.finish(reply_to(found, answer_id, docs_url))

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

    def handle_question(event: dict, client: WebClient, context, in_assistant_thread: bool = False) -> None:
        bot_user = context.bot_user_id
        if should_ignore(event, bot_user):
            return
        question = _question_text(event.get("text", ""))
        channel = event["channel"]
        thread_ts = event.get("thread_ts") or event["ts"]
        if not question:
            client.chat_postMessage(channel=channel, thread_ts=thread_ts, text=HINT)
            return
        earlier: list[str] = []
        if event.get("thread_ts"):
            try:
                earlier = thread_history(client, channel, event["thread_ts"], event["ts"], bot_user)
            except Exception:  # the answer matters more than its context
                log.exception("could not read thread %s in %s", event["thread_ts"], channel)
        is_direct = event.get("channel_type") == "im"
        answer(client, context, channel, thread_ts, question, event.get("user"), is_direct, earlier,
               show_status=is_direct or in_assistant_thread)

    def is_follow_up(event: dict) -> bool:
        """A person's reply, in a channel thread the bot has answered in, that reads as a question and is
        addressed to no one (a mention of the bot arrives as its own event; a mention of a colleague is
        talk between people)."""
        text = event.get("text", "")
        return bool(event.get("thread_ts")) and not _MENTION.search(text) and reads_as_question(text) \
            and feedback.answered_in(event["channel"], event["thread_ts"])

    def on_mention(event, client, context) -> None:
        handle_question(event, client, context)

    def on_message(event, client, context) -> None:
        if event.get("channel_type") == "im":
            handle_question(event, client, context)
        elif not should_ignore(event, context.bot_user_id) and is_follow_up(event):
            handle_question(event, client, context)

    app.event("app_mention")(on_mention)

    assistant = Assistant(logger=log)

    @assistant.thread_started
    def on_thread_started(say, set_suggested_prompts) -> None:
        say(GREETING)
        try:
            set_suggested_prompts(prompts=suggested_prompts(bot.examples()), title="Try asking")
        except Exception:
            log.exception("could not suggest prompts")

    @assistant.user_message
    def on_assistant_message(payload, client, context, set_title) -> None:
        try:
            if not feedback.answered_in(payload["channel"], payload["thread_ts"]):
                set_title(_question_text(payload.get("text", ""))[:100] or "Question")
        except Exception:  # a thread with no title is still answered
            log.warning("could not set the thread title in %s", payload.get("channel"))
        handle_question(payload, client, context, in_assistant_thread=True)

    app.use(assistant)
    app.event("message")(on_message)

    def on_ask_command(ack, body, respond) -> None:
        ack()
        channel, user = body["channel_id"], body["user_id"]
        question = body.get("text", "").strip()
        if not question:
            respond(text="Usage: `/ask your question`", response_type="ephemeral")
            return
        # The answer goes back through the command's response_url, so it arrives in channels the bot is
        # not a member of.
        try:
            filters = Filters(collections=policy.collections_for(None if channel.startswith("D") else channel))
            found = bot.ask(question, filters)
            answer_id = feedback.remember(found, user, channel)
            reply = reply_to(found, answer_id, docs_url, offer_post=True)
            respond(text=fallback_text(reply), blocks=answer_blocks(reply), response_type="ephemeral")
        except Exception:
            log.exception("could not answer /ask %r in %s", question, channel)
            respond(text=FAILED, response_type="ephemeral")

    app.command("/ask")(on_ask_command)

    def stored(body) -> tuple[str, Answer | None]:
        answer_id = body["actions"][0]["value"]
        return answer_id, feedback.answer(answer_id)

    def where(body) -> tuple[str, str]:
        channel = (body.get("channel") or {}).get("id") or body.get("container", {}).get("channel_id")
        return channel, body["user"]["id"]

    def tell(respond, text: str) -> None:
        """A note only the person who pressed the button sees, added below the answer."""
        respond(text=text, response_type="ephemeral", replace_original=False)

    def on_feedback(ack, body, respond) -> None:
        ack()
        vote, _, answer_id = body["actions"][0]["value"].partition(":")
        channel, user = where(body)
        if vote not in ("up", "down") or feedback.answer(answer_id) is None:
            tell(respond, "That answer is too old to vote on.")
            return
        feedback.vote(answer_id, vote, user, channel)
        tell(respond, "Thanks \u2014 your feedback helps us improve the answers.")

    def on_copy_reference(ack, body, respond) -> None:
        ack()
        _, found = stored(body)
        tell(respond, references_text(references(found, docs_url)) if found else "That answer is no longer stored.")

    def on_more_sources(ack, body, respond) -> None:
        ack()
        _, found = stored(body)
        tell(respond, more_sources_text(other_sources(found, docs_url)) if found
             else "That answer is no longer stored.")

    def on_post_to_channel(ack, body, respond) -> None:
        ack()
        answer_id, found = stored(body)
        _, user = where(body)
        if found is None:
            tell(respond, "That answer is no longer stored.")
            return
        reply = reply_to(found, answer_id, docs_url)
        asked = f"<@{user}> asked: {found.question}"
        respond(text=f"{asked}\n{fallback_text(reply)}", response_type="in_channel", replace_original=False,
                blocks=[{"type": "context", "elements": [{"type": "mrkdwn", "text": asked}]}] + answer_blocks(reply))

    app.action(FEEDBACK)(on_feedback)
    app.action("copy_reference")(on_copy_reference)
    app.action("more_sources")(on_more_sources)
    app.action("post_to_channel")(on_post_to_channel)

    @app.event("app_home_opened")
    def on_home(event, client) -> None:
        if event.get("tab", "home") != "home":
            return
        documents, last = bot.documents()
        client.views_publish(user_id=event["user"], view=home_view(documents, last, bot.examples()))

    return app


def _question_text(text: str) -> str:
    return _MENTION.sub("", text).strip()


def http_server(app: App, bot: Asker, port: int, host: str = "0.0.0.0", threads: int = 8):
    """A waitress server: events, commands and actions at /slack/events, signatures checked by bolt (401 when
    wrong); GET /healthz answers 200 while the store answers, 503 when it doesn't. `run()` serves,
    `close()` stops."""
    from waitress import create_server

    slack = SlackRequestHandler(app)

    def handler(environ, start_response):
        path = environ.get("PATH_INFO")
        if path == HEALTH_PATH:
            healthy, body = bot.health()
            start_response("200 OK" if healthy else "503 Service Unavailable", [("Content-Type", "application/json")])
            return [json.dumps(body).encode()]
        if path != EVENTS_PATH:
            start_response("404 Not Found", [("Content-Type", "text/plain")])
            return [b"Not Found"]
        return slack(environ, start_response)

    # A burst of events (a busy channel, a retry storm) queues in the listen backlog instead of being reset;
    # a client that stops sending is dropped after channel_timeout.
    return create_server(handler, host=host, port=port, threads=threads, backlog=1024, channel_timeout=30,
                         connection_limit=500, ident="reviewbot")
