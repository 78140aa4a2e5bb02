"""Extractive answers: the sentences or bullets of the retrieved text that answer the question, quoted word
for word and cited; or, when the documents do not say, a plain statement that they do not."""
from __future__ import annotations

import re
from dataclasses import asdict, dataclass, field

from ingest.document import Chunk
from ingest.keyword import KeywordIndex
from ingest.metadata import MONTHS
from ingest.text import acronyms_in, full_forms_in, is_verbatim, lines_and_units, tokenize
from .retrieve import LATEST, YEAR, Retrieved

MAX_QUOTES = 3
MAX_LIST_ITEMS = 6
CHUNKS_READ = 6
# How much a passage's retrieval score counts beside how much of the question a sentence covers.
CHUNK_CREDIT = 0.5
FOCUS_WEIGHT = 2.0
PHRASE_CREDIT = 0.3
# Below this share of the question's meaning (by word rarity) found in one passage, the documents don't say.
MIN_COVERAGE = 0.4
# Words that name the document a question is about ('what did the peer review say…'), not what it asks.
_DOCUMENT_WORDS = re.compile(r"\bpeer reviews?\b|\breviews?\b|\binspections?\b|\breports?\b|\bletters?\b|"
                             r"\bbriefing(?: note)?\b|\bofsted\b", re.I)


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
    mode: str = "extractive"  # or "llm"
    checks: dict = field(default_factory=dict)  # for LLM answers: which checks passed, and any fallback
    sentences: list[dict] = field(default_factory=list)  # each sentence with its citations and their support

    def to_dict(self) -> dict:
        return asdict(self)


@dataclass
class _Candidate:
    text: str
    chunk: Chunk
    rank: int
    coverage: float
    score: float
    line: int


def _question_terms(question: str, steering_words: set[str]) -> list[str]:
    terms = []
    for token in tokenize(question):
        if token not in steering_words and token not in terms:
            terms.append(token)
    return terms


def _steering_words(question: str, council_keys: set[str]) -> set[str]:
    """Words that pick documents (council, date) rather than say what is asked: the answer need not repeat
    them. Kinds of document ('review', 'peer') stay: 'lead peer' is asked about, not steered by."""
    words = set(tokenize(" ".join(council_keys))) | set(tokenize(" ".join(MONTHS)))
    words |= set(YEAR.findall(question))
    # 'the latest inspection': recency picks the report, the answer needn't say "latest".
    for match in [*_DOCUMENT_WORDS.finditer(question), *LATEST.finditer(question)]:
        words |= set(tokenize(match.group(0)))
    return words


def _focus(question: str, terms: list[str]) -> str | None:
    """The word a who-question turns on: 'signed' in 'Who signed the letter…', 'lead' in 'Who was the lead peer…'."""
    match = re.match(r"\s*who\b(.*)", question, re.I)
    if not match:
        return None
    for token in tokenize(match.group(1)):
        if token in terms:
            return token
    return None


def _names(question: str) -> list[str]:
    """Capitalised words inside the question ('Birmingham', 'France'), less months and the first word."""
    names = []
    for match in re.finditer(r"\b([A-Z][a-zA-Z]{2,})\b", question):
        if match.start() == 0 or match.group(1).lower() in MONTHS:
            continue
        names.append(match.group(1))
    return names


def _sources_naming(names: list[str], keyword: KeywordIndex) -> list[set[str]]:
    """For each name (with words to search), the documents that hold every word of it."""
    return [set.intersection(*sets) for name in names if (sets := [keyword.sources_with(t) for t in tokenize(name)])]


def extract(question: str, retrieved: list[Retrieved], keyword: KeywordIndex, council_keys: set[str],
            preference=None, councils_without_documents: list[str] = ()) -> Answer:
    """`preference` weighs a chunk by what the question names (its year, kind of document, recency).
    `councils_without_documents`: councils the question names of which no document is indexed."""
    terms = _question_terms(question, _steering_words(question, council_keys))
    nearest = list(dict.fromkeys(r.chunk.title for r in retrieved))[:3]
    if councils_without_documents and not council_keys:
        why = f" None of them is about {', '.join(councils_without_documents)}."
        return _abstain(question, [], [], why)
    names = _names(question)
    unknown = [name for name in names if not any(keyword.known(t) for t in tokenize(name))]
    if not retrieved or not terms or unknown:
        why = f" None of them mentions {', '.join(unknown)}." if unknown else ""
        return _abstain(question, retrieved, nearest, why)

    naming = _sources_naming(names, keyword)
    weights = {t: keyword.idf(t) for t in terms}
    focus = _focus(question, terms)
    if focus:
        weights[focus] *= FOCUS_WEIGHT
    synonyms = _synonym_terms(question, keyword)  # an acronym's other form counts as the same word
    top_score = retrieved[0].score or 1.0
    candidates: list[_Candidate] = []
    for rank, item in enumerate(retrieved[:CHUNKS_READ]):
        chunk = item.chunk
        # A passage about a place or body the question names must come from a document that names it.
        if any(chunk.source not in sources for sources in naming):
            continue
        # A word of the section heading counts as a word of each sentence below it: the heading says what
        # they are about ('Judgement Grade', 'Signed').
        section_tokens = set(tokenize(chunk.section))
        for line, unit in lines_and_units(chunk.text, chunk.headings()):
            unit_tokens = tokenize(unit)
            coverage = _covered(weights, synonyms, set(unit_tokens) | section_tokens) \
                + PHRASE_CREDIT * _phrases(terms, weights, unit_tokens)
            score = coverage + CHUNK_CREDIT * (item.score / top_score) - (0.15 if len(unit.split()) < 4 else 0.0)
            if preference is not None:
                score *= preference(chunk)
            candidates.append(_Candidate(unit, chunk, rank, coverage, score, line))
    candidates.sort(key=lambda c: -c.score)
    retrieved = _reranked(retrieved, candidates)
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
        chosen.append(candidate)
    if chosen[0].text.endswith(":"):
        chosen = [chosen[0]] + _list_after(chosen[0])
    # The code, not the ranking, has the last word on what may be shown as a quote.
    chosen = [c for c in chosen if is_verbatim(c.text, c.chunk.text)]
    if not chosen:
        return _abstain(question, retrieved, nearest, "")

    # The same file kept in two places (a council's own copy of a report and a national collection's) is
    # one document: the quote is cited in both, so it is found under either name.
    quoted = [(c.text, chunk) for c in chosen for chunk in [c.chunk, *keyword.twins(c.chunk)]
              if is_verbatim(c.text, chunk.text)]
    citations = [
        Citation(n=i, source=chunk.source, title=chunk.title, page=chunk.page, section=chunk.section,
                 council=chunk.council, date=chunk.date, quote=quote)
        for i, (quote, chunk) in enumerate(quoted, start=1)
    ]
    text = "\n".join(f"\u201c{c.quote}\u201d [{c.n}]" for c in citations)
    # Each quote is its own sentence, cited to the source it was taken from.
    sentences = [{"text": c.quote, "citations": [c.n], "supported": [c.n], "problems": []} for c in citations]
    return Answer(question, text, False, citations, retrieved_view(retrieved), nearest_documents=nearest,
                  sentences=sentences)


def _reranked(retrieved: list[Retrieved], candidates: list[_Candidate]) -> list[Retrieved]:
    """The chunks read, in the order of their best sentence: a second, finer ranking of the first few."""
    best: dict[int, float] = {}
    for candidate in candidates:
        best.setdefault(candidate.rank, candidate.score)
    head = sorted(range(min(CHUNKS_READ, len(retrieved))), key=lambda rank: -best.get(rank, -1.0))
    return [retrieved[rank] for rank in head] + retrieved[CHUNKS_READ:]


def _covered(weights: dict[str, float], synonyms: dict[str, list[set[str]]], tokens: set[str]) -> float:
    """The share of the question's weight a text's words carry; an acronym's full form counts when all of
    its words are there."""
    found = sum(weight for term, weight in weights.items()
                if term in tokens or any(form <= tokens for form in synonyms.get(term, [])))
    total = sum(weights.values())
    return found / total if total else 0.0


def _phrases(terms: list[str], weights: dict[str, float], tokens: list[str]) -> float:
    """Credit for the question's words standing together in the text as they do in the question ('lead peer')."""
    pairs = set(zip(tokens, tokens[1:]))
    found = sum(weights[a] + weights[b] for a, b in zip(terms, terms[1:]) if (a, b) in pairs)
    total = sum(weights.values())
    return found / total if total else 0.0


def _list_after(lead_in: _Candidate) -> list[_Candidate]:
    """The items that follow a lead-in such as 'the team identified the following four priorities:'."""
    items = []
    for line, unit in lines_and_units(lead_in.chunk.text, lead_in.chunk.headings()):
        if line > lead_in.line and len(items) < MAX_LIST_ITEMS:
            if items and line == items[-1].line:
                continue  # one quote for each item: its first sentence
            items.append(_Candidate(unit, lead_in.chunk, lead_in.rank, lead_in.coverage, lead_in.score, line))
    return items


def _synonym_terms(question: str, keyword: KeywordIndex) -> dict[str, list[set[str]]]:
    """For each question word that is an acronym or part of a full form, the words of the other form."""
    synonyms: dict[str, list[set[str]]] = {}
    used = acronyms_in(question, keyword.acronyms)
    spelled = [a for a in full_forms_in(question, keyword.acronyms) if a not in used]
    for acronym, is_used in [*((a, True) for a in used), *((a, False) for a in spelled)]:
        acronym_tokens = set(tokenize(acronym))
        full_tokens = set(tokenize(keyword.acronyms[acronym]))
        if not acronym_tokens or not full_tokens:
            continue
        for t in acronym_tokens if is_used else full_tokens:
            synonyms.setdefault(t, []).append(full_tokens if is_used else acronym_tokens)
    return synonyms


def _abstain(question: str, retrieved: list[Retrieved], nearest: list[str], why: str) -> Answer:
    text = "The indexed documents don't answer this." + why
    if nearest:
        text += " The nearest documents are: " + "; ".join(nearest) + "."
    return Answer(question, text, True, [], retrieved_view(retrieved), nearest_documents=nearest)


def retrieved_view(retrieved: list[Retrieved]) -> list[dict]:
    return [{"source": r.chunk.source, "page": r.chunk.page, "section": r.chunk.section, "text": r.chunk.text,
             "title": r.chunk.title, "council": r.chunk.council, "date": r.chunk.date,
             "score": round(r.score, 5)} for r in retrieved]
