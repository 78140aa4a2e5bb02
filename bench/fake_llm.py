"""A stand-in model for measuring LLM mode without one: an OpenAI-compatible chat server on loopback that
answers from the numbered sources in the prompt the way a careful model would, so that what is measured is
reviewbot's side of LLM mode — which passages the model is given, how its citations are checked, what
survives — not a model's wit.

It quotes the sentence of the sources that shares the most words with the question, cites it [n], and says
NOT IN SOURCES when no sentence shares at least two. It never paraphrases, so it cannot answer a question
that shares no words with its answer: LLM-mode figures measured with it are a floor for a real model.

    python -m bench.fake_llm [--port N] [--word-delay S]
        (then REVIEWBOT_LLM=openai OPENAI_BASE_URL=http://127.0.0.1:N/v1)

Asked to stream (as the chat bots ask), it sends its answer a word at a time, `--word-delay` seconds apart,
as a model writing at that speed would.
"""
from __future__ import annotations

import argparse
import json
import re
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from index.text import split_sentences, tokenize

_SOURCE = re.compile(r"<<<SOURCE \[(\d+)\][^\n]*\n(.*?)\n<<<END SOURCE", re.S)
_QUESTION = re.compile(r"^Question: (.*)$", re.M)


def reply_to(prompt: str) -> str:
    question = _QUESTION.search(prompt)
    words = set(tokenize(question.group(1))) if question else set()
    best, best_shared = None, 1
    for number, text in _SOURCE.findall(prompt):
        for sentence in split_sentences(text):
            shared = len(words & set(tokenize(sentence)))
            if shared > best_shared:
                best, best_shared = (number, sentence), shared
    if best is None:
        return "NOT IN SOURCES"
    number, sentence = best
    return f"The source says: \u201c{sentence.rstrip('.')}\u201d [{number}]."


def _chunk(model: str, delta: dict, finish: str | None = None) -> bytes:
    chunk = {"id": "chatcmpl-bench", "object": "chat.completion.chunk", "created": int(time.time()), "model": model,
             "choices": [{"index": 0, "delta": delta, "finish_reason": finish}]}
    return f"data: {json.dumps(chunk)}\n\n".encode()


class _Handler(BaseHTTPRequestHandler):
    word_delay = 0.02

    def do_POST(self) -> None:
        body = json.loads(self.rfile.read(int(self.headers.get("Content-Length") or 0)) or b"{}")
        prompt = next((m["content"] for m in body.get("messages", []) if m.get("role") == "user"), "")
        if body.get("stream"):
            self.send_response(200)
            self.send_header("Content-Type", "text/event-stream")
            self.end_headers()
            model = body.get("model", "bench")
            for word in re.findall(r"\S+\s*", reply_to(prompt)):
                self.wfile.write(_chunk(model, {"role": "assistant", "content": word}))
                self.wfile.flush()
                time.sleep(self.word_delay)
            self.wfile.write(_chunk(model, {}, "stop") + b"data: [DONE]\n\n")
            return
        payload = json.dumps({
            "id": "chatcmpl-bench", "object": "chat.completion", "created": int(time.time()),
            "model": body.get("model", "bench"),
            "choices": [{"index": 0, "finish_reason": "stop",
                         "message": {"role": "assistant", "content": reply_to(prompt)}}],
            "usage": {"prompt_tokens": 0, "completion_tokens": 0, "total_tokens": 0},
        }).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(payload)))
        self.end_headers()
        self.wfile.write(payload)

    def log_message(self, *args) -> None:
        pass


def serve(port: int = 0, word_delay: float = 0.02) -> ThreadingHTTPServer:
    handler = type("Handler", (_Handler,), {"word_delay": word_delay})
    server = ThreadingHTTPServer(("127.0.0.1", port), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--port", type=int, default=8099)
    parser.add_argument("--word-delay", type=float, default=0.02, help="seconds between streamed words")
    args = parser.parse_args()
    server = serve(args.port, args.word_delay)
    print(f"stand-in model at http://127.0.0.1:{server.server_port}/v1", flush=True)
    threading.Event().wait()


if __name__ == "__main__":
    main()
