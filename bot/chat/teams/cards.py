"""Replies as Microsoft Teams messages: the answer as the message's text, its sources as Teams citations, the
"AI generated" label, and an Adaptive Card with the answer's buttons."""
from __future__ import annotations

from microsoft_agents.activity import (
    Activity,
    ActivityTypes,
    Attachment,
    ClientCitation,
    ClientCitationAppearance,
    StreamInfo,
)

from ..reply import COPY_REFERENCE, MORE_SOURCES, Reply, Source

CARD_CONTENT_TYPE = "application/vnd.microsoft.card.adaptive"
_SCHEMA = "http://adaptivecards.io/schemas/adaptive-card.json"
# Teams' limits on a citation's appearance.
CITATION_NAME_LIMIT = 80
CITATION_ABSTRACT_LIMIT = 160
_BUTTON_TEXT = {COPY_REFERENCE: "Copy as reference", MORE_SOURCES: "More sources"}


def _card(body: list[dict], actions: list[dict] | None = None) -> dict:
    card = {"type": "AdaptiveCard", "$schema": _SCHEMA, "version": "1.5", "body": body}
    if actions:
        card["actions"] = actions
    return card


def _text(text: str, **style) -> dict:
    return {"type": "TextBlock", "text": text, "wrap": True, **style}


def _cut(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "\u2026"


def source_line(source: Source) -> str:
    return f"[{source.n}] {_reference(source)}"


def _reference(source: Source) -> str:
    title = f"[{source.title}]({source.link})" if source.link else source.title
    return f"{title}{source.details}"


def message_text(reply: Reply) -> str:
    """The answer as Teams markdown: the prose, then each quote as a block quote, each with its [n]."""
    parts = ["\n".join(f"**{line}**" if heading else line for line, heading in reply.prose_lines())] \
        if reply.prose else []
    parts.extend(f"> \u201c{quote}\u201d {''.join(f'[{n}]' for n in numbers)}" for quote, numbers in reply.quotes)
    return "\n\n".join(parts)


def citations(reply: Reply) -> list[ClientCitation]:
    """Each [n] of the text as a Teams citation: its title and page, the quoted words, its link."""
    found = []
    for s in reply.sources:
        name = s.title + (f", p. {s.page}" if s.page else "")
        found.append(ClientCitation(position=s.n, appearance=ClientCitationAppearance(
            name=_cut(name, CITATION_NAME_LIMIT), abstract=_cut(s.quote, CITATION_ABSTRACT_LIMIT), url=s.link,
            text=s.quote, keywords=[s.details.strip(", ")][:3])))
    return found


def actions_card(reply: Reply) -> dict:
    """The answer's buttons; the sources in full, ready to read where a client shows no citations."""
    body = [_text("Sources", weight="Bolder", size="Small")] if reply.sources else []
    body.extend(_text(source_line(s) + (f" \u2014 \u201c{s.quote}\u201d" if reply.quotes_in_sources else ""),
                      size="Small", isSubtle=True, spacing="None") for s in reply.sources)
    actions = [{"type": "Action.Execute", "title": _BUTTON_TEXT[a], "verb": a, "data": {"answer_id": reply.answer_id}}
               for a in reply.actions if a in _BUTTON_TEXT]
    return _card(body or [_text("Every quote is word for word from the documents.", size="Small", isSubtle=True)],
                 actions)


def answer_activity(reply: Reply, stream_id: str | None = None) -> Activity:
    """The whole answer as one message: text with [n], citations, the AI label, Teams' own feedback buttons,
    and the card with the answer's buttons. With `stream_id`, it is the final message of that stream."""
    activity = Activity(type=ActivityTypes.message, text=message_text(reply), text_format="markdown",
                        attachments=[Attachment(content_type=CARD_CONTENT_TYPE, content=actions_card(reply))],
                        channel_data={"feedbackLoopEnabled": True})
    activity.add_ai_metadata(citations(reply) or None)
    if stream_id:
        activity.entities.append(StreamInfo(stream_type="final", stream_id=stream_id))
    return activity


def card_activity(card: dict, text: str) -> Activity:
    return Activity(type=ActivityTypes.message, text=text,
                    attachments=[Attachment(content_type=CARD_CONTENT_TYPE, content=card)])


def references_card(lines: list[str]) -> dict:
    body = [_text("References, ready to paste", weight="Bolder")]
    body.extend(_text(line, fontType="Monospace") for line in lines)
    return _card(body if lines else [_text("This answer cites no documents.")])


def more_sources_card(sources: list[Source]) -> dict:
    if not sources:
        return message_card("No other sources matched.")
    return _card([_text("More sources", weight="Bolder")] + [_text(_reference(s), size="Small")
                                                            for s in sources])


def welcome_card(documents: int, examples: list[str]) -> dict:
    """For a new chat with the bot: what it does, and example questions that ask themselves when pressed."""
    indexed = f"{documents} documents are indexed." if documents else "No documents are indexed yet."
    body = [_text("Hi, I'm reviewbot", weight="Bolder", size="Medium"),
            _text("Ask me about your council's review documents: peer reviews, Ofsted reports, scrutiny briefings, "
                  "improvement plans. Every answer quotes them word for word and says where each quote comes from."),
            _text(indexed, size="Small", isSubtle=True),
            _text("Try asking", weight="Bolder", spacing="Medium")]
    actions = [{"type": "Action.Submit", "title": _cut(e, 60), "data": {"msteams": {"type": "imBack", "value": e}}}
               for e in examples]
    return _card(body, actions)


def message_card(text: str) -> dict:
    return _card([_text(text)])
