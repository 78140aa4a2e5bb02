"""A question as it arrives from any chat platform: each Slack event and Teams activity is read once into one
of these, and everything after reads it."""
from __future__ import annotations

import re
from dataclasses import dataclass


@dataclass(frozen=True)
class IncomingQuestion:
    text: str  # without the mention of the bot
    user: str | None
    conversation: str  # a Slack channel, a Teams conversation
    thread: str | None  # a Slack thread; Teams conversations have none
    # Where it was asked, most specific first (a Teams channel before its team), for the access rules; none in
    # direct messages and personal chats.
    places: tuple[str, ...]
    personal: bool  # a direct message, a personal chat or an assistant thread: one person and the bot


_QUESTION_START = re.compile(
    r"^(?:and |also |so )?(?:what|who|whom|whose|which|when|where|why|how|did|does|is|are|was|were|can|could|"
    r"should|would|has|have|had|tell me|show me|list|give me|quote|find)\b", re.I)


def reads_as_question(text: str) -> bool:
    """Does a message in a thread read as a further question for the bot ("and in 2019?", "who led it?"),
    rather than talk between people ("thanks, that helps", "see you at 3")?"""
    text = text.strip()
    return text.endswith("?") or bool(_QUESTION_START.match(text))
