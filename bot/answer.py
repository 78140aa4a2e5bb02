"""Extractive answers: the sentences or bullets of the retrieved text that answer the question, quoted word
for word and cited; or, when the documents do not say, a plain statement that they do not."""
from __future__ import annotations

import re
from dataclasses import asdict, dataclass, field

from ingest.document import Chunk
from ingest.keyword import KeywordIndex, tokenize
from ingest.sentences import units_of

from .quotes import is_verbatim
from .retrieve import KIND_WORDS, Retrieved

MAX_QUOTES = 3
CHUNKS_READ = 6
# Below this share of the question's meaning (by word rarity) found in one passage, the documents don't say.
MIN_COVERAGE = 0.34
_YEAR = re.compile(r"(?<!\d)(?:19|20)\d\d(?!\d)")


@dataclass
class Citation:
    n: int
    source: str
    title: str
    page: int | None
    section: str
    council: str | None
    date: str | None
    quote: str


@dataclass
class Answer:
    question: str
    answer: str
    abstained: bool
    citations: list[Citation]
    retrieved: list[dict]
    timings_ms: dict = field(default_factory=dict)
    nearest_documents: list[str] = field(default_factory=list)

    def to_dict(self) -> dict:
        return asdict(self)


@dataclass
class _Candidate:
    text: str
    chunk: Chunk
    rank: int
    coverage: float
    score: float


def _question_terms(question: str, steering_words: set[str]) -> list[str]:
    terms = []
    for token in tokenize(question):
        if token not in steering_words and token not in terms:
            terms.append(token)
    return terms


def _steering_words(question: str, council_keys: set[str]) -> set[str]:
    """Words that pick documents (council, year, kind of document) rather than say what is asked."""
    words = set(tokenize(" ".join(council_keys)))
    words |= set(_YEAR.findall(question))
    lowered = question.lower()
    for pattern, _ in KIND_WORDS:
        for match in re.finditer(pattern, lowered):
            words |= set(tokenize(match.group(0)))
    return words


def unknown_names(question: str, keyword: KeywordIndex) -> list[str]:
    """Capitalised words of the question that no indexed document contains: 'Birmingham', 'France'."""
    names = []
    for match in re.finditer(r"(?<![.?!]\s)(?<!^)\b([A-Z][a-z]{2,})\b", question):
        tokens = tokenize(match.group(1))
        if tokens and not any(keyword.known(t) for t in tokens):
            names.append(match.group(1))
    return names


def extract(question: str, retrieved: list[Retrieved], keyword: KeywordIndex, council_keys: set[str]) -> Answer:
    expanded_terms = _question_terms(question, _steering_words(question, council_keys))
    nearest = list(dict.fromkeys(r.chunk.title for r in retrieved))[:3]
    unknown = unknown_names(question, keyword)
    if not retrieved or not expanded_terms or unknown:
        why = f" None of them mentions {', '.join(unknown)}." if unknown else ""
        return _abstain(question, retrieved, nearest, why)

    weights = {t: keyword.idf(t) for t in expanded_terms}
    # An acronym's other form counts as the same word.
    synonyms = _synonym_terms(question, keyword)
    total = sum(weights.values())
    top_score = retrieved[0].score or 1.0
    candidates: list[_Candidate] = []
    for rank, item in enumerate(retrieved[:CHUNKS_READ]):
        for unit in units_of(item.chunk.text):
            tokens = set(tokenize(unit))
            found = sum(w for t, w in weights.items() if t in tokens or synonyms.get(t, set()) & tokens)
            coverage = found / total if total else 0.0
            words = len(unit.split())
            score = coverage + 0.25 * (item.score / top_score) - (0.15 if words < 4 else 0.0)
            candidates.append(_Candidate(unit, item.chunk, rank, coverage, score))
    candidates.sort(key=lambda c: -c.score)
    if not candidates or candidates[0].coverage < MIN_COVERAGE:
        return _abstain(question, retrieved, nearest, "")

    chosen: list[_Candidate] = []
    for candidate in candidates:
        if len(chosen) == MAX_QUOTES:
            break
        if chosen and (candidate.score < 0.8 * chosen[0].score or candidate.coverage < MIN_COVERAGE):
            break
        if any(candidate.text == c.text for c in chosen):
            continue
        # The code, not the ranking, has the last word on what may be shown as a quote.
        if not is_verbatim(candidate.text, candidate.chunk.text):
            continue
        chosen.append(candidate)
    if not chosen:
        return _abstain(question, retrieved, nearest, "")

    citations = [
        Citation(n=i, source=c.chunk.source, title=c.chunk.title, page=c.chunk.page, section=c.chunk.section,
                 council=c.chunk.council, date=c.chunk.date, quote=c.text)
        for i, c in enumerate(chosen, start=1)
    ]
    text = "\n".join(f"\u201c{c.quote}\u201d [{c.n}]" for c in citations)
    return Answer(question, text, False, citations, _retrieved_view(retrieved), nearest_documents=nearest)


def _synonym_terms(question: str, keyword: KeywordIndex) -> dict[str, set[str]]:
    """For each question word that is an acronym or part of a full form, the words of the other form."""
    synonyms: dict[str, set[str]] = {}
    lowered = question.lower()
    for acronym, full in keyword.acronyms.items():
        acronym_tokens = tokenize(acronym)
        full_tokens = set(tokenize(full))
        if re.search(rf"\b{re.escape(acronym)}(?:['’]?s)?\b", question):
            for t in acronym_tokens:
                synonyms.setdefault(t, set()).update(full_tokens)
        elif full in lowered:
            for t in full_tokens:
                synonyms.setdefault(t, set()).update(acronym_tokens)
    return synonyms


def _abstain(question: str, retrieved: list[Retrieved], nearest: list[str], why: str) -> Answer:
    text = "The indexed documents don't answer this." + why
    if nearest:
        text += " The nearest documents are: " + "; ".join(nearest) + "."
    return Answer(question, text, True, [], _retrieved_view(retrieved), nearest_documents=nearest)


def _retrieved_view(retrieved: list[Retrieved]) -> list[dict]:
    return [{"source": r.chunk.source, "page": r.chunk.page, "section": r.chunk.section, "text": r.chunk.text,
             "title": r.chunk.title, "council": r.chunk.council, "date": r.chunk.date,
             "score": round(r.score, 5)} for r in retrieved]
