"""Bolt listeners, thin: read the event, ask the chat service, render what comes back. Each reads what it
stands on (SlackDeps) from bolt's context, where app.py puts it for every request."""
from __future__ import annotations

import logging
from dataclasses import dataclass

from slack_bolt import BoltContext, BoltResponse
from slack_sdk import WebClient

from ..incoming import IncomingQuestion
from ..reply import COPY_REFERENCE, FAILED, MORE_SOURCES, POST_TO_CHANNEL
from ..seen_events import SeenEvents
from ..service import ChatService
from . import events
from .blocks import (
    FEEDBACK,
    answer_blocks,
    fallback_text,
    home_view,
    more_sources_text,
    references_text,
    suggested_prompts,
)
from .thread_reply import ThreadReply

log = logging.getLogger("reviewbot.slack")
HINT = "Ask me a question about the review documents, e.g. \u201cwhat did the peer review say about caseloads?\u201d"
GREETING = ("Hi! Ask me about your council's review documents. I quote them word for word and say where "
            "each quote comes from.")
NO_LONGER_STORED = "That answer is no longer stored."
DEPS = "reviewbot"  # the key of SlackDeps in bolt's context


@dataclass
class SlackDeps:
    chat: ChatService
    answer_bots: bool = False  # answer other bots' messages too
    seen: SeenEvents | None = None  # event ids already answered (Slack's retries)


def deps_of(context: BoltContext) -> SlackDeps:
    return context[DEPS]


def each_event_once(body: dict, context: BoltContext, next) -> BoltResponse | None:
    """Middleware: an event Slack delivers again (X-Slack-Retry-Num) is acknowledged, not answered again."""
    seen, event_id = deps_of(context).seen, body.get("event_id")
    if seen is not None and event_id and not seen.first_time(event_id):
        log.info("event %s delivered again; it was answered the first time", event_id)
        return BoltResponse(status=200, body="")
    return next()


def _thread_history(client: WebClient, incoming: IncomingQuestion, event: dict, bot_user: str | None) -> list[str]:
    """Earlier questions in the thread, oldest first: the context of a follow-up."""
    if not event.get("thread_ts"):
        return []
    try:
        replies = client.conversations_replies(channel=incoming.conversation, ts=event["thread_ts"], limit=50)
    except Exception:  # the answer matters more than its context
        log.exception("could not read thread %s in %s", event["thread_ts"], incoming.conversation)
        return []
    return [events.question_text(m.get("text", "")) for m in replies.get("messages", [])
            if m.get("ts") != event["ts"] and m.get("user") != bot_user and not m.get("bot_id")]


def answer_event(event: dict, client: WebClient, context: BoltContext, in_assistant_thread: bool = False) -> None:
    deps = deps_of(context)
    if events.ignored(event, context.bot_user_id, deps.answer_bots):
        return
    incoming = events.from_event(event, in_assistant_thread)
    if not incoming.text:
        client.chat_postMessage(channel=incoming.conversation, thread_ts=incoming.thread, text=HINT)
        return
    earlier = _thread_history(client, incoming, event, context.bot_user_id)
    reply = ThreadReply(client, incoming.conversation, incoming.thread, incoming.user, context.team_id,
                        show_status=incoming.personal)
    try:
        answered = deps.chat.answer(incoming, earlier, on_text=reply.on_text)
    except Exception:
        log.exception("could not answer %r in %s", incoming.text, incoming.conversation)
        reply.fail()
        return
    reply.finish(answered)


def on_mention(event: dict, client: WebClient, context: BoltContext) -> None:
    answer_event(event, client, context)


def on_message(event: dict, client: WebClient, context: BoltContext) -> None:
    """A direct message; or, in a channel, a follow-up in a thread the bot has answered in."""
    deps = deps_of(context)
    if event.get("channel_type") == "im":
        answer_event(event, client, context)
    elif not events.ignored(event, context.bot_user_id, deps.answer_bots) and events.may_follow_up(event) \
            and deps.chat.feedback.answered_in(event["channel"], event["thread_ts"]):
        answer_event(event, client, context)


def on_thread_started(say, set_suggested_prompts, context: BoltContext) -> None:
    say(GREETING)
    try:
        set_suggested_prompts(prompts=suggested_prompts(deps_of(context).chat.bot.examples()), title="Try asking")
    except Exception:
        log.exception("could not suggest prompts")


def on_assistant_message(payload: dict, client: WebClient, context: BoltContext, set_title) -> None:
    try:
        if not deps_of(context).chat.feedback.answered_in(payload["channel"], payload["thread_ts"]):
            set_title(events.question_text(payload.get("text", ""))[:100] or "Question")
    except Exception:  # a thread with no title is still answered
        log.warning("could not set the thread title in %s", payload.get("channel"))
    answer_event(payload, client, context, in_assistant_thread=True)


def on_ask_command(ack, body: dict, respond, context: BoltContext) -> None:
    """`/ask ...`: the answer goes back through the command's response_url, so it arrives in channels the bot
    is not a member of; only the asker sees it, with a button to post it."""
    ack()
    incoming = events.from_command(body)
    if not incoming.text:
        respond(text="Usage: `/ask your question`", response_type="ephemeral")
        return
    try:
        reply = deps_of(context).chat.answer(incoming, offer_post=True)
        respond(text=fallback_text(reply), blocks=answer_blocks(reply), response_type="ephemeral")
    except Exception:
        log.exception("could not answer /ask %r in %s", incoming.text, incoming.conversation)
        respond(text=FAILED, response_type="ephemeral")


def _pressed(body: dict) -> tuple[str, str, str]:
    """The button's value, and the channel and user where it was pressed."""
    channel = (body.get("channel") or {}).get("id") or body.get("container", {}).get("channel_id")
    return body["actions"][0]["value"], channel, body["user"]["id"]


def _tell(respond, text: str) -> None:
    """A note only the person who pressed the button sees, added below the answer."""
    respond(text=text, response_type="ephemeral", replace_original=False)


def on_feedback(ack, body: dict, respond, context: BoltContext) -> None:
    ack()
    value, channel, user = _pressed(body)
    vote, _, answer_id = value.partition(":")
    feedback = deps_of(context).chat.feedback
    if vote not in ("up", "down") or feedback.answer(answer_id) is None:
        _tell(respond, "That answer is too old to vote on.")
        return
    feedback.vote(answer_id, vote, user, channel)
    _tell(respond, "Thanks \u2014 your feedback helps us improve the answers.")


def on_copy_reference(ack, body: dict, respond, context: BoltContext) -> None:
    ack()
    chat = deps_of(context).chat
    found = chat.stored(_pressed(body)[0])
    _tell(respond, references_text(chat.references(found)) if found else NO_LONGER_STORED)


def on_more_sources(ack, body: dict, respond, context: BoltContext) -> None:
    ack()
    chat = deps_of(context).chat
    found = chat.stored(_pressed(body)[0])
    _tell(respond, more_sources_text(chat.other_sources(found)) if found else NO_LONGER_STORED)


def on_post_to_channel(ack, body: dict, respond, context: BoltContext) -> None:
    ack()
    chat = deps_of(context).chat
    answer_id, _, user = _pressed(body)
    found = chat.stored(answer_id)
    if found is None:
        _tell(respond, NO_LONGER_STORED)
        return
    reply = chat.reply_for(answer_id, found)
    asked = f"<@{user}> asked: {found.question}"
    respond(text=f"{asked}\n{fallback_text(reply)}", response_type="in_channel", replace_original=False,
            blocks=answer_blocks(reply, asked=asked))


def on_home(event: dict, client: WebClient, context: BoltContext) -> None:
    if event.get("tab", "home") != "home":
        return
    bot = deps_of(context).chat.bot
    documents, last = bot.documents()
    client.views_publish(user_id=event["user"], view=home_view(documents, last, bot.examples()))


# Every button, by its action id, and what answers it.
ACTIONS = {FEEDBACK: on_feedback, COPY_REFERENCE: on_copy_reference, MORE_SOURCES: on_more_sources,
           POST_TO_CHANNEL: on_post_to_channel}
