"""The core, assembled from settings: open the index once, then ask as many questions as you like."""
from __future__ import annotations

import time
from pathlib import Path
from typing import Protocol

from ingest.embeddings import make_embedder
from ingest.pipeline import refresh_keyword_index
from ingest.store import Store, connect

from .answer import Answer, extract
from .followup import standalone
from .generate import llm_answer
from .llm import make_llm
from .prompts import Prompts
from .retrieve import Filters, Retriever
from .settings import Settings


def open_store(settings: Settings) -> Store:
    embedder = make_embedder(settings.embeddings, settings.openai_base_url, settings.openai_api_key,
                             settings.embedding_model, settings.embedding_precision)
    return Store(connect(settings.data_dir, settings.chroma_host, settings.chroma_port), embedder)


def keyword_dir(settings: Settings, store: Store) -> Path:
    return settings.data_dir / f"keyword-{store.embedder.name}"


class Asker(Protocol):
    """What a chat adapter needs of the core."""

    retriever: Retriever

    def ask(self, question: str, filters: Filters | None = None) -> Answer: ...

    def documents(self) -> tuple[int, str | None]: ...

    def standalone(self, question: str, earlier: list[str]) -> str: ...


class ReviewBot:
    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self.store = open_store(settings)
        self._keyword_dir = keyword_dir(settings, self.store)
        self.keyword = refresh_keyword_index(self.store, self._keyword_dir)
        self.retriever = Retriever(self.store, self.keyword)
        self.llm = make_llm(settings)
        self.prompts = Prompts.load() if self.llm is not None else None

    def standalone(self, question: str, earlier: list[str]) -> str:
        """A follow-up rewritten to stand on its own, from the earlier questions of its conversation."""
        return standalone(question, earlier, self.retriever, self.llm, self.prompts)

    def documents(self) -> tuple[int, str | None]:
        """How many documents are indexed, and when the latest was."""
        manifest = self.store.manifest()
        return len(manifest), max((r.indexed_at for r in manifest.values()), default=None)

    def ask(self, question: str, filters: Filters | None = None) -> Answer:
        started = time.perf_counter()
        retrieved = self.retriever.retrieve(question, filters)
        retrieved_at = time.perf_counter()
        answer = extract(question, retrieved, self.keyword, self.retriever.named_councils(question),
                         self.retriever.steering(question))
        if self.llm is not None:
            # The extractive answer is the fallback for anything the model's answer can't stand behind.
            answer = llm_answer(question, retrieved, self.llm, self.prompts, self.store.embedder.count_tokens,
                                self.settings.llm_source_tokens, answer)
        finished = time.perf_counter()
        answer.timings_ms = {
            "retrieve": round((retrieved_at - started) * 1000, 1),
            "answer": round((finished - retrieved_at) * 1000, 1),
            "total": round((finished - started) * 1000, 1),
        }
        return answer
