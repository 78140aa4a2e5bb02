"""What a chat platform asks of reviewbot, the same for Slack and Teams: an answer to a question, within what
its place may see, kept so that its buttons and votes find it again."""
from __future__ import annotations

from dataclasses import dataclass
from typing import Callable

from ..core.access import AccessPolicy
from ..core.types import Answer, Asker, Filters
from ..links import Links
from .feedback import FeedbackStore
from .incoming import IncomingQuestion
from .reply import Reply, Source, other_sources, references, reply_to


@dataclass
class ChatService:
    bot: Asker
    feedback: FeedbackStore
    policy: AccessPolicy
    links: Links = Links()  # to the page view, or where the ingested folders are published

    def answer(self, incoming: IncomingQuestion, earlier: list[str] = (),
               on_text: Callable[[str], None] | None = None, offer_post: bool = False) -> Reply:
        """The reply to a question (a follow-up to the `earlier` questions of its conversation), searched only
        in the collections its place may see. With `on_text`, a model's words are passed on while written."""
        filters = Filters(collections=self.policy.collections_for(*incoming.places))
        found = self.bot.ask(self.bot.standalone(incoming.text, list(earlier)), filters, on_text=on_text)
        answer_id = self.feedback.remember(found, incoming.user, incoming.conversation, incoming.thread)
        return reply_to(found, answer_id, self.links, offer_post)

    def stored(self, answer_id: str) -> Answer | None:
        return self.feedback.answer(answer_id)

    def reply_for(self, answer_id: str, answer: Answer) -> Reply:
        return reply_to(answer, answer_id, self.links)

    def references(self, answer: Answer) -> list[str]:
        return references(answer, self.links)

    def other_sources(self, answer: Answer) -> list[Source]:
        return other_sources(answer, self.links)
