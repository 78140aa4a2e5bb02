"""How well each sentence of a passage answers a query: the question's words it carries, the question's
meaning (MiniLM, sentence against question), and the kind of answer asked for. Retrieval orders passages
by their best sentence, and the extractive answer quotes the best sentences."""
from __future__ import annotations

import re
from dataclasses import dataclass

import numpy as np

from index import tuning
from index.keyword import KeywordIndex
from index.records import Chunk
from index.text import lines_and_units, tokenize
from index.vocabulary import GRADE_NAMES, MONTHS

from .query import Query

GRADES = re.compile(rf"\b({'|'.join(GRADE_NAMES)})\b", re.I)
_ANSWER_SHAPES = {
    "money": re.compile(r"£\s?\d|\b(?:\d[\d,.]*|one|two|three|four|five|six|seven|eight|nine|ten|half a)\s?"
                        r"(?:million|m|bn|billion|k|thousand|pounds)\b", re.I),
    "share": re.compile(r"\d\s?%|\bper ?cent\b|\b(?:half|a third|two thirds|a quarter|three quarters|a fifth|"
                        r"the majority|a minority)\b", re.I),
    "number": re.compile(r"\d|\b(one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve|\w+teen|twenty|"
                         r"thirty|forty|fifty|sixty|seventy|eighty|ninety|hundred|thousand|dozen|half|third|"
                         r"quarter)\b", re.I),
    "judgement": GRADES,
    # A forename and a surname: 'Sean Tarpey', 'Brenda McLaughlin', 'Jenny-ellen Scotland', "Mary O'Neill".
    "person": re.compile(r"\b([A-Z][a-z]+)(?:-[A-Za-z][a-z]+)? (?:Mc|Mac|O'|D')?[A-Z][A-Za-z'-]+\b"),
    "date": re.compile(rf"\b(19|20)\d\d\b|\b({'|'.join(MONTHS)})\b", re.I),
}


@dataclass
class Sentence:
    text: str
    line: int  # of the chunk's text; sentences of one line are one block
    coverage: float  # share of the question's words (by rarity) it carries, its section heading's included
    similarity: float  # cosine to the question, 0 without sentence vectors
    score: float
    holds_rare: bool = True  # holds each of the question's rare words (Query.rare_terms)

    def carries(self) -> bool:
        """Whether it holds the question's central content: enough of its words, its rare ones among them
        (what sets the question apart: 'air' in 'air quality near schools'), or its meaning."""
        return (self.coverage >= tuning.MIN_COVERAGE and (self.holds_rare or self.coverage >= tuning.STRONG_COVERAGE)) \
            or self.similarity >= tuning.MIN_SIMILARITY


def score_sentences(query: Query, index: int, chunk_share: float, weight: float, keyword: KeywordIndex,
                    vectors: np.ndarray | None = None) -> list[Sentence]:
    """The sentences of chunk `index`, best first. `chunk_share`: its retrieval score as a share of the best
    passage's; `weight`: what steering makes of its document (year, kind, recency); `vectors`: one per
    sentence, in place of the index's."""
    chunk = keyword.chunks[index]
    units = lines_and_units(chunk.text, chunk.headings())
    if vectors is None:
        vectors = sentence_vectors_of(index, keyword, len(units))
    similarities = np.zeros(len(units), dtype=np.float32)
    if query.vector is not None and vectors is not None:
        similarities = vectors @ query.vector
    # A word of the section heading counts as a word of each sentence below it: the heading says what they
    # are about ('Judgement Grade', 'Signed').
    section_tokens = set(tokenize(chunk.section))
    # A rare word may also be in what the whole document is ('Sources'), said once in its title.
    title_tokens = set(tokenize(chunk.title))
    out = []
    for (line, unit), similarity in zip(units, similarities):
        if is_heading(unit, chunk):
            continue
        tokens = tokenize(unit)
        present = set(tokens) | section_tokens
        coverage = covered(query, present) + tuning.PHRASE_CREDIT * phrases(query, tokens)
        score = coverage + tuning.SEMANTIC_WEIGHT * float(similarity) + tuning.CHUNK_CREDIT * chunk_share
        shaped = has_answer_shape(query.answer_kind, unit, keyword)
        if shaped:
            score += tuning.ANSWER_KIND_CREDIT
        elif len(unit.split()) < tuning.SHORT_UNIT_WORDS:  # 'Overall effectiveness Good' says all that was asked
            score -= tuning.SHORT_PENALTY
        out.append(Sentence(unit, line, coverage, float(similarity), score * weight,
                            all(covered_term(query, term, present | title_tokens) for term in query.rare_terms)))
    out.sort(key=lambda s: -s.score)
    return out


def sentence_vectors_of(index: int, keyword: KeywordIndex, units: int) -> np.ndarray | None:
    """The index's vectors of chunk `index`'s `units` sentences (a view of its matrix), if it has them."""
    rows = keyword.sentences_of(index)
    if not keyword.sentence_vectors.shape[1] or rows.stop - rows.start != units:
        return None
    return np.asarray(keyword.sentence_vectors[rows], dtype=np.float32)


def has_answer_shape(kind: str, unit: str, keyword: KeywordIndex) -> bool:
    """Whether a unit holds the kind of thing asked for: a number, a grade, a date, a person's name."""
    pattern = _ANSWER_SHAPES.get(kind)
    if pattern is None:
        return False
    if kind != "person":
        return bool(pattern.search(unit))
    limit = max(tuning.NAME_MIN_PASSAGES, tuning.NAME_WORD_SHARE * len(keyword.chunks))
    forenames = (tokenize(match.group(1)) for match in pattern.finditer(unit))
    return any(forename and all(keyword.document_frequency(t) <= limit for t in forename) for forename in forenames)


def is_heading(unit: str, chunk: Chunk) -> bool:
    """A heading names a topic; it never answers alone: a line without a sentence's ending whose longer
    words are all capitalised ('The Local Safeguarding Children Board (LSCB)'), or a short heading of the
    chunk. Labelled lines ('Lead Peer: Charlotte Ramsden'), a judgement's row ('Overall effectiveness Good')
    and a heading that is a statement ('The overall judgement is that services require improvement') say
    something."""
    stripped = unit.strip()
    if not stripped or stripped[-1] in ".!?:;," or ":" in stripped or GRADES.search(stripped):
        return False
    words = [w for w in re.findall(r"[A-Za-z][A-Za-z'-]*", stripped) if len(w) >= 4]
    if words and len(stripped.split()) <= tuning.HEADING_MAX_WORDS and all(w[0].isupper() for w in words) \
            and not re.search(r"\d", stripped):
        return True
    return stripped in chunk.headings() and len(stripped.split()) < tuning.HEADING_SENTENCE_WORDS


def covered_term(query: Query, term: str, tokens: set[str]) -> bool:
    """Whether a text's words hold a question word or its other form (an acronym's full form, all its words)."""
    return term in tokens or any(form <= tokens for form in query.synonyms.get(term, []))


def covered(query: Query, tokens: set[str]) -> float:
    """The share of the question's weight a text's words carry."""
    found = sum(weight for term, weight in query.terms.items() if covered_term(query, term, tokens))
    total = sum(query.terms.values())
    return found / total if total else 0.0


def phrases(query: Query, tokens: list[str]) -> float:
    """The weight of the question's word pairs that stand together in the text, as a share of the whole."""
    pairs = set(zip(tokens, tokens[1:]))
    terms = list(query.terms)
    found = sum(query.terms[a] + query.terms[b] for a, b in zip(terms, terms[1:]) if (a, b) in pairs)
    total = sum(query.terms.values())
    return found / total if total else 0.0
