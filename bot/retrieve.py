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

CANDIDATES = 60
# Measured on the dev set: keyword ranking finds the passage far more often than MiniLM does, so the
# vector ranking is a tie-breaker and a safety net for paraphrase, not an equal vote.
KEYWORD_WEIGHT = 1.0
DENSE_WEIGHT = 0.1
SENTENCE_WEIGHT = 0.3
KIND_PENALTY = 0.7
YEAR_BOOST = 1.15
YEAR = re.compile(r"(?<!\d)((?:19|20)\d\d)(?!\d)")
_COUNCIL_NOISE = {"and", "of", "the", "royal", "borough", "county", "council", "city", "metropolitan", "district",
                  "london", "&"}
# Words in a question that name a kind of document, and what they steer to (a topic or a document type).
KIND_WORDS = [
    (r"\b(ofsted|inspection|inspected|inspectors?)\b", "inspection"),
    # In these documents an inspection is Ofsted's; a review is the peer review.
    (r"\breview\b|\breviewers?\b|\bpeers?\b|\blga\b", "peer review"),
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
    collections: frozenset[str] | None = None  # None: every collection; else only these (access control)


@dataclass
class Retrieved:
    chunk: Chunk
    score: float


def _add_scaled(fused: dict[int, float], scores: np.ndarray, mask: np.ndarray | None, weight: float) -> None:
    """Add the best CANDIDATES scores, each as a share of the best one, to the fused scores."""
    if mask is not None:
        scores = np.where(mask, scores, 0.0)
    ranked = np.argsort(-scores)[:CANDIDATES]
    top = float(scores[ranked[0]]) if len(ranked) else 0.0
    if top <= 0:
        return
    for index in ranked:
        if scores[index] > 0:
            fused[int(index)] = fused.get(int(index), 0.0) + weight * float(scores[index]) / top


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
        allowed = self._allowed(filters)
        mask = np.array([allowed(c) for c in chunks]) if allowed is not None else None
        vector = self.store.embedder.embed([expanded])[0]
        # With a strict filter, look further down the vector ranking for chunks that pass it.
        nearest = self.store.nearest(vector, CANDIDATES * (5 if mask is not None else 1))
        dense = [(self.keyword.by_id[cid], sim) for cid, sim in nearest
                 if cid in self.keyword.by_id and (mask is None or mask[self.keyword.by_id[cid]])][:CANDIDATES]

        # Scores, not ranks, are fused: how far ahead the best keyword match is matters here.
        fused: dict[int, float] = {}
        _add_scaled(fused, self.keyword.scores(expanded), mask, KEYWORD_WEIGHT)
        _add_scaled(fused, self.keyword.sentence_scores(expanded), mask, SENTENCE_WEIGHT)
        # Similarity above the last candidate's, so only chunks that stand out get the vector vote.
        if len(dense) > 1 and dense[0][1] > dense[-1][1]:
            top_dense, floor = dense[0][1], dense[-1][1]
            for index, sim in dense:
                fused[index] = fused.get(index, 0.0) + DENSE_WEIGHT * (sim - floor) / (top_dense - floor)

        prior = self.steering(question)
        results = []
        for index, score in fused.items():
            chunk = chunks[index]
            score *= prior(chunk)
            if self.keyword.boilerplate[index]:
                score *= 0.3
            results.append(Retrieved(chunk, score))
        results.sort(key=lambda r: -r.score)
        return results[:k]

    def _allowed(self, filters: Filters):
        if not (filters.council or filters.year or filters.doc_type) and filters.collections is None:
            return None
        wanted_council = council_key(filters.council) if filters.council else None

        def allowed(chunk: Chunk) -> bool:
            if filters.collections is not None and chunk.collection not in filters.collections:
                return False
            if wanted_council and council_key(chunk.council or "") != wanted_council:
                return False
            if filters.year and filters.year not in chunk.years:
                return False
            if filters.doc_type and filters.doc_type.lower() not in (chunk.doc_type.lower(), *chunk.topics):
                return False
            return True

        return allowed

    def steering(self, question: str):
        """A weight per chunk from what the question names: its council, its year, its kind of document."""
        councils = self.named_councils(question)
        years = {int(y) for y in YEAR.findall(question)}
        lowered = question.lower()
        kinds = {kind for pattern, kind in KIND_WORDS if re.search(pattern, lowered)}

        def weight(chunk: Chunk) -> float:
            w = 1.0
            if councils:
                w *= 1.0 if council_key(chunk.council or "") in councils else 0.15
            # A year or a kind of document in a question often names an event, not the document that
            # reports it, so they break ties rather than exclude.
            if years and years & set(chunk.years):
                w *= YEAR_BOOST
            if kinds:
                w *= 1.0 if kinds & {chunk.doc_type, *chunk.topics} else KIND_PENALTY
            return w

        return weight
