"""The same code against a Chroma server started here, and against an OpenAI-compatible embeddings server."""
from __future__ import annotations

import hashlib
import json
import threading
import time
from http.server import ThreadingHTTPServer
from pathlib import Path

import pytest

from bot.settings import Settings
from index.embeddings import EmbeddingError, OpenAIEmbedder

from .conftest import EXAMPLES, JSONHandler, free_port, run_cli


def test_chroma_server_through_the_same_code(tmp_path, chroma_server):
    env = {"REVIEWBOT_DATA_DIR": str(tmp_path / "data"), "CHROMA_HOST": "127.0.0.1", "CHROMA_PORT": str(chroma_server)}
    result = run_cli(["ingest", str(EXAMPLES)], env)
    assert result.returncode == 0, result.stderr
    assert not (tmp_path / "data" / "chroma").exists()  # nothing went to the embedded store
    again = run_cli(["ingest", str(EXAMPLES)], env)
    assert "2 unchanged" in again.stdout
    answer = json.loads(run_cli(["ask", "--json", "Who was the lead peer for the Northbridge review?"], env).stdout)
    assert any("Lead Peer: Dana Whitlock" in c["quote"] for c in answer["citations"])
    # Another machine with an empty data folder sees the same index.
    env["REVIEWBOT_DATA_DIR"] = str(tmp_path / "elsewhere")
    status = run_cli(["status"], env)
    assert "Documents: 2" in status.stdout


def test_unreachable_chroma_server_is_a_clear_error(tmp_path):
    env = {"REVIEWBOT_DATA_DIR": str(tmp_path / "data"), "CHROMA_HOST": "127.0.0.1", "CHROMA_PORT": str(free_port())}
    result = run_cli(["ask", "anything"], env)
    assert result.returncode == 1
    assert "Chroma server" in result.stderr and "Traceback" not in result.stderr


class FakeEmbeddings(JSONHandler):
    """An OpenAI-compatible /embeddings endpoint: bag-of-words vectors, so similar texts are near."""

    calls: list = []

    def do_POST(self):
        body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
        FakeEmbeddings.calls.append((self.path, self.headers.get("Authorization"), body["model"]))
        data = []
        for index, text in enumerate(body["input"]):
            vector = [0.0] * 64
            for word in text.lower().split():
                vector[int(hashlib.md5(word.encode()).hexdigest(), 16) % 64] += 1.0
            data.append({"object": "embedding", "index": index, "embedding": vector})
        self.send_json({"object": "list", "data": data, "model": body["model"]})


def test_openai_compatible_embeddings(tmp_path):
    server = ThreadingHTTPServer(("127.0.0.1", 0), FakeEmbeddings)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        env = {"REVIEWBOT_DATA_DIR": str(tmp_path / "data"), "REVIEWBOT_EMBEDDINGS": "openai",
               "OPENAI_BASE_URL": f"http://127.0.0.1:{server.server_port}/v1", "OPENAI_API_KEY": "sk-test",
               "REVIEWBOT_EMBEDDING_MODEL": "test-embed"}
        result = run_cli(["ingest", str(EXAMPLES)], env)
        assert result.returncode == 0, result.stderr
        answer = json.loads(run_cli(["ask", "--json", "What are the four priorities?"], env).stdout)
        assert answer["citations"] and not answer["abstained"]
    finally:
        server.shutdown()
    assert FakeEmbeddings.calls[0] == ("/v1/embeddings", "Bearer sk-test", "test-embed")


def test_settings_come_from_dotenv_and_the_environment_wins(tmp_path, monkeypatch):
    env_file = tmp_path / ".env"
    env_file.write_text("REVIEWBOT_DATA_DIR=/srv/reviewbot\nCHROMA_HOST=chroma.internal\nCHROMA_PORT=9000\n")
    monkeypatch.delenv("REVIEWBOT_DATA_DIR", raising=False)
    monkeypatch.delenv("CHROMA_HOST", raising=False)
    monkeypatch.setenv("CHROMA_PORT", "8100")
    settings = Settings.from_env(env_file)
    assert settings.data_dir == Path("/srv/reviewbot")
    assert settings.chroma_host == "chroma.internal"
    assert settings.chroma_port == 8100
    assert settings.llm == "none"


def test_a_bad_setting_is_one_line_naming_it_and_what_it_accepts(tmp_path):
    env = {"REVIEWBOT_DATA_DIR": str(tmp_path / "data"), "CHROMA_PORT": "abc", "REVIEWBOT_LLM": "gpt"}
    result = run_cli(["status"], env)
    assert result.returncode == 1 and "Traceback" not in result.stderr
    assert result.stderr.splitlines() == ["reviewbot: CHROMA_PORT=abc: not accepted; use a port number (1-65535)",
                                          "reviewbot: REVIEWBOT_LLM=gpt: not accepted; use none, openai or azure"]
    # Empty values, as .env.example leaves them, mean "not set"; case doesn't matter where it can't.
    env = {"REVIEWBOT_DATA_DIR": str(tmp_path / "data"), "CHROMA_PORT": "", "CHROMA_HOST": "", "REVIEWBOT_LLM": "None"}
    assert run_cli(["status"], env).returncode == 0


class FlakyEmbeddings(FakeEmbeddings):
    """Fails the first requests as a busy service does: a 503, then a reply too slow for the client."""

    failures: list = []

    def do_POST(self):
        if FlakyEmbeddings.failures:
            failure = FlakyEmbeddings.failures.pop(0)
            self.rfile.read(int(self.headers["Content-Length"]))
            if failure == "slow":
                time.sleep(1.5)
            self.send_response(503 if failure == "503" else 200)
            self.send_header("Content-Length", "0")
            self.end_headers()
            return
        super().do_POST()


def test_embedding_service_timeouts_and_server_errors_are_retried():
    server = ThreadingHTTPServer(("127.0.0.1", 0), FlakyEmbeddings)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        embedder = OpenAIEmbedder(f"http://127.0.0.1:{server.server_port}/v1", None, "test-embed", timeout=0.5,
                                  retries=2)
        FlakyEmbeddings.failures = ["503", "slow"]
        assert len(embedder.embed(["caseloads are high"])[0]) == 64
        FlakyEmbeddings.failures = ["503", "503", "503"]
        with pytest.raises(EmbeddingError, match="503"):
            embedder.embed(["caseloads are high"])
    finally:
        server.shutdown()
