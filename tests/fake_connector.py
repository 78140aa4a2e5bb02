"""A local stand-in for the Bot Framework connector service: the `serviceUrl` of the activities the tests send,
recording every activity the bot sends back."""
from __future__ import annotations

import json
import threading
import time
from http.server import ThreadingHTTPServer

from .conftest import JSONHandler


class FakeConnector:
    def __init__(self) -> None:
        self.sent: list[tuple[str, dict]] = []  # (path, activity)
        self.received_at: list[float] = []  # time.monotonic() of each, in the same order
        self._lock = threading.Condition()
        fake = self

        class Handler(JSONHandler):
            def do_POST(self):
                body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                with fake._lock:
                    fake.sent.append((self.path, json.loads(body or b"{}")))
                    fake.received_at.append(time.monotonic())
                    fake._lock.notify_all()
                    self.send_json({"id": f"reply-{len(fake.sent)}"})

            do_PUT = do_POST

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_port}/"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def replies(self, conversation: str, kind: str = "message") -> list[dict]:
        with self._lock:
            return [a for path, a in self.sent if f"/v3/conversations/{conversation}/" in path and a.get("type") == kind]

    def wait_for_reply(self, conversation: str, timeout: float = 60.0) -> dict:
        deadline = time.time() + timeout
        with self._lock:
            while True:
                found = [a for path, a in self.sent
                         if f"/v3/conversations/{conversation}/" in path and a.get("type") == "message"]
                if found:
                    return found[-1]
                if time.time() > deadline:
                    raise AssertionError(f"no reply in {conversation}; sent: {[p for p, _ in self.sent]}")
                self._lock.wait(max(0.0, deadline - time.time()))

    def close(self) -> None:
        self.server.shutdown()


def message(service_url: str, text: str, conversation: str = "a:personal-1", kind: str = "personal",
            mention: bool = False, channel: str | None = None, team: str | None = None, user: str = "29:user-1") -> dict:
    activity = {
        "type": "message", "id": f"m{time.time_ns()}", "timestamp": "2026-11-22T10:00:00.000Z",
        "channelId": "msteams", "serviceUrl": service_url, "locale": "en-GB",
        "from": {"id": user, "name": "A Social Worker", "aadObjectId": "00000000-0000-0000-0000-000000000001"},
        "conversation": {"id": conversation, "conversationType": kind, "tenantId": "tenant-1"},
        "recipient": {"id": "28:reviewbot", "name": "reviewbot"},
        "text": f"<at>reviewbot</at> {text}" if mention else text,
        "channelData": {"tenant": {"id": "tenant-1"}},
    }
    if mention:
        activity["entities"] = [{"type": "mention", "text": "<at>reviewbot</at>",
                                 "mentioned": {"id": "28:reviewbot", "name": "reviewbot"}}]
    if channel:
        activity["channelData"]["channel"] = {"id": channel}
    if team:
        activity["channelData"]["team"] = {"id": team}
    return activity


def card_action(service_url: str, verb: str, answer_id: str, conversation: str = "a:personal-1") -> dict:
    return {
        "type": "invoke", "name": "adaptiveCard/action", "id": f"i{time.time_ns()}", "channelId": "msteams",
        "serviceUrl": service_url, "timestamp": "2026-11-22T10:01:00.000Z",
        "from": {"id": "29:user-1", "name": "A Social Worker"},
        "conversation": {"id": conversation, "conversationType": "personal", "tenantId": "tenant-1"},
        "recipient": {"id": "28:reviewbot", "name": "reviewbot"},
        "value": {"action": {"type": "Action.Execute", "verb": verb, "data": {"answer_id": answer_id}},
                  "trigger": "manual"},
    }


def feedback_invoke(service_url: str, message_id: str, reaction: str, text: str,
                    conversation: str = "a:personal-1") -> dict:
    """Teams' own feedback control pressed on the message `message_id`, as Teams sends it."""
    return {
        "type": "invoke", "name": "message/submitAction", "id": f"f{time.time_ns()}", "channelId": "msteams",
        "serviceUrl": service_url, "timestamp": "2026-11-22T10:02:00.000Z", "replyToId": message_id,
        "from": {"id": "29:user-1", "name": "A Social Worker"},
        "conversation": {"id": conversation, "conversationType": "personal", "tenantId": "tenant-1"},
        "recipient": {"id": "28:reviewbot", "name": "reviewbot"},
        "value": {"actionName": "feedback",
                  "actionValue": {"reaction": reaction, "feedback": json.dumps({"feedbackText": text})}},
    }


def members_added(service_url: str, conversation: str, members: list[str]) -> dict:
    return {
        "type": "conversationUpdate", "id": f"c{time.time_ns()}", "channelId": "msteams", "serviceUrl": service_url,
        "timestamp": "2026-11-22T09:59:00.000Z", "from": {"id": "29:user-1"},
        "conversation": {"id": conversation, "conversationType": "personal", "tenantId": "tenant-1"},
        "recipient": {"id": "28:reviewbot", "name": "reviewbot"},
        "membersAdded": [{"id": m} for m in members], "channelData": {"tenant": {"id": "tenant-1"}},
    }
