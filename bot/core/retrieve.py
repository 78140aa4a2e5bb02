"""Hybrid retrieval: keyword and vector rankings fused, steered to the council, year and kind of document a
question names."""
from __future__ import annotations

import re
from dataclasses import dataclass, field

import numpy as np

from index import tuning
from index.keyword import KeywordIndex
from index.records import Chunk
from index.store import Store
from index.text import lines_and_units
from index.vocabulary import NOT_REPORT_KINDS

from .catalog import Catalog
from .query import Query
from .sentences import Sentence, score_sentences, sentence_vectors_of
from .types import Filters, Passage

# Files that describe a collection are evidence only when a question asks about sources or the collection.
_ABOUT_SOURCES = re.compile(r"\b(sources?|readme|collection|licen[cs]e|where .{0,30} from)\b", re.I)


@dataclass
class Retrieved:
    chunk: Chunk
    score: float
    sentences: list[Sentence] = field(default_factory=list)  # best first; read for the first RERANK_DEPTH

    def passage(self) -> Passage:
        return Passage.from_chunk(self.chunk, self.score)


def fuse(keyword: np.ndarray, sentence_keyword: np.ndarray, dense: np.ndarray, sentence_dense: np.ndarray,
         mask: np.ndarray | None) -> dict[int, float]:
    """One score per chunk from the four channels (chunk and best-sentence keyword scores, chunk and
    best-sentence similarities), for the chunks the mask lets through."""
    fused: dict[int, float] = {}
    # Scores, not ranks, are fused: how far ahead the best keyword match is matters here.
    _add_scaled(fused, keyword, mask, tuning.KEYWORD_WEIGHT)
    _add_scaled(fused, sentence_keyword, mask, tuning.SENTENCE_WEIGHT)
    # Similarities all sit between 0.2 and 0.7: what counts is how far a passage stands above the last
    # candidate's.
    _add_above_floor(fused, dense, mask, tuning.DENSE_WEIGHT)
    _add_above_floor(fused, sentence_dense, mask, tuning.SENTENCE_DENSE_WEIGHT)
    return fused


def _add_above_floor(fused: dict[int, float], similarities: np.ndarray, mask: np.ndarray | None,
                     weight: float) -> None:
    """Add each of the best CANDIDATES similarities as its height above the last of them, a share of the
    best one's: only passages that stand out get the vote."""
    if mask is not None:
        similarities = np.where(mask, similarities, 0.0)
    count = min(tuning.CANDIDATES, int((similarities > 0).sum()))
    if count < 2:
        return
    head = np.argpartition(-similarities, count - 1)[:count]
    top, floor = float(similarities[head].max()), float(similarities[head].min())
    if top <= floor:
        return
    for index in head:
        fused[int(index)] = fused.get(int(index), 0.0) + weight * (float(similarities[index]) - floor) / (top - floor)


def _add_scaled(fused: dict[int, float], scores: np.ndarray, mask: np.ndarray | None, weight: float) -> None:
    """Add the best CANDIDATES scores, each as a share of the best one, to the fused scores."""
    if mask is not None:
        scores = np.where(mask, scores, 0.0)
    candidates = tuning.CANDIDATES
    head = np.argpartition(-scores, candidates)[:candidates] if len(scores) > candidates else np.arange(len(scores))
    ranked = head[np.argsort(-scores[head])]
    top = float(scores[ranked[0]]) if len(ranked) else 0.0
    if top <= 0:
        return
    for index in ranked:
        if scores[index] > 0:
            fused[int(index)] = fused.get(int(index), 0.0) + weight * float(scores[index]) / top


def _best_sentence_first(item: Retrieved) -> float:
    return -(item.sentences[0].score if item.sentences else -1.0)


class Retriever:
    def __init__(self, store: Store, keyword: KeywordIndex, catalog: Catalog | None = None) -> None:
        self.store = store
        self.keyword = keyword
        self.catalog = catalog if catalog is not None else Catalog(keyword)
        chunks = keyword.chunks
        canonical = self.catalog.canonical_of
        # Councils and collections as small numbers per chunk, so a question's mask is one vector operation.
        self._council_ids = {name: i for i, name in enumerate(sorted(self.catalog.councils))}
        self.chunk_council = np.array([self._council_ids.get(canonical.get(c.council), -1) for c in chunks],
                                      dtype=np.int32)
        self._collection_ids = {name: i for i, name in enumerate(sorted({c.collection for c in chunks}))}
        self.chunk_collection = np.array([self._collection_ids[c.collection] for c in chunks], dtype=np.int32)
        self.chunk_is_report = np.array([c.doc_type not in NOT_REPORT_KINDS for c in chunks], dtype=bool)
        self._every_chunk = np.ones(len(chunks), dtype=bool)
        self._masks: dict[tuple[str, str | int], np.ndarray] = {}

    def retrieve(self, query: Query, filters: Filters | None = None, k: int = 8) -> list[Retrieved]:
        ranked = self._ranked(query, filters or Filters())
        if ranked is None:
            return []
        results, prior = ranked
        return self._reranked(query, results, prior)[:k]

    def per_document(self, query: Query, filters: Filters | None = None) -> list[Retrieved]:
        """The best passage of each of the first TIMELINE_DOCUMENTS documents down the ranking (looking at
        most TIMELINE_DEPTH passages deep), each with its sentences scored: one finding per document, for a
        timeline."""
        ranked = self._ranked(query, filters or Filters())
        if ranked is None:
            return []
        results, prior = ranked
        top = results[0][1] if results and results[0][1] > 0 else 1.0
        found: dict[str, Retrieved] = {}
        for index, score in results[:tuning.TIMELINE_DEPTH]:
            chunk = self.keyword.chunks[index]
            # A file kept in two places is one document.
            if chunk.source in found or any(twin.source in found for twin in self.keyword.twins(chunk)):
                continue
            sentences = score_sentences(query, index, score / top, self.weight(index, prior), self.keyword)
            found[chunk.source] = Retrieved(chunk, score, sentences)
            if len(found) == tuning.TIMELINE_DOCUMENTS:
                break
        return list(found.values())

    def _ranked(self, query: Query, filters: Filters):
        """Every passage that passes the filters, best first, and the steering that weighed them; None when
        none can."""
        chunks = self.keyword.chunks
        if not chunks:
            return None
        mask = self._mask(filters, query)
        if mask is not None and not mask.any():
            return None
        if query.vector is None:
            query.vector = np.asarray(self.store.embedder.embed([query.search_text])[0], dtype=np.float32)
        # With a filter, look further down the vector ranking for chunks that pass it.
        where = {"council": {"$in": sorted(n for c in query.councils for n in self.catalog.stored_names.get(c, ()))}} \
            if query.councils else None
        nearest = self.store.nearest(query.vector.tolist(),
                                     min(len(chunks), tuning.CANDIDATES * (5 if mask is not None else 1)), where)
        dense = np.zeros(len(chunks), dtype=np.float32)
        for cid, similarity in nearest:
            if cid in self.keyword.by_id:
                dense[self.keyword.by_id[cid]] = similarity

        fused = fuse(self.keyword.scores(query.search_text), self.keyword.sentence_scores(query.search_text), dense,
                     self.keyword.best_sentence_per_chunk(self.keyword.sentence_similarities(query.vector, mask)), mask)
        prior = self.steering(query)
        results = sorted(((index, score * self.weight(index, prior)) for index, score in fused.items()),
                         key=lambda r: -r[1])
        return results, prior

    def weight(self, index: int, prior) -> float:
        """What steering makes of a chunk, less for a publisher's notice that recurs across documents."""
        return prior(self.keyword.chunks[index]) * (tuning.BOILERPLATE_PENALTY if self.keyword.boilerplate[index] else 1.0)

    def _reranked(self, query: Query, ranked: list[tuple[int, float]], prior) -> list[Retrieved]:
        """The first RERANK_DEPTH passages in the order of their best sentence: a finer ranking of the first
        few, which the extractive answer and the model then read alike."""
        top = ranked[0][1] if ranked and ranked[0][1] > 0 else 1.0
        head = []
        for index, score in ranked[:tuning.RERANK_DEPTH]:
            chunk = self.keyword.chunks[index]
            sentences = score_sentences(query, index, score / top, self.weight(index, prior), self.keyword)
            head.append(Retrieved(chunk, score, sentences))
        head.sort(key=_best_sentence_first)
        self._refine(query, head, prior, top)
        return head + [Retrieved(self.keyword.chunks[index], score) for index, score in ranked[tuning.RERANK_DEPTH:]]

    def _refine(self, query: Query, head: list[Retrieved], prior, top: float) -> None:
        """Score the first REFINE_DEPTH passages' REFINED_SENTENCES best sentences again with vectors of each
        sentence embedded alone, and put those passages back in the order of their best sentence."""
        jobs = []
        for position, item in enumerate(head[:tuning.REFINE_DEPTH]):
            index = self.keyword.by_id[item.chunk.id]
            all_units = lines_and_units(item.chunk.text, item.chunk.headings())
            vectors = sentence_vectors_of(index, self.keyword, len(all_units))
            if vectors is None:
                continue
            wanted = {(s.line, s.text) for s in item.sentences[:tuning.REFINED_SENTENCES]}
            units = [(row, unit) for row, (line, unit) in enumerate(all_units) if (line, unit) in wanted]
            jobs.append((position, index, vectors.copy(), units))
        texts = [unit for *_, units in jobs for _, unit in units]
        if not texts:
            return
        alone = iter(np.asarray(self.store.embedder.embed(texts), dtype=np.float32))
        for position, index, vectors, units in jobs:
            for row, _ in units:
                vectors[row] = next(alone)
            item = head[position]
            item.sentences = score_sentences(query, index, item.score / top, self.weight(index, prior), self.keyword,
                                             vectors)
        head[:tuning.REFINE_DEPTH] = sorted(head[:tuning.REFINE_DEPTH], key=_best_sentence_first)

    def _mask(self, filters: Filters, query: Query) -> np.ndarray | None:
        """Which chunks may be ranked at all: a named council's, in the allowed collections, of the year and
        kind asked for; files that only describe the collection when the question is about it."""
        mask = np.ones(len(self.keyword.chunks), dtype=bool)
        if query.councils:
            # A council with no documents here leaves nothing to rank: the answer says so.
            mask &= np.isin(self.chunk_council, [self._council_ids.get(c, -2) for c in query.councils])
            # The report the question names is the one that answers, where the council has it: its peer review
            # is not answered from an inspection, nor 'the 2019 report' from the 2023 one.
            for wanted in (self._chunks_of_kinds(query.kinds), self._chunks_of_years(query.report_years)):
                narrowed = mask & wanted
                if narrowed.any():
                    mask = narrowed
        if filters.collections is not None:
            mask &= np.isin(self.chunk_collection, [self._collection_ids.get(c, -2) for c in filters.collections])
        if not _ABOUT_SOURCES.search(query.question):
            mask &= self.chunk_is_report
        if filters.year or filters.doc_type:
            wanted_type = (filters.doc_type or "").lower()
            mask &= np.array([(not filters.year or filters.year in c.years)
                              and (not wanted_type or wanted_type in (c.doc_type.lower(), *c.topics))
                              for c in self.keyword.chunks], dtype=bool)
        return None if mask.all() else mask

    def scope(self, query: Query, filters: Filters | None = None) -> np.ndarray:
        """Which chunks are of the documents the question is about: those it may see of the councils it names,
        narrowed to the kinds of document and the years it names wherever some of them are of those."""
        mask = self._mask(filters or Filters(), query)
        scope = np.ones(len(self.keyword.chunks), dtype=bool) if mask is None else mask
        for wanted in (self._chunks_of_kinds(query.kinds), self._chunks_of_years(query.years)):
            narrowed = scope & wanted
            if narrowed.any():
                scope = narrowed
        return scope

    def _chunks_of_kinds(self, kinds: set[str]) -> np.ndarray:
        """Chunks of documents of any of these kinds (all chunks when none is named)."""
        return self._chunks_where(("kind", kind) for kind in kinds) if kinds else self._every_chunk

    def _chunks_of_years(self, years: set[int]) -> np.ndarray:
        return self._chunks_where(("year", year) for year in years) if years else self._every_chunk

    def _chunks_where(self, wanted) -> np.ndarray:
        """Masks per kind and per year, made once per index: a pass over every chunk in Python took a
        tenth of a national question's time."""
        mask = np.zeros(len(self.keyword.chunks), dtype=bool)
        for key in wanted:
            if key not in self._masks:
                what, value = key
                holds = (lambda c: value in (c.doc_type, *c.topics)) if what == "kind" else (lambda c: value in c.years)
                self._masks[key] = np.fromiter((holds(c) for c in self.keyword.chunks), dtype=bool,
                                               count=len(self.keyword.chunks))
            mask |= self._masks[key]
        return mask

    def steering(self, query: Query):
        """A weight per chunk from what the question names: its year or month, its kind of document, and
        whether it wants the latest report."""
        years, months, kinds = query.years, query.months, query.kinds
        newest = self.catalog.newest_reports(query.councils, kinds) if query.latest else None

        def weight(chunk: Chunk) -> float:
            w = 1.0
            # A year or a kind of document in a question often names an event, not the document that
            # reports it, so they break ties rather than exclude.
            if years and years & set(chunk.years):
                w *= tuning.YEAR_BOOST
            if months and months & set(chunk.months):
                w *= tuning.MONTH_BOOST
            if kinds:
                w *= 1.0 if kinds & {chunk.doc_type, *chunk.topics} else tuning.KIND_PENALTY
            if newest is not None and chunk.source not in newest:
                w *= tuning.OLDER_REPORT_PENALTY
            return w

        return weight
