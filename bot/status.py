"""What `reviewbot status` reports: the store in use, the model, and what is indexed."""
from __future__ import annotations

from dataclasses import asdict, dataclass
from pathlib import Path

from index.keyword import KeywordIndex
from index.records import DocumentRecord
from index.refresh import manifest_stamp
from index.store import Store

from .settings import Settings


@dataclass
class IndexStatus:
    store: str
    model: str
    answers: str
    documents: int
    pages: int
    chunks: int
    chunks_in_store: int  # more than `chunks` while an ingest is running, or after one was killed
    last_ingest: str | None
    collections: dict[str, int]
    keyword_index: str
    records: list[DocumentRecord]

    def to_dict(self) -> dict:
        data = asdict(self)
        # How many facts each report gave; the facts themselves are `reviewbot facts`.
        for record, shown in zip(self.records, data["records"]):
            shown["facts"] = len(record.facts)
        return data


def store_description(settings: Settings, store: Store) -> str:
    where = (f"Chroma server at {settings.chroma_host}:{settings.chroma_port}" if settings.chroma_host
             else f"embedded Chroma in {(settings.data_dir / 'chroma').resolve()}")
    return f"{where}, collection {store.chunks.name}"


def read_status(settings: Settings, store: Store, keyword_dir: Path) -> IndexStatus:
    manifest = store.manifest()
    records = sorted(manifest.values(), key=lambda r: r.source)
    saved = KeywordIndex.saved_stamp(keyword_dir)
    if saved is None:
        keyword = f"not built in {keyword_dir} (each bot builds its own from the store when it starts)"
    elif saved == manifest_stamp(manifest):
        keyword = f"up to date in {keyword_dir}"
    else:
        keyword = f"older than the store in {keyword_dir} (bots rebuild it at their next refresh)"
    collections: dict[str, int] = {}
    for record in records:
        collections[record.collection] = collections.get(record.collection, 0) + 1
    answers = "extractive (no LLM)" if settings.llm == "none" else f"{settings.llm} {settings.llm_model}"
    return IndexStatus(
        store=store_description(settings, store), model=store.embedder.describe(), answers=answers,
        documents=len(records), pages=sum(r.pages or 0 for r in records), chunks=sum(r.chunks for r in records),
        chunks_in_store=store.chunks.count(), last_ingest=max((r.indexed_at for r in records), default=None),
        collections=collections, keyword_index=keyword, records=records,
    )
