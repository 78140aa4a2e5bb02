"""Whether a question is answered or refused: one decision, in one place, made on evidence.

A question is refused when the documents show they can't answer it: a council, a report's year or a kind of
document it names that the index has none of; a topic whose every word is in no document; a figure or date
asked for that the sentences on the topic don't give; or evidence too weak to stand behind, where the best
sentences found carry neither the question's words nor its meaning. A word of the message that the documents
don't hold never refuses by itself: it may be framing, chat, shorthand, a slip of the keyboard or what the
answer is for, and only the evidence of the sentences found without it says whether the rest is answered.

How strong the evidence must be is a small logistic model over five measures (Evidence), fitted on labelled
questions by bench/fit_abstention.py; its weights and threshold are in index/tuning.py."""
from __future__ import annotations

import math
import re

import numpy as np

from index import tuning
from index.keyword import KeywordIndex
from index.text import tokenize

from .query import Query
from .sentences import Sentence, covered_term, has_answer_shape
from .types import Evidence, Reason, Refusal

# What a question of a kind needs its answer to hold, in words for the reply that says the documents don't.
_WANTED = {"money": "the amount", "share": "the proportion", "number": "the figure", "date": "the date"}
# A paragraph's number ('5. Co-location …') is not a figure it gives.
_NUMBERED = re.compile(r"^\(?\d{1,3}(?:\.\d{1,3})*[.)]\s+")


def from_catalog(query: Query) -> Refusal | None:
    """The refusal the question itself shows, before any passage is read: a council, a report's year or a kind
    of document it names that the index holds none of."""
    if query.councils_without_documents and not query.councils:
        return Refusal(Reason.COUNCIL_NOT_INDEXED, ", ".join(query.councils_without_documents))
    if query.years_without_documents:
        return Refusal(Reason.YEAR_NOT_INDEXED, "from " + " or ".join(map(str, query.years_without_documents)))
    if query.kinds_without_documents:
        return Refusal(Reason.KIND_NOT_INDEXED, "a " + " or ".join(query.kinds_without_documents))
    return None


def weigh(query: Query, best: list[Sentence], absent: set[str], chosen: Sentence | None,
          measured: bool = True) -> Evidence:
    """The evidence of the best candidate sentences: how close the closest comes in meaning (where `measured`:
    the index has sentence vectors); how much of the question's held words the best holds; the share of them
    the documents asked about never use (`absent`: framing, or a topic they don't cover); and whether the
    sentence to be quoted carries the question (its words, its rare words among them, or its meaning)."""
    total = sum(query.terms.values())
    similarity = round(max((s.similarity for s in best), default=0.0), 4) if measured else None
    return Evidence(similarity=similarity, coverage=round(max((s.coverage for s in best), default=0.0), 4),
                    unknown_share=round(query.unknown_share, 4),
                    absent_share=round(sum(query.terms[t] for t in absent) / total, 4) if total else 0.0,
                    carried=1.0 if chosen is not None and chosen.carries() else 0.0)


def confidence(evidence: Evidence) -> float:
    """How likely, on this evidence, the documents answer the question (the fitted logistic model)."""
    words = (evidence.coverage, evidence.unknown_share, evidence.absent_share, evidence.carried)
    if evidence.similarity is None:
        # Without sentence vectors, the model fitted on the words alone.
        z = tuning.ANSWER_BIAS_WORDS_ONLY + sum(w * x for w, x in zip(tuning.ANSWER_WEIGHTS_WORDS_ONLY, words))
    else:
        z = tuning.ANSWER_BIAS + sum(w * x for w, x in zip(tuning.ANSWER_WEIGHTS, (evidence.similarity, *words)))
    return 1.0 / (1.0 + math.exp(-z))


def absent_terms(query: Query, keyword: KeywordIndex, scope: np.ndarray | None) -> set[str]:
    """The question's held words that the documents it is about never use, in any of their forms: framing, or a
    topic they don't cover, as the rest of the evidence says; none when it points at no council's documents in
    particular."""
    if scope is None or scope.all() or not query.councils:
        return set()
    return {t for t in query.terms if not any(_held(keyword, form, scope) for form in [{t}, *query.synonyms.get(t, [])])}


def _held(keyword: KeywordIndex, form: set[str], scope: np.ndarray) -> bool:
    """Whether a chunk in scope holds every word of a form."""
    common: np.ndarray | None = None
    for token in form:
        chunks = keyword.chunks_with(token)
        # Only the chunks in scope matter: a national index's common word is in tens of thousands.
        chunks = chunks[scope[chunks]]
        common = chunks if common is None else np.intersect1d(common, chunks, assume_unique=True)
        if not len(common):
            return False
    return common is not None and bool(len(common))


def decide(query: Query, evidence: Evidence, chosen: list[str], keyword: KeywordIndex) -> Refusal | None:
    """Answer with the chosen sentences, or refuse, and why."""
    if query.terms and query.unknown_share >= 1.0:
        # Every word that says what is asked is in no document: that is what they don't say.
        return Refusal(Reason.TOPIC_NOT_COVERED, ", ".join(query.unknown_words))
    if confidence(evidence) < tuning.ANSWER_CONFIDENCE:
        missing = ", ".join(_missing_words(query, chosen))
        return Refusal(Reason.TOPIC_NOT_COVERED if missing else Reason.EVIDENCE_TOO_WEAK, missing)
    wanted = _WANTED.get(query.answer_kind)
    if wanted and not any(has_answer_shape(query.answer_kind, _NUMBERED.sub("", text), keyword) for text in chosen):
        # 'What percentage …', 'when will …': a sentence on the topic without the figure doesn't answer.
        return Refusal(Reason.FIGURE_NOT_GIVEN, wanted)
    return None


def _missing_words(query: Query, chosen: list[str]) -> list[str]:
    """The question's rarest words, as written, that none of the closest sentences holds: what they lack."""
    held = set().union(*(set(tokenize(text)) for text in chosen)) if chosen else set()
    rare = set(query.rare_terms)
    lacking = [t for t in query.terms if t in rare and not covered_term(query, t, held)]
    words = re.findall(r"[A-Za-z][\w'’-]*", query.search_text)
    return [next((w for w in words if tokenize(w) == [t]), t) for t in lacking] + list(query.unknown_words)


def explain(refusal: Refusal, query: Query) -> str:
    """The refusal in words, after "The indexed documents don't answer this."."""
    scope = ", ".join(sorted(query.councils)) or "the question"
    if query.councils and query.kinds:
        scope = f"{scope}'s {' or '.join(sorted(query.kinds))}"
    reason, missing = refusal.reason, refusal.missing
    if reason is Reason.COUNCIL_NOT_INDEXED:
        return f" None of them is about {missing}."
    if reason in (Reason.YEAR_NOT_INDEXED, Reason.KIND_NOT_INDEXED):
        return f" None of those about {', '.join(sorted(query.councils))} is {missing}."
    if reason is Reason.TOPIC_NOT_COVERED and missing:
        return f" None of those about {scope} mentions {missing}."
    if reason is Reason.FIGURE_NOT_GIVEN:
        return f" None of those about the topic gives {missing}."
    if reason is Reason.EVIDENCE_TOO_WEAK:
        return " What they say comes too far from what was asked."
    return ""
