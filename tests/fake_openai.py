"""A local OpenAI-compatible chat server for the tests: the real client talks to it over HTTP, and each test
scripts what the 'model' says (or how it fails) from the prompt it was sent."""
from __future__ import annotations

import json
import re
import threading
import time
from http.server import ThreadingHTTPServer

from .conftest import JSONHandler


class FakeOpenAI:
    def __init__(self) -> None:
        self.requests: list[dict] = []  # the JSON bodies received
        self.paths: list[str] = []
        self.script = lambda messages: "NOT IN SOURCES"  # what to say; or ("status", 500) / ("sleep", seconds)
        self.stream_delay = 0.05  # seconds between the pieces of a streamed answer: a slow model
        self.streams = True  # False: an endpoint that answers whole even when asked to stream
        self.first_piece_at: float | None = None  # when the first piece of the last streamed answer was sent
        fake = self

        class Handler(JSONHandler):
            def do_POST(self):
                body = json.loads(self.rfile.read(int(self.headers.get("Content-Length") or 0)) or b"{}")
                fake.requests.append(body)
                fake.paths.append(self.path)
                if not self.path.split("?")[0].endswith("/chat/completions"):
                    self.send_error(404)
                    return
                reply = fake.script(body.get("messages", []))
                if isinstance(reply, tuple) and reply[0] == "status":
                    self.send_response(reply[1])
                    self.send_header("Content-Type", "application/json")
                    payload = json.dumps({"error": {"message": "scripted failure", "type": "server_error"}}).encode()
                    self.send_header("Content-Length", str(len(payload)))
                    self.end_headers()
                    self.wfile.write(payload)
                    return
                if isinstance(reply, tuple) and reply[0] == "sleep":
                    time.sleep(reply[1])
                    reply = "too late"
                if body.get("stream") and fake.streams:
                    self.stream(reply, body.get("model", "test"))
                    return
                self.send_json({
                    "id": f"chatcmpl-{len(fake.requests)}", "object": "chat.completion", "created": int(time.time()),
                    "model": body.get("model", "test"),
                    "choices": [{"index": 0, "finish_reason": "stop",
                                 "message": {"role": "assistant", "content": reply}}],
                    "usage": {"prompt_tokens": 10, "completion_tokens": 10, "total_tokens": 20},
                })

            def stream(self, reply: str, model: str):
                """Server-sent events as OpenAI streams them: a piece of a few characters at a time."""
                self.send_response(200)
                self.send_header("Content-Type", "text/event-stream")
                self.end_headers()
                pieces = re.findall(r"\S*\s*", reply)
                for i, piece in enumerate(p for p in pieces if p):
                    if i == 0:
                        fake.first_piece_at = time.monotonic()
                    chunk = {"id": "chatcmpl-s", "object": "chat.completion.chunk", "created": int(time.time()),
                             "model": model, "choices": [{"index": 0, "delta": {"role": "assistant", "content": piece},
                                                          "finish_reason": None}]}
                    self.wfile.write(f"data: {json.dumps(chunk)}\n\n".encode())
                    self.wfile.flush()
                    time.sleep(fake.stream_delay)
                done = {"id": "chatcmpl-s", "object": "chat.completion.chunk", "created": int(time.time()),
                        "model": model, "choices": [{"index": 0, "delta": {}, "finish_reason": "stop"}]}
                self.wfile.write(f"data: {json.dumps(done)}\n\ndata: [DONE]\n\n".encode())
                self.wfile.flush()

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_port}/v1"
        self.base = f"http://127.0.0.1:{self.server.server_port}"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def close(self) -> None:
        self.server.shutdown()


def user_prompt(messages: list[dict]) -> str:
    return next(m["content"] for m in messages if m["role"] == "user")


def sources_in(messages: list[dict]) -> dict[int, str]:
    """The numbered sources of the prompt, by number."""
    pattern = r"<<<SOURCE \[(\d+)\][^\n]*>>>\n(.*?)\n<<<END SOURCE \[\1\]>>>"
    return {int(m.group(1)): m.group(2) for m in re.finditer(pattern, user_prompt(messages), re.S)}


def source_with(messages: list[dict], phrase: str) -> int:
    """The number of the source in the prompt whose text contains `phrase`."""
    for n, text in sources_in(messages).items():
        if phrase.lower() in text.lower():
            return n
    raise AssertionError(f"no source with {phrase!r} in the prompt")
