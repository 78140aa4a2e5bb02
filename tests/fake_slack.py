"""A local stand-in for Slack's Web API: answers like Slack does and records every call, as bolt-python's
own tests do. And the signing that Slack puts on the requests it sends to an app."""
from __future__ import annotations

import hashlib
import hmac
import itertools
import json
import threading
import time
import urllib.parse
from http.server import ThreadingHTTPServer

from .conftest import JSONHandler

RESPONSE_PATH = "/response-url"
BOT_USER = "UBOT"
BOT_ID = "BBOT"


class FakeSlack:
    def __init__(self) -> None:
        self.calls: list[tuple[str, dict]] = []
        self.threads: dict[str, list[dict]] = {}  # thread ts -> messages conversations.replies returns
        self._ts = itertools.count(1)
        self._lock = threading.Condition()
        self.failing: dict[str, int] = {}  # method -> how many more calls answer an error
        self.limited: dict[str, int] = {}  # method -> how many more calls answer 429 (rate limited)
        fake = self

        class Handler(JSONHandler):
            def do_GET(self):
                self._handle(urllib.parse.urlparse(self.path).query)

            def do_POST(self):
                body = self.rfile.read(int(self.headers.get("Content-Length") or 0)).decode()
                query = urllib.parse.urlparse(self.path).query
                self._handle(query, body, self.headers.get("Content-Type", ""))

            def _handle(self, query: str, body: str = "", content_type: str = ""):
                params = {k: v[0] for k, v in urllib.parse.parse_qs(query).items()}
                if "json" in content_type and body:
                    params.update(json.loads(body))
                elif body:
                    params.update({k: v[0] for k, v in urllib.parse.parse_qs(body).items()})
                path = self.path.split("?")[0]
                # A command's or an action's response_url: what was sent there is recorded as "response_url".
                method = "response_url" if path.startswith(RESPONSE_PATH) else path.rsplit("/", 1)[-1]
                if fake.take(fake.limited, method):
                    with fake._lock:
                        fake.calls.append((method + " (limited)", params))
                    self.send_response(429)
                    self.send_header("Retry-After", "1")
                    self.send_header("Content-Length", "0")
                    self.end_headers()
                    return
                self.send_json(fake.respond(method, params))

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_port}/api/"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    @property
    def response_url(self) -> str:
        return self.url.replace("/api/", RESPONSE_PATH + "/1")

    def take(self, counts: dict[str, int], method: str) -> bool:
        with self._lock:
            if counts.get(method, 0) > 0:
                counts[method] -= 1
                return True
        return False

    def respond(self, method: str, params: dict) -> dict:
        with self._lock:
            self.calls.append((method, params))
            self._lock.notify_all()
        if self.take(self.failing, method):
            return {"ok": False, "error": "internal_error"}
        ts = f"1700000000.{next(self._ts):06d}"
        if method == "auth.test":
            return {"ok": True, "user_id": BOT_USER, "bot_id": BOT_ID, "team_id": "T1", "user": "reviewbot"}
        if method == "chat.postMessage":
            return {"ok": True, "channel": params.get("channel"), "ts": ts, "message": {"text": params.get("text")}}
        if method == "chat.update":
            return {"ok": True, "channel": params.get("channel"), "ts": params.get("ts")}
        if method == "chat.postEphemeral":
            return {"ok": True, "message_ts": ts}
        if method == "chat.startStream":
            return {"ok": True, "channel": params.get("channel"), "ts": ts}
        if method in ("chat.appendStream", "chat.stopStream"):
            return {"ok": True, "channel": params.get("channel"), "ts": params.get("ts")}
        if method == "conversations.replies":
            return {"ok": True, "messages": self.threads.get(params.get("ts"), []), "has_more": False}
        return {"ok": True}

    def wait_for(self, method: str, matching=lambda params: True, timeout: float = 60.0) -> dict:
        deadline = time.time() + timeout
        with self._lock:
            while True:
                for name, params in self.calls:
                    if name == method and matching(params):
                        return params
                remaining = deadline - time.time()
                if remaining <= 0:
                    raise AssertionError(f"no {method} call; calls were {[c[0] for c in self.calls]}")
                self._lock.wait(remaining)

    def called(self, method: str) -> list[dict]:
        with self._lock:
            return [params for name, params in self.calls if name == method]

    def close(self) -> None:
        self.server.shutdown()


def signed_headers(secret: str, body: str, content_type: str, timestamp: int | None = None) -> dict:
    timestamp = int(time.time()) if timestamp is None else timestamp
    base = f"v0:{timestamp}:{body}".encode()
    signature = "v0=" + hmac.new(secret.encode(), base, hashlib.sha256).hexdigest()
    return {"X-Slack-Request-Timestamp": str(timestamp), "X-Slack-Signature": signature,
            "Content-Type": content_type}


def event_body(event: dict, event_id: str | None = None) -> str:
    return json.dumps({"token": "x", "team_id": "T1", "api_app_id": "A1", "type": "event_callback",
                       "event_id": event_id or f"Ev{time.time_ns()}", "event_time": int(time.time()), "event": event,
                       "authorizations": [{"user_id": BOT_USER, "is_bot": True}]})


def command_body(text: str, response_url: str, channel: str = "C1", user: str = "U1") -> str:
    return urllib.parse.urlencode({"token": "x", "team_id": "T1", "channel_id": channel, "user_id": user,
                                   "command": "/ask", "text": text, "response_url": response_url,
                                   "trigger_id": "t1", "api_app_id": "A1"})


def action_body(action_id: str, value: str, response_url: str, channel: str = "C1", user: str = "U1",
                message_ts: str = "1.000001") -> str:
    """A button press as Slack sends it; the feedback buttons' press names the button's value too."""
    action = {"action_id": action_id, "block_id": "answer_actions", "value": value, "type": "button"}
    if action_id == "feedback":
        action = {"action_id": action_id, "block_id": "answer_feedback", "value": value, "type": "feedback_buttons"}
    payload = {"type": "block_actions", "team": {"id": "T1"}, "user": {"id": user}, "api_app_id": "A1",
               "channel": {"id": channel}, "container": {"type": "message", "message_ts": message_ts,
                                                          "channel_id": channel},
               "message": {"ts": message_ts}, "trigger_id": "t1", "response_url": response_url,
               "actions": [action]}
    return urllib.parse.urlencode({"payload": json.dumps(payload)})
