"""What the Slack and Teams tests both stand on: an index with a restricted document, and a bot whose
Chroma server has gone away."""
from __future__ import annotations

from pathlib import Path

from bot.core.service import ReviewBot, keyword_dir, open_store
from ingest.pipeline import ingest

from .conftest import EXAMPLES, settings_for, start_chroma
from .fake_openai import FakeOpenAI

RESTRICTED = """# Northbridge serious case review 2024

## Findings

- The review of Child Q found that the school nurse's concerns were not passed to the duty team for eleven days.
"""


def index_with_restricted(root: Path):
    """The example documents in the default collection, and a serious case review in 'restricted'."""
    restricted = root / "restricted"
    restricted.mkdir()
    (restricted / "northbridge-2024-serious-case-review.md").write_text(RESTRICTED)
    settings = settings_for(root / "data")
    store = open_store(settings)
    ingest([EXAMPLES], store, store.embedder, keyword_dir(settings, store))
    ingest([restricted], store, store.embedder, keyword_dir(settings, store), collection="restricted")
    return settings


def bot_without_its_store(root: Path) -> ReviewBot:
    """A bot opened on a real Chroma server that is then stopped: every search from it fails."""
    process, port = start_chroma(root / "server")
    try:
        settings = settings_for(root / "data", chroma_host="127.0.0.1", chroma_port=port)
        store = open_store(settings)
        ingest([EXAMPLES], store, store.embedder, keyword_dir(settings, store))
        return ReviewBot(settings)
    finally:
        process.terminate()
        process.wait(timeout=20)


def bot_with_a_slow_model(root: Path) -> tuple[ReviewBot, FakeOpenAI]:
    """The example documents, and a model that streams its answers a piece every 0.15 s (close the model)."""
    model = FakeOpenAI()
    model.stream_delay = 0.15
    settings = settings_for(root / "data", llm="openai", openai_base_url=model.url, openai_api_key="sk-test",
                            llm_model="test-model", llm_timeout=20.0, llm_retries=0)
    store = open_store(settings)
    ingest([EXAMPLES], store, store.embedder, keyword_dir(settings, store))
    return ReviewBot(settings), model
