"""The vector store: Chroma, embedded in the data folder or a server, through the same code.

Two collections: the chunks with their vectors, and a manifest of documents. A document's manifest record is
written only after all its chunks are, and removed before they are; readers trust chunks only when the
manifest vouches for them, so a run killed half way never shows a half-indexed document."""
from __future__ import annotations

import json
import os
import re
from dataclasses import asdict
from pathlib import Path

from .records import Chunk, DocumentRecord, Fact

os.environ.setdefault("ANONYMIZED_TELEMETRY", "False")
os.environ.setdefault("ORT_DISABLE_TELEMETRY", "1")

_PAGE_SIZE = 1000


class StoreError(Exception):
    """The vector store cannot be reached or used."""


def _chroma_embedding_function(embedder):
    from chromadb.api.types import Documents, EmbeddingFunction, Embeddings

    class ReviewbotEmbeddingFunction(EmbeddingFunction[Documents]):
        """Hands Chroma our own embedder, so it never falls back to downloading its default model."""

        def __init__(self, inner=embedder) -> None:
            self._inner = inner

        def __call__(self, input: Documents) -> Embeddings:
            import numpy as np

            return [np.asarray(v, dtype=np.float32) for v in self._inner.embed(list(input))]

        @staticmethod
        def name() -> str:
            return "reviewbot"

        def get_config(self) -> dict:
            return {"embedder": self._inner.name}

        @staticmethod
        def build_from_config(config: dict) -> "ReviewbotEmbeddingFunction":
            return ReviewbotEmbeddingFunction()

        def default_space(self):
            return "cosine"

    return ReviewbotEmbeddingFunction()


def connect(data_dir: Path, host: str | None, port: int):
    import chromadb
    from chromadb.config import Settings as ChromaSettings

    chroma_settings = ChromaSettings(anonymized_telemetry=False)
    try:
        if host:
            return chromadb.HttpClient(host=host, port=port, settings=chroma_settings)
        data_dir.mkdir(parents=True, exist_ok=True)
        return chromadb.PersistentClient(path=str(data_dir / "chroma"), settings=chroma_settings)
    except Exception as exc:  # chromadb raises plain ValueError/ConnectionError alike
        where = f"the Chroma server at {host}:{port}" if host else f"the Chroma store in {data_dir}"
        raise StoreError(f"cannot open {where}: {exc}") from exc


class Store:
    def __init__(self, client, embedder) -> None:
        self.embedder = embedder
        suffix = re.sub(r"[^a-zA-Z0-9_-]", "-", embedder.name)[:40]
        function = _chroma_embedding_function(embedder)
        try:
            self.chunks = client.get_or_create_collection(
                f"reviewbot-chunks-{suffix}", embedding_function=function,
                configuration={"hnsw": {"space": "cosine"}})
            # The manifest holds no vectors of meaning: a constant one keeps Chroma content.
            self.documents = client.get_or_create_collection(
                f"reviewbot-documents-{suffix}", embedding_function=function)
        except Exception as exc:
            raise StoreError(f"cannot open the collections: {exc}") from exc

    def manifest(self) -> dict[str, DocumentRecord]:
        records = {}
        for ids, metadatas in self._pages(self.documents, ["metadatas"]):
            for key, meta in zip(ids, metadatas):
                data = json.loads(meta["record"])
                data["years"] = tuple(data["years"])
                data["topics"] = tuple(data["topics"])
                data["months"] = tuple(data.get("months", ()))
                data["facts"] = tuple(Fact(**f) for f in data.get("facts", ()))
                data["ocr_pages"] = tuple(data.get("ocr_pages", ()))
                records[key] = DocumentRecord(**data)
        return records

    def _pages(self, collection, include):
        offset = 0
        while True:
            batch = collection.get(include=include, limit=_PAGE_SIZE, offset=offset)
            if not batch["ids"]:
                return
            yield batch["ids"], *(batch[name] for name in include)
            offset += len(batch["ids"])

    def forget(self, key: str) -> None:
        """Remove a document: its manifest record first, so it stops counting before its chunks go."""
        self.documents.delete(ids=[key])
        self.chunks.delete(where={"doc_key": key})

    def put(self, record: DocumentRecord, chunks: list[Chunk], vectors: list[list[float]]) -> None:
        self.forget(record.key)
        for start in range(0, len(chunks), 500):
            batch = chunks[start:start + 500]
            self.chunks.add(
                ids=[c.id for c in batch],
                embeddings=vectors[start:start + 500],
                documents=[c.text for c in batch],
                metadatas=[_chunk_metadata(c, record) for c in batch],
            )
        self.documents.add(ids=[record.key], embeddings=[[1.0] * len(vectors[0])] if vectors else None,
                           metadatas=[{"record": json.dumps(asdict(record))}], documents=[record.source])

    def complete_chunks(self, manifest: dict[str, DocumentRecord]) -> list[Chunk]:
        """Every chunk of every fully indexed document, in document order."""
        out = []
        for ids, documents, metadatas in self._pages(self.chunks, ["documents", "metadatas"]):
            for chunk_id, text, meta in zip(ids, documents, metadatas):
                record = manifest.get(meta["doc_key"])
                if record is None or record.sha256 != meta["doc_sha"]:
                    continue
                out.append(_chunk_from(chunk_id, text, meta, record))
        out.sort(key=lambda c: (c.source, int(c.id.rsplit(":", 1)[1])))
        return out

    def document_chunks(self, record: DocumentRecord, page: int | None = None) -> list[Chunk]:
        """One document's chunks in order, or those of one of its pages: the page view finds a quote's section."""
        where = {"doc_key": record.key} if page is None else {"$and": [{"doc_key": record.key}, {"page": page}]}
        found = self.chunks.get(where=where, include=["documents", "metadatas"])
        chunks = [_chunk_from(chunk_id, text, meta, record)
                  for chunk_id, text, meta in zip(found["ids"], found["documents"], found["metadatas"])
                  if meta["doc_sha"] == record.sha256]
        return sorted(chunks, key=lambda c: int(c.id.rsplit(":", 1)[1]))

    def orphan_ids(self, manifest: dict[str, DocumentRecord]) -> list[str]:
        """Chunks left by a run that was killed: no manifest record vouches for them."""
        # A document's chunks are all written before its record and removed after it, so a store holding
        # exactly the chunks its records count holds no orphans: no need to read every chunk's metadata.
        if self.chunks.count() == sum(record.chunks for record in manifest.values()):
            return []
        orphans = []
        for ids, metadatas in self._pages(self.chunks, ["metadatas"]):
            for chunk_id, meta in zip(ids, metadatas):
                record = manifest.get(meta["doc_key"])
                if record is None or record.sha256 != meta["doc_sha"]:
                    orphans.append(chunk_id)
        return orphans

    def delete_chunks(self, ids: list[str]) -> None:
        for start in range(0, len(ids), 500):
            self.chunks.delete(ids=ids[start:start + 500])

    def nearest(self, vector: list[float], n: int, where: dict | None = None) -> list[tuple[str, float]]:
        """Chunk ids nearest to a vector, with cosine similarity; `n` no more than the chunks stored (the
        caller knows how many: counting them here would cost each question a round trip)."""
        if n <= 0:
            return []
        result = self.chunks.query(query_embeddings=[vector], n_results=n, where=where, include=["distances"])
        return [(chunk_id, 1.0 - distance) for chunk_id, distance in zip(result["ids"][0], result["distances"][0])]


def _chunk_metadata(chunk: Chunk, record: DocumentRecord) -> dict:
    return {
        "doc_key": record.key, "doc_sha": record.sha256, "source": chunk.source, "page": chunk.page or 0,
        "section": chunk.section, "title": chunk.title, "council": chunk.council or "", "date": chunk.date or "",
        "doc_type": chunk.doc_type, "collection": record.collection, "ocr": chunk.ocr,
    }


def _chunk_from(chunk_id: str, text: str, meta: dict, record: DocumentRecord) -> Chunk:
    return Chunk(
        id=chunk_id, source=meta["source"], text=text, page=meta["page"] or None, section=meta["section"],
        title=meta["title"], council=meta["council"] or None, date=meta["date"] or None, doc_type=meta["doc_type"],
        years=record.years, topics=record.topics, months=record.months, collection=record.collection,
        ocr=bool(meta.get("ocr", False)),
    )
