"""The core, assembled from settings: open the index once, then ask as many questions as you like."""
from __future__ import annotations

import logging
import threading
import time
from dataclasses import replace
from pathlib import Path
from typing import Callable

from index import tuning
from index.embeddings import make_embedder
from index.refresh import refresh_keyword_index
from index.store import Store, connect

from ..settings import Settings
from .answer import extract, not_covered
from .briefing import brief
from .catalog import Catalog
from .fact_answers import answer_from_facts
from .followup import standalone
from .generate import llm_answer, quoted_first, with_items_of
from .llm import make_llm
from .parts import merged, question_parts
from .prompts import Prompts
from .query import Query, analyse
from .request_examples import RequestExamples
from .retrieve import Retrieved, Retriever
from .sections import answer_from_section
from .suggestions import example_questions
from .timeline import timeline
from .types import Answer, Filters, Reason, Timings

log = logging.getLogger("reviewbot.service")


def open_store(settings: Settings, for_ingest: bool = False) -> Store:
    """The store, with the embedder for the job: ingest's the fastest this machine has, a question's one that
    starts in seconds (see index/embeddings.py chosen_engine)."""
    embedder = make_embedder(settings.embeddings, settings.openai_base_url, settings.openai_api_key,
                             settings.embedding_model, settings.embedding_engine, settings.embedding_retries,
                             settings.models_dir, for_ingest)
    return Store(connect(settings.data_dir, settings.chroma_host, settings.chroma_port), embedder)


def keyword_dir(settings: Settings, store: Store) -> Path:
    return settings.data_dir / f"keyword-{store.embedder.name}"


def _retriever(store: Store, keyword) -> Retriever:
    return Retriever(store, keyword, Catalog(keyword))


class ReviewBot:
    """The core, an Asker: questions in, checked and cited answers out."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self.store = open_store(settings)
        self.request_examples = RequestExamples(self.store.embedder.embed)
        # The model loads, and embeds the request examples, while the keyword index loads. Not a daemon: a process
        # that ends while onnxruntime is still running in it aborts ("terminate called without an active
        # exception"), so exit waits the second or so this takes.
        self._warming = threading.Thread(target=self._load_model, name="reviewbot-model", daemon=False)
        self._warming.start()
        self._keyword_dir = keyword_dir(settings, self.store)
        manifest = self.store.manifest()
        self.retriever = _retriever(self.store, refresh_keyword_index(self.store, self._keyword_dir, manifest=manifest))
        # Each document's record, with the facts read from it: questions across reports are answered from them.
        self.records = list(manifest.values())
        self.llm = make_llm(settings)
        self.prompts = Prompts.load() if self.llm is not None else None
        self._stop_refreshing = threading.Event()

    @property
    def keyword(self):
        return self.retriever.keyword

    def refresh(self) -> bool:
        """Catch up with documents indexed by another process since this one looked (an ingest job, or the
        replica next door). The store is the truth; the keyword index is rebuilt from it, or read from the
        data folder when another process sharing it has already built the same one. True when it changed."""
        current = self.retriever
        manifest = self.store.manifest()
        keyword = refresh_keyword_index(self.store, self._keyword_dir, current.keyword, manifest)
        if keyword is current.keyword:
            return False
        # One assignment: a question being answered keeps the retriever it started with.
        self.retriever = _retriever(self.store, keyword)
        self.records = list(manifest.values())
        log.info("index refreshed: %d chunks", len(keyword.chunks))
        return True

    def keep_refreshed(self, every_seconds: float) -> threading.Thread:
        """Refresh in the background, so a long-running bot answers from what was ingested after it started."""
        def loop() -> None:
            while not self._stop_refreshing.wait(every_seconds):
                try:
                    self.refresh()
                except Exception:  # the store being down for a while must not end the refreshing
                    log.warning("could not refresh the index; will try again", exc_info=True)

        thread = threading.Thread(target=loop, name="reviewbot-index-refresh", daemon=True)
        thread.start()
        return thread

    def _load_model(self) -> None:
        try:
            self.request_examples.vectors()
        except Exception as exc:  # an embedding service down at start is reported at the first question too
            log.warning("could not warm up the embedding model: %s", exc)

    def warm_up(self) -> None:
        """Wait for the embedding model, so that a bot's first question is answered as fast as its next."""
        self._warming.join()

    def stop_refreshing(self) -> None:
        self._stop_refreshing.set()

    def health(self) -> tuple[bool, dict]:
        """For a container's health check: is the store answering, and what does it hold."""
        try:
            documents, last = self.documents()
        except Exception as exc:
            log.warning("health check: the store is not answering: %s", exc)
            return False, {"status": "store unreachable"}
        return True, {"status": "ok", "documents": documents, "chunks": len(self.keyword.chunks),
                      "last_ingest": last}

    def standalone(self, question: str, earlier: list[str]) -> str:
        """A follow-up rewritten to stand on its own, from the earlier questions of its conversation."""
        return standalone(question, earlier, self.retriever.catalog, self.llm, self.prompts)

    def documents(self) -> tuple[int, str | None]:
        """How many documents are indexed, and when the latest was."""
        manifest = self.store.manifest()
        return len(manifest), max((r.indexed_at for r in manifest.values()), default=None)

    def examples(self) -> list[str]:
        """Questions to suggest to a new user, drawn from what is indexed."""
        return example_questions(self.records)

    def _section_or_briefing(self, query: Query, retrieved: list[Retrieved]) -> Answer | None:
        """The items of the section the request asks for; where the report has no such section ('what went well'
        of an inspection), or it asks for none, the report's briefing, which says what it found, good and bad."""
        retriever = self.retriever
        assert query.request is not None
        told = answer_from_section(query, retrieved, retriever.keyword) if query.request.section is not None else None
        return told or brief(query, retrieved, retriever.keyword, retriever.catalog, self.records)

    def ask(self, question: str, filters: Filters | None = None,
            on_text: Callable[[str], None] | None = None) -> Answer:
        """The answer to `question`. With a model and `on_text`, the model's prose is passed to `on_text` while
        it is written (never an unchecked quotation); the returned answer is the checked one. A message that asks
        two or three things is answered a part at a time (parts.py)."""
        parts = question_parts(question, self.retriever.catalog)
        if len(parts) == 1:
            return self._ask_one(question, filters, on_text)
        answers = []
        for n, part in enumerate(parts):
            if n and on_text is not None:
                on_text("\n\n")
            answers.append(self._ask_one(part, filters, on_text))
        return merged(question, answers)

    def _ask_one(self, question: str, filters: Filters | None = None,
                 on_text: Callable[[str], None] | None = None) -> Answer:
        started = time.perf_counter()
        retriever = self.retriever
        filters = filters or Filters()
        passages = tuning.PASSAGES
        # The model is given as many passages as fit its budget; the extractive answer reads the first few.
        wanted = passages if self.llm is None else \
            max(passages, -(-self.settings.llm_source_tokens // tuning.TOKENS_PER_PASSAGE))
        query = analyse(question, retriever.catalog, filters.council, self.request_examples)
        retrieved = retriever.retrieve(query, filters, wanted)
        retrieved_at = time.perf_counter()
        if query.facts is not None:
            # A list, a count, a comparison or a change over time: the facts of every report, not five passages.
            answer = answer_from_facts(question, query.facts, self.records, retrieved[:passages], filters.collections,
                                       retriever.keyword)
        else:
            # A council, year or kind of document asked about with no document says so, whatever the route.
            told = not_covered(query, retrieved[:passages], retriever.keyword) \
                if query.route in ("section", "briefing") else None
            if told is not None:
                pass  # the reason the documents can't answer
            elif query.route == "section":
                # 'What needs to improve', 'the strengths under working together': the section's items.
                told = self._section_or_briefing(query, retrieved[:passages])
            elif query.route == "briefing":
                # 'Brief me on …': one document's judgements, summary and what must improve, or its findings.
                told = brief(query, retrieved[:passages], retriever.keyword, retriever.catalog, self.records)
            elif query.route == "timeline":
                # 'How has it been described over time': one finding from each document, in date order.
                topic = analyse(query.topic or question, retriever.catalog, filters.council)
                found = retriever.per_document(topic, filters)
                # A kind of document named ('the peer reviews') is honoured here too, where there are any.
                of_kind = [r for r in found if query.kinds & {r.chunk.doc_type, *r.chunk.topics}]
                told = timeline(query, of_kind if query.kinds and len(of_kind) >= 2 else found)
            answer = told or extract(query, retrieved[:passages], retriever.keyword, retriever.scope(query, filters))
            if answer.abstained and query.suggested is not None and answer.refusal is not None \
                    and answer.refusal.reason in (Reason.TOPIC_NOT_COVERED, Reason.EVIDENCE_TOO_WEAK):
                # The passages can't answer it as a plain question ('what does Ofsted want fixed'); as its nearest
                # labelled request reads it, a section's items or a briefing may.
                answer = self._section_or_briefing(replace(query, request=query.suggested), retrieved[:passages]) \
                    or answer
        # When no passage carries the question, the model is not asked: a model given passages answers from
        # them. Otherwise the extractive answer is the fallback for anything its answer can't stand behind.
        if self.llm is not None and answer.mode in ("extractive", "section", "briefing") and not answer.abstained:
            # A section's or a briefing's passages go first, so that a model summarising 'the key strengths'
            # reads every one of them.
            sources = retrieved if answer.mode == "extractive" else quoted_first(answer, retrieved, retriever.keyword)
            written = llm_answer(query, sources, self.llm, self.prompts, self.store.embedder.count_tokens,
                                 self.settings.llm_source_tokens, answer, on_text)
            answer = written if answer.mode == "extractive" else with_items_of(written, answer)
        finished = time.perf_counter()
        answer.timings_ms = Timings(retrieve=round((retrieved_at - started) * 1000, 1),
                                    answer=round((finished - retrieved_at) * 1000, 1),
                                    total=round((finished - started) * 1000, 1))
        return answer
