"""Hybrid retrieval: keyword and vector rankings fused, steered to the council, year and kind of document a
question names."""
from __future__ import annotations

import re
from dataclasses import dataclass

import numpy as np

from ingest.acronyms import expand_query
from ingest.document import Chunk
from ingest.keyword import KeywordIndex
from ingest.store import Store

RRF_K = 20
CANDIDATES = 60
_YEAR = re.compile(r"(?<!\d)((?:19|20)\d\d)(?!\d)")
_COUNCIL_NOISE = {"and", "of", "the", "royal", "borough", "county", "council", "city", "metropolitan", "district",
                  "london", "&"}
# Words in a question that name a kind of document, and what they steer to (a topic or a document type).
KIND_WORDS = [
    (r"\b(ofsted|inspection|inspected|inspectors?)\b", "inspection"),
    (r"\bpeer review|\breview team|\breviewers?\b|\bpeers?\b|\blga\b", "peer review"),
    (r"\bscrutiny\b", "scrutiny"),
    (r"\bletter\b", "letter"),
    (r"\bbriefing\b", "briefing note"),
    (r"\b(improvement|action) plan\b", "improvement plan"),
]


@dataclass
class Filters:
    council: str | None = None
    year: int | None = None
    doc_type: str | None = None


@dataclass
class Retrieved:
    chunk: Chunk
    score: float


def council_key(name: str) -> str:
    return " ".join(w for w in re.findall(r"[a-z]+", name.lower()) if w not in _COUNCIL_NOISE)


class Retriever:
    def __init__(self, store: Store, keyword: KeywordIndex) -> None:
        self.store = store
        self.keyword = keyword
        self.councils = sorted({council_key(c.council) for c in keyword.chunks if c.council} - {""}, key=len,
                               reverse=True)

    def named_councils(self, question: str) -> set[str]:
        text = " ".join(re.findall(r"[a-z]+", question.lower()))
        text = " " + " ".join(w for w in text.split() if w not in _COUNCIL_NOISE) + " "
        return {key for key in self.councils if f" {key} " in text}

    def retrieve(self, question: str, filters: Filters | None = None, k: int = 8) -> list[Retrieved]:
        filters = filters or Filters()
        chunks = self.keyword.chunks
        if not chunks:
            return []
        expanded = expand_query(question, self.keyword.acronyms)
        keyword_scores = self.keyword.scores(expanded)
        keyword_rank = np.argsort(-keyword_scores)[:CANDIDATES]
        vector = self.store.embedder.embed([expanded])[0]
        dense = [(self.keyword.by_id[cid], sim) for cid, sim in self.store.nearest(vector, CANDIDATES)
                 if cid in self.keyword.by_id]

        fused: dict[int, float] = {}
        for rank, index in enumerate(keyword_rank):
            if keyword_scores[index] > 0:
                fused[int(index)] = fused.get(int(index), 0.0) + 1.0 / (RRF_K + rank + 1)
        for rank, (index, _) in enumerate(dense):
            fused[index] = fused.get(index, 0.0) + 1.0 / (RRF_K + rank + 1)

        allowed = self._allowed(filters)
        prior = self._steering(question)
        results = []
        for index, score in fused.items():
            chunk = chunks[index]
            if allowed is not None and not allowed(chunk):
                continue
            score *= prior(chunk)
            if self.keyword.boilerplate[index]:
                score *= 0.3
            results.append(Retrieved(chunk, score))
        results.sort(key=lambda r: -r.score)
        return results[:k]

    def _allowed(self, filters: Filters):
        if not (filters.council or filters.year or filters.doc_type):
            return None
        wanted_council = council_key(filters.council) if filters.council else None

        def allowed(chunk: Chunk) -> bool:
            if wanted_council and council_key(chunk.council or "") != wanted_council:
                return False
            if filters.year and filters.year not in chunk.years:
                return False
            if filters.doc_type and filters.doc_type.lower() not in (chunk.doc_type.lower(), *chunk.topics):
                return False
            return True

        return allowed

    def _steering(self, question: str):
        """A weight per chunk from what the question names: its council, its year, its kind of document."""
        councils = self.named_councils(question)
        years = {int(y) for y in _YEAR.findall(question)}
        lowered = question.lower()
        kinds = {kind for pattern, kind in KIND_WORDS if re.search(pattern, lowered)}

        def weight(chunk: Chunk) -> float:
            w = 1.0
            if councils:
                w *= 1.0 if council_key(chunk.council or "") in councils else 0.15
            if years:
                w *= 1.6 if years & set(chunk.years) else 0.7
            if kinds:
                w *= 1.3 if kinds & {chunk.doc_type, *chunk.topics} else 0.8
            return w

        return weight
