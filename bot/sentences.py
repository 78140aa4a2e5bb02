"""How well each sentence of a passage answers a query: the question's words it carries, the question's
meaning (MiniLM, sentence against question), and the kind of answer asked for. Retrieval orders passages
by their best sentence, and the extractive answer quotes the best sentences."""
from __future__ import annotations

import re
from dataclasses import dataclass

import numpy as np

from ingest.document import Chunk
from ingest.keyword import KeywordIndex
from ingest.text import lines_and_units, tokenize

from .query import GRADE_NAMES, Query

# How much a passage's retrieval score counts beside how well a sentence of it answers.
CHUNK_CREDIT = 0.5
# Credit for the question's words standing together in the sentence as in the question ('lead peer').
PHRASE_CREDIT = 0.3
# How much a sentence's similarity in meaning to the question counts beside its share of the question's words.
SEMANTIC_WEIGHT = 1.0
# Credit for a sentence holding the kind of thing asked for (a number for 'how many', a grade for a judgement).
ANSWER_KIND_CREDIT = 0.15
# A unit of under four words says too little to quote alone, unless it is what was asked for.
SHORT_PENALTY = 0.15
# A sentence carries the question's central content when it holds this share of its words (by rarity)…
MIN_COVERAGE = 0.4
# …or, in other words, is this similar to it in meaning (cosine of MiniLM vectors).
MIN_SIMILARITY = 0.6

GRADES = re.compile(rf"\b({'|'.join(GRADE_NAMES)})\b", re.I)
_ANSWER_SHAPES = {
    "number": re.compile(r"\d|\b(one|two|three|four|five|six|seven|eight|nine|ten|twenty|thirty|forty|fifty|"
                         r"hundred|half|third|quarter)\b", re.I),
    "judgement": GRADES,
    "person": re.compile(r"\b[A-Z][a-z]+ [A-Z][a-z'-]+\b"),
    "date": re.compile(r"\b(19|20)\d\d\b|\b(january|february|march|april|may|june|july|august|september|october|"
                       r"november|december)\b", re.I),
}


@dataclass
class Sentence:
    text: str
    line: int  # of the chunk's text; sentences of one line are one block
    coverage: float  # share of the question's words (by rarity) it carries, its section heading's included
    similarity: float  # cosine to the question, 0 without sentence vectors
    score: float

    def carries(self) -> bool:
        """Whether it holds the question's central content, in its words or in its meaning."""
        return self.coverage >= MIN_COVERAGE or self.similarity >= MIN_SIMILARITY


def score_sentences(query: Query, index: int, chunk_share: float, weight: float,
                    keyword: KeywordIndex) -> list[Sentence]:
    """The sentences of chunk `index`, best first. `chunk_share`: its retrieval score as a share of the best
    passage's; `weight`: what steering makes of its document (year, kind, recency)."""
    chunk = keyword.chunks[index]
    units = lines_and_units(chunk.text, chunk.headings())
    rows = keyword.sentences_of(index)
    similarities = np.zeros(len(units), dtype=np.float32)
    if query.vector is not None and keyword.sentence_vectors.shape[1] and rows.stop - rows.start == len(units):
        similarities = np.asarray(keyword.sentence_vectors[rows]) @ query.vector
    # A word of the section heading counts as a word of each sentence below it: the heading says what they
    # are about ('Judgement Grade', 'Signed').
    section_tokens = set(tokenize(chunk.section))
    out = []
    for (line, unit), similarity in zip(units, similarities):
        if is_heading(unit, chunk):
            continue
        tokens = tokenize(unit)
        coverage = covered(query, set(tokens) | section_tokens) + PHRASE_CREDIT * phrases(query, tokens)
        score = coverage + SEMANTIC_WEIGHT * float(similarity) + CHUNK_CREDIT * chunk_share
        shaped = query.answer_kind in _ANSWER_SHAPES and bool(_ANSWER_SHAPES[query.answer_kind].search(unit))
        if shaped:
            score += ANSWER_KIND_CREDIT
        elif len(unit.split()) < 4:  # 'Overall effectiveness Good' is short and says all that was asked
            score -= SHORT_PENALTY
        out.append(Sentence(unit, line, coverage, float(similarity), score * weight))
    out.sort(key=lambda s: -s.score)
    return out


def is_heading(unit: str, chunk: Chunk) -> bool:
    """A heading names a topic; it never answers alone. A line without a sentence's ending whose longer
    words are all capitalised ('The Local Safeguarding Children Board (LSCB)'), or one of the chunk's own
    headings. Labelled lines ('Lead Peer: Charlotte Ramsden'), statements, and a judgement's row ('Overall
    Effectiveness Good') are not headings."""
    stripped = unit.strip()
    if not stripped or stripped[-1] in ".!?:;," or ":" in stripped:
        return False
    if stripped in chunk.headings():
        return True
    words = [w for w in re.findall(r"[A-Za-z][A-Za-z'-]*", stripped) if len(w) >= 4]
    return bool(words) and len(stripped.split()) <= 12 and all(w[0].isupper() for w in words) \
        and not GRADES.search(stripped) and not re.search(r"\d", stripped)


def covered(query: Query, tokens: set[str]) -> float:
    """The share of the question's weight a text's words carry; an acronym's full form counts when all of
    its words are there."""
    found = sum(weight for term, weight in query.terms.items()
                if term in tokens or any(form <= tokens for form in query.synonyms.get(term, [])))
    total = sum(query.terms.values())
    return found / total if total else 0.0


def phrases(query: Query, tokens: list[str]) -> float:
    """The weight of the question's word pairs that stand together in the text, as a share of the whole."""
    pairs = set(zip(tokens, tokens[1:]))
    terms = list(query.terms)
    found = sum(query.terms[a] + query.terms[b] for a, b in zip(terms, terms[1:]) if (a, b) in pairs)
    total = sum(query.terms.values())
    return found / total if total else 0.0
