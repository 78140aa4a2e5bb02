"""Hybrid retrieval: keyword and vector rankings fused, steered to the council, year and kind of document a
question names."""
from __future__ import annotations

import re
from dataclasses import dataclass

import numpy as np

from ingest.councils import CouncilNames
from ingest.document import Chunk
from ingest.keyword import KeywordIndex
from ingest.metadata import MONTHS, NOT_A_REPORT
from ingest.store import Store
from ingest.text import expand_query

CANDIDATES = 60
# Measured on the dev set: keyword ranking finds the passage far more often than MiniLM does, so the
# vector ranking is a tie-breaker and a safety net for paraphrase, not an equal vote.
KEYWORD_WEIGHT = 1.0
DENSE_WEIGHT = 0.1
SENTENCE_WEIGHT = 0.3
KIND_PENALTY = 0.7
YEAR_BOOST = 1.15
# A month and year ('the March 2019 inspection') name one report far more surely than a year alone.
MONTH_BOOST = 1.5
# 'latest', 'most recent', 'last': a council's older reports still answer, but after its newest.
OLDER_REPORT_PENALTY = 0.5
YEAR = re.compile(r"(?<!\d)((?:19|20)\d\d)(?!\d)")
MONTH_YEAR = re.compile(rf"\b({'|'.join(MONTHS)})\s+((?:19|20)\d\d)\b", re.I)
LATEST = re.compile(r"\b(latest|newest|most recent|current|last)\b(?!\s+(?:year|month|week|time|few|two|three|"
                    r"four|five|decade|summer|spring|autumn|winter)s?\b)", re.I)
# Words in a question that name a kind of document, and what they steer to (a topic or a document type).
KIND_WORDS = [
    (r"\b(ofsted|inspection|inspected|inspectors?)\b", "inspection"),
    # In these documents an inspection is Ofsted's; a review is the peer review.
    (r"\breview\b|\breviewers?\b|\bpeers?\b|\blga\b", "peer review"),
    (r"\bscrutiny\b", "scrutiny"),
    (r"\bletter\b", "letter"),
    (r"\bbriefing\b", "briefing note"),
    (r"\b(improvement|action) plan\b", "improvement plan"),
    (r"\bfocused visits?\b", "focused visit"),
    (r"\bmonitoring visits?\b", "monitoring visit"),
    (r"\bjoint targeted area inspections?\b|\bjtais?\b", "joint targeted area inspection"),
]
# Files that describe a collection: evidence only when a question asks about sources or the collection.
NOT_REPORTS = {kind for kind, _ in NOT_A_REPORT}
_ABOUT_SOURCES = re.compile(r"\b(sources?|readme|collection|licen[cs]e|where .{0,30} from)\b", re.I)


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
    head = np.argpartition(-scores, CANDIDATES)[:CANDIDATES] if len(scores) > CANDIDATES else np.arange(len(scores))
    ranked = head[np.argsort(-scores[head])]
    top = float(scores[ranked[0]]) if len(ranked) else 0.0
    if top <= 0:
        return
    for index in ranked:
        if scores[index] > 0:
            fused[int(index)] = fused.get(int(index), 0.0) + weight * float(scores[index]) / top


class Retriever:
    def __init__(self, store: Store, keyword: KeywordIndex) -> None:
        self.store = store
        self.keyword = keyword
        chunks = keyword.chunks
        self.council_names = CouncilNames(sorted({c.council for c in chunks if c.council}))
        canonical = {name: self.canonical_council(name) for name in {c.council for c in chunks if c.council}}
        self.indexed_councils = set(canonical.values()) - {None}
        # Councils and collections as small numbers per chunk, so a question's mask is one vector operation.
        self._council_ids = {name: i for i, name in enumerate(sorted(self.indexed_councils))}
        self.chunk_council = np.array([self._council_ids.get(canonical.get(c.council), -1) for c in chunks],
                                      dtype=np.int32)
        self._collection_ids = {name: i for i, name in enumerate(sorted({c.collection for c in chunks}))}
        self.chunk_collection = np.array([self._collection_ids[c.collection] for c in chunks], dtype=np.int32)
        # The council's spellings as stored, for Chroma's metadata filter.
        self._stored_names: dict[str, set[str]] = {}
        for name, council in canonical.items():
            self._stored_names.setdefault(council, set()).add(name)
        self.chunk_is_report = np.array([c.doc_type not in NOT_REPORTS for c in chunks], dtype=bool)
        # Each document once: (source, council, date, doc_type, topics), for 'the latest report'.
        self.documents = list({c.source: (c.source, canonical.get(c.council), c.date or "", c.doc_type, c.topics)
                               for c in chunks}.values())

    def canonical_council(self, name: str | None) -> str | None:
        """One name per council however it is written ('County Durham' and 'Durham' are one)."""
        if not name:
            return None
        council = self.council_names.first(name, require_capitals=False)
        return council.name if council else name

    def councils_in(self, question: str) -> list[str]:
        """Every council the question names, indexed or not."""
        return [c.name for c in self.council_names.find(question)]

    def named_councils(self, question: str) -> set[str]:
        """The councils the question names that have indexed documents."""
        return {name for name in self.councils_in(question) if name in self.indexed_councils}

    def retrieve(self, question: str, filters: Filters | None = None, k: int = 8) -> list[Retrieved]:
        filters = filters or Filters()
        chunks = self.keyword.chunks
        if not chunks:
            return []
        councils = {self.canonical_council(filters.council)} if filters.council else self.named_councils(question)
        # A named council and 'the latest' pick the documents (the mask, the steering); as search words they
        # would rank "Children in Leeds…" and "the latest census" above what is asked.
        expanded = expand_query(self.council_names.without(LATEST.sub(" ", question), councils),
                                self.keyword.acronyms)
        mask = self._mask(filters, councils, question)
        if mask is not None and not mask.any():
            return []
        vector = self.store.embedder.embed([expanded])[0]
        # With a filter, look further down the vector ranking for chunks that pass it.
        where = {"council": {"$in": sorted(n for c in councils for n in self._stored_names.get(c, ()))}} \
            if councils else None
        nearest = self.store.nearest(vector, min(len(chunks), CANDIDATES * (5 if mask is not None else 1)), where)
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

    def _mask(self, filters: Filters, councils: set[str], question: str) -> np.ndarray | None:
        """Which chunks may be ranked at all: a named council's, in the allowed collections, of the year and
        kind asked for; files that only describe the collection when the question is about it."""
        mask = np.ones(len(self.keyword.chunks), dtype=bool)
        if councils:
            # A council with no documents here leaves nothing to rank: the answer says so.
            mask &= np.isin(self.chunk_council, [self._council_ids.get(c, -2) for c in councils])
        if filters.collections is not None:
            mask &= np.isin(self.chunk_collection, [self._collection_ids.get(c, -2) for c in filters.collections])
        if not _ABOUT_SOURCES.search(question):
            mask &= self.chunk_is_report
        if filters.year or filters.doc_type:
            wanted_type = (filters.doc_type or "").lower()
            mask &= np.array([(not filters.year or filters.year in c.years)
                              and (not wanted_type or wanted_type in (c.doc_type.lower(), *c.topics))
                              for c in self.keyword.chunks], dtype=bool)
        return None if mask.all() else mask

    def steering(self, question: str):
        """A weight per chunk from what the question names: its year or month, its kind of document, and
        whether it wants the latest report."""
        years = {int(y) for y in YEAR.findall(question)}
        months = {f"{int(y):04d}-{MONTHS[m.lower()]:02d}" for m, y in MONTH_YEAR.findall(question)}
        lowered = question.lower()
        kinds = {kind for pattern, kind in KIND_WORDS if re.search(pattern, lowered)}
        newest = self.newest_reports(self.named_councils(question), kinds) if LATEST.search(question) else None

        def weight(chunk: Chunk) -> float:
            w = 1.0
            # A year or a kind of document in a question often names an event, not the document that
            # reports it, so they break ties rather than exclude.
            if years and years & set(chunk.years):
                w *= YEAR_BOOST
            if months and months & set(chunk.months):
                w *= MONTH_BOOST
            if kinds:
                w *= 1.0 if kinds & {chunk.doc_type, *chunk.topics} else KIND_PENALTY
            if newest is not None and chunk.source not in newest:
                w *= OLDER_REPORT_PENALTY
            return w

        return weight

    def newest_reports(self, councils: set[str], kinds: set[str]) -> set[str]:
        """The sources of the newest report of each council (of the kinds named, if any); a report kept in two
        places is both of its sources."""
        best: dict[str | None, tuple[str, list[str]]] = {}
        for source, council, date, doc_type, topics in self.documents:
            if doc_type in NOT_REPORTS or (councils and council not in councils):
                continue
            if kinds and not kinds & {doc_type, *topics}:
                continue
            date_so_far, sources = best.get(council, ("", []))
            if date > date_so_far:
                best[council] = (date, [source])
            elif date == date_so_far:
                sources.append(source)
        return {source for _, sources in best.values() for source in sources}
