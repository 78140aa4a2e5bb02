"""Answers as Adaptive Cards for Microsoft Teams."""
from __future__ import annotations

from .answer import Answer, markers, quotes_and_numbers
from .render import reference
from .slack_blocks import citations_of

CARD_CONTENT_TYPE = "application/vnd.microsoft.card.adaptive"
_SCHEMA = "http://adaptivecards.io/schemas/adaptive-card.json"


def _card(body: list[dict], actions: list[dict] | None = None) -> dict:
    card = {"type": "AdaptiveCard", "$schema": _SCHEMA, "version": "1.5", "body": body}
    if actions:
        card["actions"] = actions
    return card


def _text(text: str, **style) -> dict:
    return {"type": "TextBlock", "text": text, "wrap": True, **style}


def answer_card(answer: Answer, answer_id: str, note: str | None = None) -> dict:
    body: list[dict] = []
    if answer.abstained:
        body.append(_text(answer.answer))
    else:
        for quote, numbers in quotes_and_numbers(citations_of(answer)):
            # Each quote in its own emphasised container, with its numbers, so it reads and copies whole.
            body.append({"type": "Container", "style": "emphasis", "items": [
                _text(f"\u201c{quote}\u201d **{markers(numbers)}**")]})
        body.append(_text("Sources", weight="Bolder", spacing="Medium"))
        body.extend(_text(f"[{c.n}] {reference(c)}", size="Small", isSubtle=True, spacing="None")
                    for c in citations_of(answer))
    if note:
        body.append(_text(note, size="Small", color="Good"))

    def action(title: str, verb: str) -> dict:
        return {"type": "Action.Execute", "title": title, "verb": verb, "data": {"answer_id": answer_id}}

    actions = [action("\U0001F44D", "feedback_up"), action("\U0001F44E", "feedback_down")]
    if not answer.abstained:
        actions.append(action("Copy as reference", "copy_reference"))
    return _card(body, actions)


def references_card(payload: dict) -> dict:
    lines = [f"\u201c{c.quote}\u201d \u2014 {reference(c)}" for c in citations_of(payload)]
    body = [_text("References, ready to paste", weight="Bolder")]
    body.extend(_text(line, fontType="Monospace") for line in lines)
    return _card(body or [_text("This answer cites no documents.")])


def message_card(text: str) -> dict:
    return _card([_text(text)])
