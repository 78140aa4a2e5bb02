"""Replies as Slack Block Kit, built with slack_sdk's block models (which hold Slack's limits), handed to the
Web API as the dicts it takes."""
from __future__ import annotations

from slack_sdk.models.blocks import (
    ActionsBlock,
    Block,
    ButtonElement,
    ContextActionsBlock,
    ContextBlock,
    DividerBlock,
    FeedbackButtonObject,
    FeedbackButtonsElement,
    HeaderBlock,
    MarkdownTextObject,
    SectionBlock,
)
from slack_sdk.models.views import View

from ...core.types import markers
from ..reply import COPY_REFERENCE, MORE_SOURCES, POST_TO_CHANNEL, Reply, Source

SECTION_LIMIT = SectionBlock.text_max_length  # characters in one section's text
BLOCK_LIMIT = 50  # blocks in one message
WORKING = "Looking through the documents\u2026"
# What the assistant thread's status says while the documents are searched; Slack rotates the messages.
STATUS = "is looking through the documents\u2026"
LOADING_MESSAGES = ["Searching the review documents\u2026", "Reading the best passages\u2026",
                    "Checking every quote against its source\u2026"]
FEEDBACK = "feedback"
_BUTTON_TEXT = {COPY_REFERENCE: "Copy as reference", MORE_SOURCES: "More sources", POST_TO_CHANNEL: "Post to channel"}


def escape(text: str) -> str:
    """Slack's mrkdwn treats &, < and > as markup."""
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def _dicts(blocks: list[Block]) -> list[dict]:
    return [block.to_dict() for block in blocks]


def _section(text: str) -> SectionBlock:
    if len(text) > SECTION_LIMIT:
        text = text[: SECTION_LIMIT - 1] + "\u2026"
    return SectionBlock(text=MarkdownTextObject(text=text))


def _context(text: str) -> ContextBlock:
    return ContextBlock(elements=[MarkdownTextObject(text=text)])


def _sections(lines: list[str]) -> list[Block]:
    """Lines in as few sections as Slack's limit allows, a line never split between two."""
    blocks: list[Block] = []
    current = ""
    for line in lines:
        if current and len(current) + 1 + len(line) > SECTION_LIMIT:
            blocks.append(_section(current))
            current = ""
        current = f"{current}\n{line}" if current else line
    return blocks + ([_section(current)] if current else [])


def source_line(source: Source) -> str:
    """'[n] reference', the title a link to the document at its page where the documents are published."""
    return f"*[{source.n}]* {_reference(source)}"


def _reference(source: Source) -> str:
    title = f"<{source.link}|{escape(source.title)}>" if source.link else escape(source.title)
    return f"{title}{escape(source.details)}"


def _content(reply: Reply) -> list[Block]:
    """What the answer says: the prose (a model's, or why the documents don't answer) and the quotes."""
    blocks: list[Block] = []
    if reply.prose:
        blocks.extend(_sections([f"*{escape(line)}*" if heading else escape(line)
                                 for line, heading in reply.prose_lines()]))
    if reply.quotes and reply.generated:
        blocks.append(_context("*What the sources say*"))
    for quote, numbers in reply.quotes:
        # Each quote its own block quote, so it is copied whole; the markers say which sources.
        blocks.append(_section(f">{escape(quote)} *{markers(numbers)}*"))
    return blocks


def _closing(reply: Reply) -> list[Block]:
    blocks: list[Block] = []
    if reply.sources:
        blocks.append(DividerBlock())
        lines = [source_line(s) + (f" \u2014 \u201c{escape(s.quote)}\u201d" if reply.quotes_in_sources else "")
                 for s in reply.sources]
        blocks.extend(_sections(["*Sources*", *lines]))
    if reply.actions:
        blocks.append(ActionsBlock(block_id="answer_actions", elements=[
            ButtonElement(text=_BUTTON_TEXT[a], action_id=a, value=reply.answer_id,
                          style="primary" if a == POST_TO_CHANNEL else None)
            for a in reply.actions]))
    blocks.append(_feedback(reply.answer_id))
    return blocks


def closing_blocks(reply: Reply) -> list[dict]:
    """What follows the answer: its sources, its buttons and the feedback control."""
    return _dicts(_closing(reply))


def _feedback(answer_id: str) -> ContextActionsBlock:
    """Slack's own feedback buttons; each value says the vote and the answer it is about."""
    return ContextActionsBlock(block_id="answer_feedback", elements=[FeedbackButtonsElement(
        action_id=FEEDBACK,
        positive_button=FeedbackButtonObject(text="Good answer", value=f"up:{answer_id}",
                                             accessibility_label="This answer was useful"),
        negative_button=FeedbackButtonObject(text="Bad answer", value=f"down:{answer_id}",
                                             accessibility_label="This answer was wrong or not useful"))])


def answer_blocks(reply: Reply, asked: str | None = None) -> list[dict]:
    """The whole answer; `asked`, a line above it saying who asked what (an answer posted to a channel)."""
    blocks = ([_context(asked)] if asked else []) + _content(reply) + _closing(reply)
    if len(blocks) > BLOCK_LIMIT:
        blocks = blocks[: BLOCK_LIMIT - 3] + blocks[-3:]
    return _dicts(blocks)


def fallback_text(reply: Reply) -> str:
    """The plain text Slack shows in notifications and where blocks can't be shown."""
    return reply.text[:SECTION_LIMIT]


def references_text(lines: list[str]) -> str:
    """Ready-to-paste references: each quote with where it comes from."""
    return "```" + escape("\n".join(lines)) + "```" if lines else "This answer cites no documents."


def more_sources_text(sources: list[Source]) -> str:
    lines = [f"\u2022 {_reference(s)}" for s in sources]
    return "*More sources*\n" + "\n".join(lines) if lines else "No other sources matched."


def suggested_prompts(examples: list[str]) -> list[dict]:
    """Prompts for a new assistant thread: Slack shows the title, and sends the message when one is chosen."""
    return [{"title": e if len(e) <= 75 else e[:74] + "\u2026", "message": e} for e in examples[:4]]


def home_view(documents: int, last_indexed: str | None, examples: list[str]) -> dict:
    indexed = (f"{documents} documents indexed, the latest on {last_indexed}." if documents
               else "No documents are indexed yet.")
    return View(type="home", blocks=[
        HeaderBlock(text="reviewbot"),
        _section("Ask me about your council's review documents \u2014 peer reviews, Ofsted reports, scrutiny "
                 "briefings, improvement plans. Every answer quotes the documents word for word and says where "
                 "each quote comes from."),
        _section("*How to ask*\n\u2022 Open me from the AI assistant icon, or send me a direct message"
                 "\n\u2022 Mention me in a channel: `@reviewbot what did the review say about caseloads?`"
                 "\n\u2022 Use `/ask your question` (only you see the answer, with a button to post it)"
                 "\n\u2022 Ask a follow-up in the thread of my answer: no need to mention me again"),
        _section("*Try*\n" + "\n".join(f"\u2022 {escape(e)}" for e in examples)),
        _context(escape(indexed)),
    ]).to_dict()
