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
_YEAR = re.compile(r"(?<!\d)((?:19|20)\d\d)(?!\d)")
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
        sentence_scores = self.keyword.sentence_scores(expanded)
        sentence_rank = np.argsort(-sentence_scores)[:CANDIDATES]
        vector = self.store.embedder.embed([expanded])[0]
        dense = [(self.keyword.by_id[cid], sim) for cid, sim in self.store.nearest(vector, CANDIDATES)
                 if cid in self.keyword.by_id]

        # Scores, not ranks, are fused: how far ahead the best keyword match is matters here.
        fused: dict[int, float] = {}
        top_keyword = float(keyword_scores[keyword_rank[0]]) if len(keyword_rank) else 0.0
        if top_keyword > 0:
            for index in keyword_rank:
                if keyword_scores[index] > 0:
                    fused[int(index)] = KEYWORD_WEIGHT * float(keyword_scores[index]) / top_keyword
        top_sentence = float(sentence_scores.max()) if len(sentence_scores) else 0.0
        if top_sentence > 0 and SENTENCE_WEIGHT:
            for index in sentence_rank:
                if sentence_scores[index] > 0:
                    fused[int(index)] = fused.get(int(index), 0.0) + SENTENCE_WEIGHT * float(sentence_scores[index]) / top_sentence
        # Similarity above the last candidate's, so only chunks that stand out get the vector vote.
        if len(dense) > 1 and DENSE_WEIGHT:
            top_dense, floor = dense[0][1], dense[-1][1]
            for index, sim in dense:
                if top_dense > floor:
                    fused[index] = fused.get(index, 0.0) + DENSE_WEIGHT * (sim - floor) / (top_dense - floor)

        allowed = self._allowed(filters)
        prior = self.steering(question)
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

    def steering(self, question: str):
        """A weight per chunk from what the question names: its council, its year, its kind of document."""
        councils = self.named_councils(question)
        years = {int(y) for y in _YEAR.findall(question)}
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
