"""Answers as Slack Block Kit, within Slack's limits."""
from __future__ import annotations

from .answer import Answer, Citation, markers, quotes_and_numbers
from .render import reference

SECTION_LIMIT = 3000  # characters in one section's text
BLOCK_LIMIT = 50
WORKING = "Looking through the documents\u2026"


def escape(text: str) -> str:
    """Slack's mrkdwn treats &, < and > as markup."""
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def _section(text: str) -> dict:
    if len(text) > SECTION_LIMIT:
        text = text[: SECTION_LIMIT - 1] + "\u2026"
    return {"type": "section", "text": {"type": "mrkdwn", "text": text}}


def citations_of(answer: Answer | dict) -> list[Citation]:
    items = answer.citations if isinstance(answer, Answer) else answer.get("citations", [])
    return [c if isinstance(c, Citation) else Citation(**c) for c in items]


def answer_blocks(answer: Answer, answer_id: str, offer_post: bool = False) -> list[dict]:
    blocks: list[dict] = []
    if answer.abstained:
        blocks.append(_section(escape(answer.answer)))
    else:
        for quote, numbers in quotes_and_numbers(citations_of(answer)):
            # Each quote its own block quote, so it is copied whole; the markers say which sources.
            blocks.append(_section(f">{escape(quote)} *{markers(numbers)}*"))
        sources = "\n".join(f"*[{c.n}]* {escape(reference(c))}" for c in citations_of(answer))
        blocks.append({"type": "divider"})
        blocks.append(_section(f"*Sources*\n{sources}"))
    blocks.append(_actions(answer, answer_id, offer_post))
    if len(blocks) > BLOCK_LIMIT:
        blocks = blocks[: BLOCK_LIMIT - 1] + [blocks[-1]]
    return blocks


def _actions(answer: Answer, answer_id: str, offer_post: bool) -> dict:
    def button(text: str, action_id: str) -> dict:
        return {"type": "button", "text": {"type": "plain_text", "text": text, "emoji": True},
                "action_id": action_id, "value": answer_id}

    elements = [button("\U0001F44D", "feedback_up"), button("\U0001F44E", "feedback_down")]
    if not answer.abstained:
        elements.append(button("Copy as reference", "copy_reference"))
    elements.append(button("More sources", "more_sources"))
    if offer_post:
        elements.append({**button("Post to channel", "post_to_channel"), "style": "primary"})
    return {"type": "actions", "block_id": "answer_actions", "elements": elements}


def fallback_text(answer: Answer) -> str:
    """The plain text Slack shows in notifications and where blocks can't be shown."""
    return answer.answer[:SECTION_LIMIT]


def references_text(payload: dict) -> str:
    """Ready-to-paste references: each quote with where it comes from."""
    lines = [f"\u201c{c.quote}\u201d \u2014 {reference(c)}" for c in citations_of(payload)]
    return "```" + "\n".join(lines) + "```" if lines else "This answer cites no documents."


def more_sources_text(payload: dict) -> str:
    cited = {(c.source, c.page) for c in citations_of(payload)}
    lines = []
    for item in payload.get("retrieved", []):
        key = (item["source"], item["page"])
        if key in cited:
            continue
        cited.add(key)
        where = ", ".join(str(p) for p in (item.get("title"), f"p. {item['page']}" if item.get("page") else None,
                                           item.get("section")) if p)
        lines.append(f"\u2022 {escape(where)} ({escape(item['source'])})")
    return "*More sources*\n" + "\n".join(lines[:10]) if lines else "No other sources matched."


def home_view(documents: int, last_indexed: str | None) -> dict:
    indexed = (f"{documents} documents indexed, the latest on {last_indexed}." if documents
               else "No documents are indexed yet.")
    examples = [
        "What did the peer review say about Initial Response duty weeks?",
        "What were the four priorities after the 2015 review?",
        "What was Trafford's overall effectiveness judgement in 2019?",
    ]
    return {"type": "home", "blocks": [
        {"type": "header", "text": {"type": "plain_text", "text": "reviewbot"}},
        _section("Ask me about your council's review documents \u2014 peer reviews, Ofsted reports, scrutiny "
                 "briefings, improvement plans. Every answer quotes the documents word for word and says where "
                 "each quote comes from."),
        _section("*How to ask*\n\u2022 Mention me in a channel: `@reviewbot what did the review say about caseloads?`"
                 "\n\u2022 Send me a direct message\n\u2022 Use `/ask your question` (only you see the answer, "
                 "with a button to post it)\n\u2022 Ask a follow-up in the same thread"),
        _section("*Try*\n" + "\n".join(f"\u2022 {escape(e)}" for e in examples)),
        {"type": "context", "elements": [{"type": "mrkdwn", "text": escape(indexed)}]},
    ]}
