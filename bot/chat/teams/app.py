"""The Microsoft Teams adapter, on the Microsoft 365 Agents SDK: the agent wired to the handlers, and its web
application (POST /api/messages, GET /healthz).

Credentials use the SDK's own settings (CONNECTIONS__SERVICE_CONNECTION__SETTINGS__CLIENTID, __CLIENTSECRET,
__TENANTID). With no client id the bot runs anonymously, for the Agents Playground and tests only."""
from __future__ import annotations

import asyncio
import functools
import logging
import warnings
from typing import Callable, Mapping

from aiohttp import web
from microsoft_agents.activity import ActivityTypes, load_configuration_from_env
from microsoft_agents.authentication.msal import MsalConnectionManager
from microsoft_agents.hosting.aiohttp import CloudAdapter, jwt_authorization_middleware, start_agent_process
from microsoft_agents.hosting.core import AgentApplication, AgentAuthConfiguration, MemoryStorage, TurnState

from ..reply import COPY_REFERENCE, MORE_SOURCES
from . import handlers
from .handlers import TeamsDeps

log = logging.getLogger("reviewbot.teams")
MESSAGES_PATH = "/api/messages"
HEALTH_PATH = "/healthz"


def _bound(handler, deps: TeamsDeps):
    """The handler with its dependencies given, under its own name (the SDK logs routes by name)."""
    return functools.update_wrapper(functools.partial(handler, deps), handler)


def create_agent(deps: TeamsDeps, connections: MsalConnectionManager) -> AgentApplication:
    app = AgentApplication[TurnState](storage=MemoryStorage(), connection_manager=connections)
    app.activity(ActivityTypes.message)(_bound(handlers.on_message, deps))
    app.invoke("message/submitAction")(_bound(handlers.on_feedback, deps))
    app.adaptive_card.action_execute(COPY_REFERENCE)(_bound(handlers.on_copy_reference, deps))
    app.adaptive_card.action_execute(MORE_SOURCES)(_bound(handlers.on_more_sources, deps))
    app.conversation_update("membersAdded")(_bound(handlers.on_members_added, deps))
    app.error(_bound(handlers.on_error, deps))
    return app


def auth_configuration(env: Mapping[str, str]) -> tuple[dict, AgentAuthConfiguration, bool]:
    """The SDK's configuration from the environment, and whether the bot is anonymous (no client id)."""
    config = load_configuration_from_env(env)
    settings = ((config.get("CONNECTIONS") or {}).get("SERVICE_CONNECTION") or {}).get("SETTINGS") or {}
    if settings.get("CLIENTID"):
        return config, AgentAuthConfiguration(**settings), False
    return config, AgentAuthConfiguration(anonymous_allowed=True), True


def web_application(deps: TeamsDeps, env: Mapping[str, str],
                    public_routes: Mapping[str, Callable] | None = None) -> web.Application:
    """POST /api/messages (Bot Framework tokens checked), GET /healthz, and `public_routes`: GET handlers by path
    that need no token (the page view, which checks its own signed links)."""
    public = {HEALTH_PATH, *(public_routes or {})}
    config, auth, anonymous = auth_configuration(env)
    if anonymous:
        log.warning("!!! Teams bot running ANONYMOUSLY: no CONNECTIONS__SERVICE_CONNECTION__SETTINGS__CLIENTID set. "
                    "Incoming requests are not authenticated. Use this only with the Agents Playground or tests, "
                    "never where Teams can reach it. !!!")
        connections = MsalConnectionManager(connections_configurations={"SERVICE_CONNECTION": auth})
    else:
        connections = MsalConnectionManager(**config)
    adapter = CloudAdapter(connection_manager=connections)
    agent = create_agent(deps, connections)

    async def messages(request: web.Request) -> web.Response:
        return await start_agent_process(request, agent, adapter)

    async def health(request: web.Request) -> web.Response:
        healthy, body = await asyncio.to_thread(deps.chat.bot.health)
        return web.json_response(body, status=200 if healthy else 503)

    @web.middleware
    async def authorize(request: web.Request, handler):
        # The container's health probe carries no Bot Framework token; only messages need one.
        if request.path in public:
            return await handler(request)
        return await jwt_authorization_middleware(request, handler)

    application = web.Application(middlewares=[authorize])
    application.router.add_post(MESSAGES_PATH, messages)
    application.router.add_get(HEALTH_PATH, health)
    for path, route in (public_routes or {}).items():
        application.router.add_get(path, route)
    with warnings.catch_warnings():
        # The SDK's middleware looks its configuration up under this plain string key.
        warnings.simplefilter("ignore")
        application["agent_configuration"] = auth
    return application
