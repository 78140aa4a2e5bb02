"""The Microsoft Teams adapter, on the Microsoft 365 Agents SDK: thin handlers that hand questions to the core
and send Adaptive Cards back.

Credentials use the SDK's own settings (CONNECTIONS__SERVICE_CONNECTION__SETTINGS__CLIENTID, __CLIENTSECRET,
__TENANTID). With no client id the bot runs anonymously, for the Agents Playground and tests only."""
from __future__ import annotations

import asyncio
import logging
import warnings
from typing import Mapping

from aiohttp import web
from microsoft_agents.activity import (
    Activity,
    ActivityTypes,
    AdaptiveCardInvokeResponse,
    Attachment,
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
from .retrieve import Filters
from .service import Asker
from .teams_cards import CARD_CONTENT_TYPE, answer_card, message_card, references_card

log = logging.getLogger("reviewbot.teams")
MESSAGES_PATH = "/api/messages"
HEALTH_PATH = "/healthz"


def _card_activity(card: dict, text: str) -> Activity:
    return Activity(type=ActivityTypes.message, text=text,
                    attachments=[Attachment(content_type=CARD_CONTENT_TYPE, content=card)])


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


def create_agent(bot: Asker, feedback: FeedbackStore, history: ConversationHistory, policy: AccessPolicy,
                 connections: MsalConnectionManager) -> AgentApplication:
    app = AgentApplication[TurnState](storage=MemoryStorage(), connection_manager=connections)

    def collections_for(activity: Activity) -> frozenset[str]:
        channel, team = _places(activity)
        # A channel's own entry wins over its team's; chats and unlisted places get the default.
        for place in (channel, team):
            if place and place in policy.channels:
                return policy.channels[place]
        return policy.default

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
        # Shown at once; the SDK's own typing timer keeps it going if the search takes long.
        await context.send_activity(Activity(type=ActivityTypes.typing))
        conversation = activity.conversation.id
        try:
            earlier = history.recent(conversation)
            filters = Filters(collections=collections_for(activity))
            # The search runs in a worker thread so the service keeps taking other requests meanwhile.
            asked = await asyncio.to_thread(bot.standalone, question, earlier)
            answer = await asyncio.to_thread(bot.ask, asked, filters)
            history.add(conversation, question)
            user = activity.from_property.id if activity.from_property else None
            answer_id = feedback.remember(answer, user, conversation)
        except Exception:
            log.exception("could not answer %r in %s", question, conversation)
            await context.send_activity(FAILED)
            return
        await context.send_activity(_card_activity(answer_card(answer, answer_id), answer.answer))

    async def on_vote(context: TurnContext, state: TurnState, data) -> AdaptiveCardInvokeResponse:
        answer_id = (data or {}).get("answer_id", "")
        payload = feedback.answer(answer_id)
        if payload is None:
            return _card_response(message_card("That answer is too old to vote on."))
        vote = "up" if context.activity.value["action"]["verb"] == "feedback_up" else "down"
        user = context.activity.from_property.id if context.activity.from_property else None
        feedback.vote(answer_id, vote, user, context.activity.conversation.id)
        return _card_response(answer_card(Answer(**payload), answer_id,
                                          note="Thanks \u2014 your feedback helps us improve the answers."))

    async def on_copy_reference(context: TurnContext, state: TurnState, data) -> AdaptiveCardInvokeResponse:
        payload = feedback.answer((data or {}).get("answer_id", ""))
        return _card_response(references_card(payload) if payload else message_card("That answer is no longer stored."))

    app.adaptive_card.action_execute("feedback_up")(on_vote)
    app.adaptive_card.action_execute("feedback_down")(on_vote)
    app.adaptive_card.action_execute("copy_reference")(on_copy_reference)

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
                    env: Mapping[str, str]) -> web.Application:
    config, auth, anonymous = auth_configuration(env)
    if anonymous:
        log.warning("!!! Teams bot running ANONYMOUSLY: no CONNECTIONS__SERVICE_CONNECTION__SETTINGS__CLIENTID set. "
                    "Incoming requests are not authenticated. Use this only with the Agents Playground or tests, "
                    "never where Teams can reach it. !!!")
        connections = MsalConnectionManager(connections_configurations={"SERVICE_CONNECTION": auth})
    else:
        connections = MsalConnectionManager(**config)
    adapter = CloudAdapter(connection_manager=connections)
    agent = create_agent(bot, feedback, history, policy, connections)

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
