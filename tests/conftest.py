"""Shared fixtures: real documents from ../shared, a real embedded Chroma, the real MiniLM model."""
from __future__ import annotations

import json
import os
import sys
from http.server import BaseHTTPRequestHandler
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
SHARED = Path(os.environ.get("REVIEWBOT_SHARED", ROOT.parent / "shared"))
CORPUS = SHARED / "corpus"
BADFILES = SHARED / "badfiles"
EXAMPLES = ROOT / "examples"
# MiniLM's ONNX files, made from the shipped weights once for every test (and every process a test starts),
# as DATA_DIR/models would hold them for one deployment.
MODELS = Path(os.environ.setdefault("REVIEWBOT_MODELS_DIR", str(ROOT / ".models-for-tests")))

# A slice of the corpus that covers every format and kind of document, small enough to embed quickly.
SUBSET = [
    "worcestershire-2015/worcestershire-2015-detailed-findings.pdf",
    "worcestershire-2015/worcestershire-2015-peer-review-summary.pdf",
    "worcestershire-2015/worcestershire-2015-scrutiny-panel-report.docx",
    "worcestershire-2015/worcestershire-2015-staff-letter.pdf",
    "windsor-maidenhead-2016/windsor-maidenhead-2016-briefing-note.pdf",
    "ofsted/ofsted_worcestershire_14-july-2023.pdf",
    "ofsted/ofsted_worcestershire_29-july-2019.pdf",
    "ofsted/ofsted_trafford_08-may-2019.pdf",
]


def pytest_collection_modifyitems(config, items):
    if not CORPUS.is_dir():
        skip = pytest.mark.skip(reason=f"test documents not found at {SHARED}")
        for item in items:
            if "shared" in item.keywords:
                item.add_marker(skip)


def pytest_configure(config):
    config.addinivalue_line("markers", "shared: needs the documents in ../shared")


def settings_for(data_dir: Path, **changes):
    from bot.settings import Settings

    base = Settings.from_env(env_file=None)
    return base.with_changes(**{"data_dir": data_dir, "chroma_host": None, "embeddings": "minilm", **changes})


class JSONHandler(BaseHTTPRequestHandler):
    """A quiet request handler for the local fake services the tests talk to."""

    def send_json(self, data) -> None:
        payload = json.dumps(data).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(payload)))
        self.end_headers()
        self.wfile.write(payload)

    def log_message(self, *args):
        pass


def free_port() -> int:
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start_chroma(path: Path):
    """A real `chroma run` server on loopback; returns the process and its port once it answers."""
    import subprocess
    import time

    import httpx

    port = free_port()
    chroma = Path(sys.executable).with_name("chroma")
    process = subprocess.Popen([str(chroma), "run", "--path", str(path), "--host", "127.0.0.1", "--port", str(port)],
                               stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.time() + 60
    while time.time() < deadline:
        try:
            if httpx.get(f"http://127.0.0.1:{port}/api/v2/heartbeat", timeout=1).status_code == 200:
                return process, port
        except httpx.HTTPError:
            time.sleep(0.3)
    process.kill()
    raise RuntimeError("chroma server did not start")


@pytest.fixture
def chroma_server(tmp_path):
    """The port of a `chroma run` server of this test's own."""
    process, port = start_chroma(tmp_path / "server")
    yield port
    process.terminate()
    process.wait(timeout=20)


def link_subset(folder: Path, names=SUBSET) -> Path:
    """The chosen documents, linked (not copied) into a folder of their own."""
    for name in names:
        target = folder / name
        target.parent.mkdir(parents=True, exist_ok=True)
        target.symlink_to(CORPUS / name)
    return folder


@pytest.fixture(scope="session")
def subset_dir(tmp_path_factory) -> Path:
    return link_subset(tmp_path_factory.mktemp("subset"))


@pytest.fixture(scope="session")
def indexed(tmp_path_factory, subset_dir):
    """A ReviewBot over the corpus subset, ingested once for the whole session."""
    from bot.core.service import ReviewBot, keyword_dir, open_store
    from ingest.pipeline import ingest

    settings = settings_for(tmp_path_factory.mktemp("data"))
    store = open_store(settings)
    report = ingest([subset_dir], store, store.embedder, keyword_dir(settings, store))
    assert not report.failed, report.failed
    return ReviewBot(settings)


def run_cli(args, env_extra=None, input_text=None):
    """`reviewbot ARGS` run in this process with click's CliRunner: its exit status and what it printed, as a
    subprocess would give them (an uncaught exception prints its traceback, status 1)."""
    import subprocess
    import traceback

    from click.testing import CliRunner

    from bot.cli import main

    result = CliRunner().invoke(main, [str(a) for a in args], input=input_text, env=env_extra)
    stderr = result.stderr
    if result.exception is not None and not isinstance(result.exception, SystemExit):
        stderr += "".join(traceback.format_exception(result.exception))
    return subprocess.CompletedProcess(args, result.exit_code, result.stdout, stderr)
