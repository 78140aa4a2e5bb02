"""The Microsoft Teams adapter, on the Microsoft 365 Agents SDK: thin handlers that hand questions to the core
and send Adaptive Cards back.

Credentials use the SDK's own settings (CONNECTIONS__SERVICE_CONNECTION__SETTINGS__CLIENTID, __CLIENTSECRET,
__TENANTID). With no client id the bot runs anonymously, for the Agents Playground and tests only."""
from __future__ import annotations

import asyncio
import json
import logging
import time
import warnings
from typing import Mapping

from aiohttp import web
from microsoft_agents.activity import (
    Activity,
    ActivityTypes,
    AdaptiveCardInvokeResponse,
    InvokeResponse,
    StreamInfo,
    load_configuration_from_env,
)
from microsoft_agents.authentication.msal import MsalConnectionManager
from microsoft_agents.hosting.aiohttp import CloudAdapter, jwt_authorization_middleware, start_agent_process
from microsoft_agents.hosting.core import (
    AgentApplication,
    AgentAuthConfiguration,
    MemoryStorage,
    TurnContext,
    TurnState,
)

from .access import AccessPolicy
from .answer import Answer
from .feedback import FeedbackStore
from .history import ConversationHistory
from .render import FAILED
from .reply import Reply, other_sources, references, reply_to
from .retrieve import Filters
from .service import Asker
from .teams_cards import (
    CARD_CONTENT_TYPE,
    answer_activity,
    actions_card,
    card_activity,
    message_card,
    more_sources_card,
    references_card,
    welcome_card,
)

log = logging.getLogger("reviewbot.teams")
MESSAGES_PATH = "/api/messages"
HEALTH_PATH = "/healthz"
# Teams waits about 15 s for a turn's reply before it tells the user something went wrong; an answer that
# takes longer than this is sent afterwards as a proactive message.
TURN_WINDOW_SECONDS = 10.0
# Teams accepts a streamed update about once a second.
STREAM_EVERY_SECONDS = 1.0
SEARCHING = "Searching the review documents\u2026"


def _card_response(card: dict) -> AdaptiveCardInvokeResponse:
    return AdaptiveCardInvokeResponse(status_code=200, type=CARD_CONTENT_TYPE, value=card)


def _is_personal(activity: Activity) -> bool:
    conversation = activity.conversation
    return not conversation or (conversation.conversation_type or "personal") == "personal"


def _mentions_bot(activity: Activity) -> bool:
    recipient = activity.recipient.id if activity.recipient else None
    return any(m.mentioned and m.mentioned.id == recipient for m in activity.get_mentions())


def _places(activity: Activity) -> tuple[str | None, str | None]:
    """The Teams channel and team a message came from (None in personal and group chats)."""
    data = activity.channel_data or {}
    if not isinstance(data, dict):
        data = data.model_dump() if hasattr(data, "model_dump") else {}
    return (data.get("channel") or {}).get("id"), (data.get("team") or {}).get("id")


class _Stream:
    """Teams' streaming protocol, in a personal chat: an informative update at once, the model's words while
    it writes (checked quotations only, at most an update a second), and then the final message, which
    replaces the streamed words with the checked answer."""

    def __init__(self, context: TurnContext) -> None:
        self.context = context
        self.id: str | None = None
        self.text = ""
        self._sequence = 0
        self._sent_at = 0.0
        self._lock = asyncio.Lock()
        self.closed = False

    async def _send(self, kind: str, text: str) -> None:
        self._sequence += 1
        info = StreamInfo(stream_type=kind, stream_sequence=self._sequence, **({"stream_id": self.id} if self.id else {}))
        response = await self.context.send_activity(Activity(type=ActivityTypes.typing, text=text, entities=[info]))
        if self.id is None and response is not None:
            self.id = response.id

    async def inform(self, text: str) -> None:
        async with self._lock:
            await self._send("informative", text)

    async def add(self, text: str) -> None:
        async with self._lock:
            if self.closed:
                return
            self.text += text
            now = time.monotonic()
            if now - self._sent_at >= STREAM_EVERY_SECONDS:
                self._sent_at = now
                await self._send("streaming", self.text)

    async def close(self) -> None:
        async with self._lock:
            self.closed = True


def create_agent(bot: Asker, feedback: FeedbackStore, history: ConversationHistory, policy: AccessPolicy,
                 connections: MsalConnectionManager, docs_url: str | None = None,
                 turn_window: float = TURN_WINDOW_SECONDS) -> AgentApplication:
    app = AgentApplication[TurnState](storage=MemoryStorage(), connection_manager=connections)
    later: set[asyncio.Task] = set()  # answers still on their way after their turn ended

    def collections_for(activity: Activity) -> frozenset[str]:
        # A channel's own entry wins over its team's; chats and unlisted places get the default.
        channel, team = _places(activity)
        return policy.collections_for(channel, team)

    async def send_answer(context: TurnContext, reply: Reply, stream: _Stream | None) -> None:
        if stream is not None:
            await stream.close()
        sent = await context.send_activity(answer_activity(reply, stream.id if stream else None))
        # A streamed message keeps its stream's id; Teams' feedback control names the message by it.
        message_id = (stream.id if stream and stream.id else None) or (sent.id if sent else None)
        if message_id:
            feedback.attach_message(reply.answer_id, message_id)

    @app.activity(ActivityTypes.message)
    async def on_message(context: TurnContext, state: TurnState) -> None:
        activity = context.activity
        if not _is_personal(activity) and not _mentions_bot(activity):
            return  # in channels and group chats, only @mentions are questions
        question = (activity.remove_recipient_mention() or activity.text or "").strip()
        if not question:
            await context.send_activity("Ask me a question about the review documents, e.g. "
                                        "\u201cwhat did the peer review say about caseloads?\u201d")
            return
        conversation = activity.conversation.id
        user = activity.from_property.id if activity.from_property else None
        stream: _Stream | None = None
        if _is_personal(activity):
            stream = _Stream(context)
            await stream.inform(SEARCHING)
        else:
            # Shown at once; the SDK's own typing timer keeps it going if the search takes long.
            await context.send_activity(Activity(type=ActivityTypes.typing))
        loop = asyncio.get_running_loop()

        def on_text(text: str) -> None:  # from the worker thread that asks the model
            asyncio.run_coroutine_threadsafe(stream.add(text), loop)

        def answer() -> Reply:
            earlier = history.recent(conversation)
            asked = bot.standalone(question, earlier)
            found = bot.ask(asked, Filters(collections=collections_for(activity)),
                            on_text=on_text if stream is not None else None)
            history.add(conversation, question)
            return reply_to(found, feedback.remember(found, user, conversation), docs_url)

        # The search runs in a worker thread so the service keeps taking other requests meanwhile.
        work = asyncio.ensure_future(asyncio.to_thread(answer))
        done, _ = await asyncio.wait({work}, timeout=turn_window)
        if work in done:
            await deliver(context, work, stream)
            return
        # The turn ends here; the answer follows as a proactive message in the same conversation.
        reference = activity.get_conversation_reference()
        adapter, identity = context.adapter, context.identity

        async def answer_later() -> None:
            await asyncio.wait({work})

            async def send(proactive: TurnContext) -> None:
                await deliver(proactive, work, stream)

            try:
                await adapter.continue_conversation_with_claims(identity, reference.get_continuation_activity(), send)
            except Exception:
                log.exception("could not send the late answer to %s", conversation)

        task = asyncio.ensure_future(answer_later())
        later.add(task)
        task.add_done_callback(later.discard)

    async def deliver(context: TurnContext, work: asyncio.Future, stream: _Stream | None) -> None:
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
        await send_answer(context, reply, stream)

    @app.invoke("message/submitAction")
    async def on_feedback(context: TurnContext, state: TurnState) -> None:
        """Teams' own thumbs up or down, with what the person wrote, on an answer."""
        activity = context.activity
        value = activity.value if isinstance(activity.value, dict) else {}
        action = value.get("actionValue") or {}
        vote = {"like": "up", "dislike": "down"}.get(action.get("reaction"))
        conversation = activity.conversation.id
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

    def stored(data) -> tuple[str, Answer | None]:
        answer_id = (data or {}).get("answer_id", "")
        return answer_id, feedback.answer(answer_id)

    async def add_message(context: TurnContext, data, card_for) -> AdaptiveCardInvokeResponse:
        """A button that adds a message below the answer, and leaves the answer's card as it was."""
        answer_id, found = stored(data)
        if found is None:
            return _card_response(message_card("That answer is no longer stored."))
        card = card_for(found)
        await context.send_activity(card_activity(card, card["body"][0]["text"]))
        return _card_response(actions_card(reply_to(found, answer_id, docs_url)))

    async def on_copy_reference(context: TurnContext, state: TurnState, data) -> AdaptiveCardInvokeResponse:
        return await add_message(context, data, lambda found: references_card(references(found, docs_url)))

    async def on_more_sources(context: TurnContext, state: TurnState, data) -> AdaptiveCardInvokeResponse:
        return await add_message(context, data, lambda found: more_sources_card(other_sources(found, docs_url)))

    app.adaptive_card.action_execute("copy_reference")(on_copy_reference)
    app.adaptive_card.action_execute("more_sources")(on_more_sources)

    @app.conversation_update("membersAdded")
    async def on_members_added(context: TurnContext, state: TurnState) -> None:
        recipient = context.activity.recipient.id if context.activity.recipient else None
        if not any(m.id == recipient for m in context.activity.members_added or []):
            return  # someone else joined; the bot greets only when it is added
        documents, _ = await asyncio.to_thread(bot.documents)
        examples = await asyncio.to_thread(bot.examples)
        await context.send_activity(card_activity(welcome_card(documents, examples), "Hi, I'm reviewbot."))

    @app.error
    async def on_error(context: TurnContext, error: Exception) -> None:
        log.exception("error in a Teams turn", exc_info=error)
        await context.send_activity(FAILED)

    return app


def auth_configuration(env: Mapping[str, str]) -> tuple[dict, AgentAuthConfiguration, bool]:
    """The SDK's configuration from the environment, and whether the bot is anonymous (no client id)."""
    config = load_configuration_from_env(env)
    settings = ((config.get("CONNECTIONS") or {}).get("SERVICE_CONNECTION") or {}).get("SETTINGS") or {}
    if settings.get("CLIENTID"):
        return config, AgentAuthConfiguration(**settings), False
    return config, AgentAuthConfiguration(anonymous_allowed=True), True


def web_application(bot: Asker, feedback: FeedbackStore, history: ConversationHistory, policy: AccessPolicy,
                    env: Mapping[str, str], docs_url: str | None = None,
                    turn_window: float = TURN_WINDOW_SECONDS) -> web.Application:
    config, auth, anonymous = auth_configuration(env)
    if anonymous:
        log.warning("!!! Teams bot running ANONYMOUSLY: no CONNECTIONS__SERVICE_CONNECTION__SETTINGS__CLIENTID set. "
                    "Incoming requests are not authenticated. Use this only with the Agents Playground or tests, "
                    "never where Teams can reach it. !!!")
        connections = MsalConnectionManager(connections_configurations={"SERVICE_CONNECTION": auth})
    else:
        connections = MsalConnectionManager(**config)
    adapter = CloudAdapter(connection_manager=connections)
    agent = create_agent(bot, feedback, history, policy, connections, docs_url, turn_window)

    async def messages(request: web.Request) -> web.Response:
        return await start_agent_process(request, agent, adapter)

    async def health(request: web.Request) -> web.Response:
        healthy, body = await asyncio.to_thread(bot.health)
        return web.json_response(body, status=200 if healthy else 503)

    @web.middleware
    async def authorize(request: web.Request, handler):
        # The container's health probe carries no Bot Framework token; only messages need one.
        if request.path == HEALTH_PATH:
            return await handler(request)
        return await jwt_authorization_middleware(request, handler)

    application = web.Application(middlewares=[authorize])
    application.router.add_post(MESSAGES_PATH, messages)
    application.router.add_get(HEALTH_PATH, health)
    with warnings.catch_warnings():
        # The SDK's middleware looks its configuration up under this plain string key.
        warnings.simplefilter("ignore")
        application["agent_configuration"] = auth
    return application
