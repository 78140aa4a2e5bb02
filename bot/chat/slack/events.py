"""What a Slack event or command says, read once: the question in it, who asked where, and whether it is for
the bot at all."""
from __future__ import annotations

import re

from ..incoming import IncomingQuestion, reads_as_question

_MENTION = re.compile(r"<@([A-Z0-9]+)(?:\|[^>]*)?>")


def question_text(text: str) -> str:
    """A message's text without its mentions."""
    return _MENTION.sub("", text).strip()


def is_direct(channel: str, channel_type: str | None = None) -> bool:
    """A direct message: its channel type says so, or (for a command) its channel id does."""
    return channel_type == "im" if channel_type is not None else channel.startswith("D")


def from_event(event: dict, in_assistant_thread: bool = False) -> IncomingQuestion:
    """A message or mention: answered in its thread (a new one for a message outside any)."""
    channel = event["channel"]
    direct = is_direct(channel, event.get("channel_type") or "")
    return IncomingQuestion(text=question_text(event.get("text", "")), user=event.get("user"), conversation=channel,
                            thread=event.get("thread_ts") or event["ts"], places=() if direct else (channel,),
                            personal=direct or in_assistant_thread)


def from_command(body: dict) -> IncomingQuestion:
    """`/ask ...`: answered to the person who asked, through the command's response_url."""
    channel = body["channel_id"]
    return IncomingQuestion(text=body.get("text", "").strip(), user=body["user_id"], conversation=channel,
                            thread=None, places=() if is_direct(channel) else (channel,), personal=False)


def ignored(event: dict, bot_user: str | None, answer_bots: bool) -> bool:
    """Our own messages, other bots' (unless they are to be answered), edits, joins and deletions."""
    if event.get("user") == bot_user:
        return True
    if event.get("bot_id") or event.get("subtype") == "bot_message":
        return not answer_bots
    return event.get("subtype") is not None


def may_follow_up(event: dict) -> bool:
    """A person's reply in a thread that reads as a question and is addressed to no one (a mention of the bot
    arrives as its own event; a mention of a colleague is talk between people). Whether the bot has answered
    in that thread is the store's to say."""
    text = event.get("text", "")
    return bool(event.get("thread_ts")) and not _MENTION.search(text) and reads_as_question(text)
