"""The Slack adapter: a bolt App wired to the handlers, and its HTTP server.

Events are acknowledged at once and answered in bolt's worker threads, so Slack hears back within three
seconds however long the documents take. An event Slack delivers again is answered once. Web API calls that
hit a rate limit are retried after the wait Slack asks for."""
from __future__ import annotations

import json
import logging
from typing import Callable, Mapping

from slack_bolt import App, Assistant, BoltContext
from slack_bolt.adapter.wsgi import SlackRequestHandler
from slack_sdk import WebClient
from slack_sdk.http_retry.builtin_handlers import RateLimitErrorRetryHandler

from index import tuning

from ...core.types import Asker
from . import handlers
from .handlers import DEPS, SlackDeps

log = logging.getLogger("reviewbot.slack")
EVENTS_PATH = "/slack/events"
HEALTH_PATH = "/healthz"


def create_app(deps: SlackDeps, token: str, signing_secret: str, api_url: str | None = None) -> App:
    client = WebClient(token=token, base_url=api_url) if api_url else WebClient(token=token)
    client.retry_handlers.append(RateLimitErrorRetryHandler(max_retry_count=tuning.SLACK_RATE_LIMIT_RETRIES))
    app = App(client=client, signing_secret=signing_secret, logger=log)

    @app.middleware
    def with_deps(context: BoltContext, next):
        context[DEPS] = deps
        return next()

    app.middleware(handlers.each_event_once)
    assistant = Assistant(logger=log)
    assistant.thread_started(handlers.on_thread_started)
    assistant.user_message(handlers.on_assistant_message)
    app.event("app_mention")(handlers.on_mention)
    app.use(assistant)
    app.event("message")(handlers.on_message)
    app.command("/ask")(handlers.on_ask_command)
    for action_id, handler in handlers.ACTIONS.items():
        app.action(action_id)(handler)
    app.event("app_home_opened")(handlers.on_home)
    return app


def http_server(app: App, bot: Asker, port: int, host: str = "0.0.0.0", threads: int = 8,
                mounts: Mapping[str, Callable] | None = None):
    """A waitress server: events, commands and actions at /slack/events, signatures checked by bolt (401 when
    wrong); GET /healthz answers 200 while the store answers, 503 when it doesn't; `mounts` are other WSGI
    apps by path (the page view, which checks its own links). `run()` serves, `close()` stops."""
    from waitress import create_server

    slack = SlackRequestHandler(app)

    def handler(environ, start_response):
        path = environ.get("PATH_INFO")
        if path == HEALTH_PATH:
            healthy, body = bot.health()
            start_response("200 OK" if healthy else "503 Service Unavailable", [("Content-Type", "application/json")])
            return [json.dumps(body).encode()]
        if mounts and path in mounts:
            return mounts[path](environ, start_response)
        if path != EVENTS_PATH:
            start_response("404 Not Found", [("Content-Type", "text/plain")])
            return [b"Not Found"]
        return slack(environ, start_response)

    # A burst of events (a busy channel, a retry storm) queues in the listen backlog instead of being reset;
    # a client that stops sending is dropped after channel_timeout.
    return create_server(handler, host=host, port=port, threads=threads, backlog=1024, channel_timeout=30,
                         connection_limit=500, ident="reviewbot")
