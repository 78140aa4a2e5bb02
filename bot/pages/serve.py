"""The page view on the servers reviewbot runs: as a WSGI app (mounted beside Slack's events in HTTP mode, and
served by waitress alone for Socket Mode and `reviewbot web`) and as aiohttp routes (beside Teams' messages).
Each hands a request's path and parameters to PageViews and sends back its Response."""
from __future__ import annotations

import asyncio
import json
from http import HTTPStatus
from typing import Callable
from urllib.parse import parse_qs

from aiohttp import web

from ..links import FILE_PATH, PAGE_PATH
from .views import PageViews, Response

PATHS = (PAGE_PATH, FILE_PATH)
HEALTH_PATH = "/healthz"


def _status(code: int) -> str:
    return f"{code} {HTTPStatus(code).phrase}"


def wsgi_app(views: PageViews) -> Callable:
    """A WSGI app answering GET /page and GET /file."""

    def app(environ, start_response):
        if environ.get("REQUEST_METHOD", "GET") not in ("GET", "HEAD"):
            start_response(_status(405), [("Content-Type", "text/plain"), ("Allow", "GET")])
            return [b"Method Not Allowed"]
        params = {name: values[0] for name, values in
                  parse_qs(environ.get("QUERY_STRING", ""), keep_blank_values=True).items()}
        response = views.respond(environ.get("PATH_INFO", ""), params)
        start_response(_status(response.status), [("Content-Type", response.content_type),
                                                  ("Content-Length", str(len(response.body))), *response.headers])
        return [response.body]

    return app


def aiohttp_routes(views: PageViews) -> dict[str, Callable]:
    """GET handlers for an aiohttp application, by path; the page is made in a worker thread."""

    async def handle(request: web.Request) -> web.Response:
        response: Response = await asyncio.to_thread(views.respond, request.path, dict(request.query))
        return web.Response(status=response.status, body=response.body, content_type=response.content_type.split(";")[0],
                            charset="utf-8" if "charset" in response.content_type else None,
                            headers=dict(response.headers))

    return {path: handle for path in PATHS}


def page_server(views: PageViews, port: int, host: str = "0.0.0.0", threads: int = 4):
    """A waitress server with the page view and GET /healthz alone: `reviewbot web`, and Slack's Socket Mode,
    which has no HTTP server of its own. `run()` serves, `close()` stops."""
    from waitress import create_server

    pages = wsgi_app(views)

    def app(environ, start_response):
        path = environ.get("PATH_INFO")
        if path == HEALTH_PATH:
            healthy, body = views.health()
            start_response(_status(200 if healthy else 503), [("Content-Type", "application/json")])
            return [json.dumps(body).encode()]
        if path in PATHS:
            return pages(environ, start_response)
        start_response(_status(404), [("Content-Type", "text/plain")])
        return [b"Not Found"]

    return create_server(app, host=host, port=port, threads=threads, channel_timeout=30, ident="reviewbot")
