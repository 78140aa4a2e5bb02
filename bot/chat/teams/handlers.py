"""Microsoft 365 Agents SDK handlers, thin: read the activity, ask the chat service in a worker thread, send
the reply back as a Teams AI message. Each takes what it stands on (TeamsDeps) as its first argument; app.py
binds it when it registers them."""
from __future__ import annotations

import asyncio
import json
import logging
from dataclasses import dataclass, field

from microsoft_agents.activity import (
    Activity,
    ActivityTypes,
    AdaptiveCardInvokeResponse,
    InvokeResponse,
    StreamInfo,
)
from microsoft_agents.hosting.core import TurnContext, TurnState

from index import tuning

from ..history import ConversationHistory
from ..incoming import IncomingQuestion
from ..reply import FAILED, Reply
from ..service import ChatService
from .cards import (
    CARD_CONTENT_TYPE,
    actions_card,
    answer_activity,
    card_activity,
    message_card,
    more_sources_card,
    references_card,
    welcome_card,
)
from .stream import TeamsStream

log = logging.getLogger("reviewbot.teams")
SEARCHING = "Searching the review documents\u2026"
HINT = "Ask me a question about the review documents, e.g. \u201cwhat did the peer review say about caseloads?\u201d"


@dataclass
class TeamsDeps:
    chat: ChatService
    history: ConversationHistory
    # An answer slower than this (seconds) is sent after its turn, as a proactive message.
    turn_window: float = tuning.TEAMS_TURN_WINDOW_SECONDS
    # Answers still on their way after their turn ended.
    later: set[asyncio.Task] = field(default_factory=set)


def _is_personal(activity: Activity) -> bool:
    conversation = activity.conversation
    return not conversation or (conversation.conversation_type or "personal") == "personal"


def _mentions_bot(activity: Activity) -> bool:
    recipient = activity.recipient.id if activity.recipient else None
    return any(m.mentioned and m.mentioned.id == recipient for m in activity.get_mentions())


def _places(activity: Activity) -> tuple[str, ...]:
    """The Teams channel and team a message came from, the channel first (its own entry wins over its team's);
    none in personal and group chats."""
    data = activity.channel_data or {}
    if not isinstance(data, dict):
        data = data.model_dump() if hasattr(data, "model_dump") else {}
    return tuple(p for p in ((data.get("channel") or {}).get("id"), (data.get("team") or {}).get("id")) if p)


def incoming_question(activity: Activity) -> IncomingQuestion:
    return IncomingQuestion(text=(activity.remove_recipient_mention() or activity.text or "").strip(),
                            user=activity.from_property.id if activity.from_property else None,
                            conversation=activity.conversation.id, thread=None, places=_places(activity),
                            personal=_is_personal(activity))


async def _send_answer(deps: TeamsDeps, context: TurnContext, reply: Reply, stream: TeamsStream | None) -> None:
    if stream is not None:
        await stream.close()
    sent = await context.send_activity(answer_activity(reply, stream.id if stream else None))
    # A streamed message keeps its stream's id; Teams' feedback control names the message by it.
    message_id = (stream.id if stream and stream.id else None) or (sent.id if sent else None)
    if message_id:
        deps.chat.feedback.attach_message(reply.answer_id, message_id)


async def _deliver(deps: TeamsDeps, context: TurnContext, work: asyncio.Future, stream: TeamsStream | None) -> None:
    try:
        reply = work.result()
    except Exception:
        log.exception("could not answer in %s", context.activity.conversation.id)
        failed = Activity(type=ActivityTypes.message, text=FAILED)
        if stream is not None:
            await stream.close()
            if stream.id:  # the apology ends the stream the search began
                failed.entities = [StreamInfo(stream_type="final", stream_id=stream.id)]
        await context.send_activity(failed)
        return
    await _send_answer(deps, context, reply, stream)


def _answer_later(deps: TeamsDeps, context: TurnContext, work: asyncio.Future, stream: TeamsStream | None) -> None:
    """The turn ends here; the answer follows as a proactive message in the same conversation."""
    reference = context.activity.get_conversation_reference()
    adapter, identity, conversation = context.adapter, context.identity, context.activity.conversation.id

    async def when_ready() -> None:
        async def send(proactive: TurnContext) -> None:
            if stream is not None:
                # The turn's context closes with the turn, while the model may still be writing.
                await stream.move_to(proactive)
            await asyncio.wait({work})
            await _deliver(deps, proactive, work, stream)

        try:
            await adapter.continue_conversation_with_claims(identity, reference.get_continuation_activity(), send)
        except Exception:
            log.exception("could not send the late answer to %s", conversation)

    task = asyncio.ensure_future(when_ready())
    deps.later.add(task)
    task.add_done_callback(deps.later.discard)


async def on_message(deps: TeamsDeps, context: TurnContext, state: TurnState) -> None:
    activity = context.activity
    if not _is_personal(activity) and not _mentions_bot(activity):
        return  # in channels and group chats, only @mentions are questions
    incoming = incoming_question(activity)
    if not incoming.text:
        await context.send_activity(HINT)
        return
    stream: TeamsStream | None = None
    if incoming.personal:
        stream = TeamsStream(context)
        await stream.inform(SEARCHING)
    else:
        # Shown at once; the SDK's own typing timer keeps it going if the search takes long.
        await context.send_activity(Activity(type=ActivityTypes.typing))
    loop = asyncio.get_running_loop()

    def on_text(text: str) -> None:  # from the worker thread that asks the model
        asyncio.run_coroutine_threadsafe(stream.add(text), loop)

    def answer() -> Reply:
        earlier = deps.history.recent(incoming.conversation)
        reply = deps.chat.answer(incoming, earlier, on_text=on_text if stream is not None else None)
        deps.history.add(incoming.conversation, incoming.text)
        return reply

    # The search runs in a worker thread so the service keeps taking other requests meanwhile.
    work = asyncio.ensure_future(asyncio.to_thread(answer))
    done, _ = await asyncio.wait({work}, timeout=deps.turn_window)
    if work in done:
        await _deliver(deps, context, work, stream)
    else:
        _answer_later(deps, context, work, stream)


async def on_feedback(deps: TeamsDeps, context: TurnContext, state: TurnState) -> None:
    """Teams' own thumbs up or down, with what the person wrote, on an answer."""
    activity = context.activity
    value = activity.value if isinstance(activity.value, dict) else {}
    action = value.get("actionValue") or {}
    vote = {"like": "up", "dislike": "down"}.get(action.get("reaction"))
    conversation = activity.conversation.id
    feedback = deps.chat.feedback
    answer_id = feedback.answer_shown_in(conversation, activity.reply_to_id or "")
    if value.get("actionName") == "feedback" and vote and answer_id:
        try:
            comment = json.loads(action.get("feedback") or "{}").get("feedbackText")
        except (ValueError, AttributeError):
            comment = None
        user = activity.from_property.id if activity.from_property else None
        feedback.vote(answer_id, vote, user, conversation, comment)
    else:
        log.warning("feedback on an unknown message %r in %s", activity.reply_to_id, conversation)
    await context.send_activity(Activity(type=ActivityTypes.invoke_response, value=InvokeResponse(status=200)))


def _card_response(card: dict) -> AdaptiveCardInvokeResponse:
    return AdaptiveCardInvokeResponse(status_code=200, type=CARD_CONTENT_TYPE, value=card)


async def _add_message(deps: TeamsDeps, context: TurnContext, data, card_for) -> AdaptiveCardInvokeResponse:
    """A button that adds a message below the answer, and leaves the answer's card as it was."""
    answer_id = (data or {}).get("answer_id", "")
    found = deps.chat.stored(answer_id)
    if found is None:
        return _card_response(message_card("That answer is no longer stored."))
    card = card_for(found)
    await context.send_activity(card_activity(card, card["body"][0]["text"]))
    return _card_response(actions_card(deps.chat.reply_for(answer_id, found)))


async def on_copy_reference(deps: TeamsDeps, context: TurnContext, state: TurnState,
                            data) -> AdaptiveCardInvokeResponse:
    return await _add_message(deps, context, data, lambda found: references_card(deps.chat.references(found)))


async def on_more_sources(deps: TeamsDeps, context: TurnContext, state: TurnState, data) -> AdaptiveCardInvokeResponse:
    return await _add_message(deps, context, data, lambda found: more_sources_card(deps.chat.other_sources(found)))


async def on_members_added(deps: TeamsDeps, context: TurnContext, state: TurnState) -> None:
    recipient = context.activity.recipient.id if context.activity.recipient else None
    if not any(m.id == recipient for m in context.activity.members_added or []):
        return  # someone else joined; the bot greets only when it is added
    bot = deps.chat.bot
    documents, _ = await asyncio.to_thread(bot.documents)
    examples = await asyncio.to_thread(bot.examples)
    await context.send_activity(card_activity(welcome_card(documents, examples), "Hi, I'm reviewbot."))


async def on_error(deps: TeamsDeps, context: TurnContext, error: Exception) -> None:
    log.exception("error in a Teams turn", exc_info=error)
    await context.send_activity(FAILED)
