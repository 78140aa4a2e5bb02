"""Extractive answers: the sentences or bullets of the retrieved text that answer the question, quoted word
for word and cited; or, when the documents do not say, a plain statement that they do not."""
from __future__ import annotations

import re
from dataclasses import dataclass, replace

import numpy as np

from index import tuning
from index.keyword import KeywordIndex
from index.records import Chunk
from index.text import is_verbatim, lines_and_units, tokenize

from . import abstention
from .query import Query
from .retrieve import Retrieved
from .sentences import Sentence
from .types import Answer, AnsweredSentence, Citation, Evidence, Passage, Reason, Refusal, markers, quotes_and_numbers


@dataclass
class _Candidate:
    sentence: Sentence
    chunk: Chunk

    @property
    def text(self) -> str:
        return self.sentence.text


def _sources_naming(names: list[str], keyword: KeywordIndex) -> list[set[str]]:
    """For each name (with words to search) that some document holds, the documents that hold every word of it or
    of its full form ('LSCB', 'Local Safeguarding Children Board'): a name no document holds ('UASC' where the
    reports spell it out, a slip) says nothing of where the answer is."""
    found = []
    for name in names:
        holding: set[str] = set()
        for form in (name, keyword.acronyms.get(name, "")):
            sets = [keyword.sources_with(t) for t in tokenize(form)]
            holding |= set.intersection(*sets) if sets else set()
        if holding:
            found.append(holding)
    return found


def extract(query: Query, retrieved: list[Retrieved], keyword: KeywordIndex,
            scope: np.ndarray | None = None) -> Answer:
    """The best sentences of the first passages, or a refusal that says what the documents lack and shows the
    closest they come (abstention.py decides which). `scope`: which chunks are of the documents the question is
    about (Retriever.scope)."""
    nearest = list(dict.fromkeys(r.chunk.title for r in retrieved))[:3]
    refusal = not_covered(query, retrieved, keyword, nearest)
    if refusal is not None:
        return refusal
    if not query.terms:  # nothing asked but what picks the documents: no sentence can be chosen for it
        return _abstain(query, Refusal(Reason.EVIDENCE_TOO_WEAK), retrieved, nearest)
    candidates = _candidates(query, retrieved, keyword)
    if query.request is not None and query.request.shape == "quote":
        # A line to paste into a report is a sentence, not a table's row ('Children in care Outstanding').
        sentences = [c for c in candidates if len(c.text.split()) >= tuning.QUOTE_MIN_WORDS
                     and not _JUDGEMENT_ROW.search(c.text)]
        candidates = sentences if any(c.sentence.carries() for c in sentences) else candidates
    if not candidates:
        return _abstain(query, Refusal(Reason.NO_DOCUMENTS), retrieved, nearest)
    absent = abstention.absent_terms(query, keyword, scope)
    if candidates[0].sentence.carries():
        chosen = _chosen(candidates)
    else:
        # Few of the question's words in the best sentence is no evidence that the documents don't say: where
        # the documents asked about use its most telling word, the best sentence that holds it is shown, for
        # the reader to judge against its source.
        telling = _telling_sentence(query, candidates, keyword, scope, absent)
        chosen = [telling] if telling is not None else _chosen(candidates)[:1]
    evidence = abstention.weigh(query, [c.sentence for c in candidates[:tuning.TELLING_CANDIDATES]],
                                absent, chosen[0].sentence if chosen else None,
                                measured=query.vector is not None and keyword.sentence_vectors.shape[1] > 0)
    refused = abstention.decide(query, evidence, [c.text for c in chosen], keyword) if chosen \
        else Refusal(Reason.EVIDENCE_TOO_WEAK)
    if refused is not None:
        return _abstain(query, refused, retrieved, nearest, (chosen or candidates)[:1], keyword, evidence)
    citations = _citations(chosen, retrieved, keyword)
    grouped = quotes_and_numbers(citations)
    text = "\n".join(f"\u201c{quote}\u201d {markers(numbers)}" for quote, numbers in grouped)
    # Each quote is its own sentence, cited to the sources it was taken from.
    sentences = [AnsweredSentence.quoted(quote, numbers) for quote, numbers in grouped]
    return Answer(query.question, text, False, citations, passages_of(retrieved), nearest_documents=nearest,
                  sentences=sentences, evidence=evidence)


# A judgement table's row ('The experiences and progress of children in care Outstanding'): a grade at the end
# and no full stop.
_JUDGEMENT_ROW = re.compile(r"\b(?:outstanding|good|inadequate|requires? improvement(?: to be good)?)\s*$", re.I)
# The word after 'what' or 'which' says what kind of thing the answer is ('what company', 'which councils'):
# the answer names one, it needn't use the word.
_ASKED_TYPE = re.compile(r"\b(?:what|which)\s+([A-Za-z]+)", re.I)


def _telling_sentence(query: Query, candidates: list[_Candidate], keyword: KeywordIndex,
                      scope: np.ndarray | None, absent: set[str]) -> _Candidate | None:
    """The best sentence that holds the question's most telling word, when the question names the documents
    it is about (a council) and they hold the word (it is not among the `absent`, abstention.absent_terms);
    None otherwise."""
    if scope is None or not query.councils:
        return None
    asked_types = {t for m in _ASKED_TYPE.finditer(query.question) for t in tokenize(m.group(1))}
    telling = {t: w for t, w in query.terms.items() if t not in asked_types and keyword.known(t)}
    if not telling:
        return None
    heaviest = max(telling, key=telling.get)
    if heaviest in absent:
        return None
    for candidate in candidates[:tuning.TELLING_CANDIDATES]:
        tokens = set(tokenize(candidate.text))
        if any(form <= tokens for form in [{heaviest}, *query.synonyms.get(heaviest, [])]) \
                and is_verbatim(candidate.text, candidate.chunk.text):
            return candidate
    return None


def not_covered(query: Query, retrieved: list[Retrieved], keyword: KeywordIndex,
                nearest: list[str] | None = None) -> Answer | None:
    """The refusal the question itself shows, whatever the route: a council, a report's year or a kind of
    document it names that the index has none of; or nothing retrieved at all."""
    nearest = nearest if nearest is not None else list(dict.fromkeys(r.chunk.title for r in retrieved))[:3]
    refusal = abstention.from_catalog(query)
    if refusal is not None:
        shown = [] if refusal.reason is Reason.COUNCIL_NOT_INDEXED else retrieved
        return _abstain(query, refusal, shown, nearest if shown else [])
    if not retrieved:
        return _abstain(query, Refusal(Reason.NO_DOCUMENTS), [], [])
    return None


def _candidates(query: Query, retrieved: list[Retrieved], keyword: KeywordIndex) -> list[_Candidate]:
    """The sentences of the first passages, best first; a passage about a place or body the question names
    must come from a document naming it."""
    naming = _sources_naming(query.names, keyword)
    read = retrieved[:tuning.CHUNKS_READ]
    named = [item for item in read if not any(item.chunk.source not in sources for sources in naming)]
    # A body named in a second question of the message ('… and the LADO side?') that no passage here names does
    # not empty the first's answer.
    candidates = [_Candidate(sentence, item.chunk) for item in named or read for sentence in item.sentences]
    candidates.sort(key=lambda c: -c.sentence.score)
    return candidates


def _chosen(candidates: list[_Candidate]) -> list[_Candidate]:
    """The quotes: the best sentence, those nearly as good after it, or a lead-in with its list; each word for
    word in its passage."""
    chosen: list[_Candidate] = []
    for candidate in candidates:
        if len(chosen) == tuning.MAX_QUOTES:
            break
        if chosen and (candidate.sentence.score < tuning.NEXT_QUOTE_SHARE * chosen[0].sentence.score
                       or not candidate.sentence.carries()):
            break
        if any(candidate.text == c.text for c in chosen):
            continue
        chosen.append(candidate)
    if chosen[0].text.endswith(":"):
        chosen = [chosen[0]] + _list_after(chosen[0])
    # The code, not the ranking, has the last word on what may be shown as a quote.
    return [c for c in chosen if is_verbatim(c.text, c.chunk.text)]


def _citations(chosen: list[_Candidate], retrieved: list[Retrieved], keyword: KeywordIndex) -> list[Citation]:
    """A citation for each document that holds each quote: the same words in several documents (a council's
    own copy of a report and a national collection's, a summary and the letter that repeats it) are cited in
    each, so they are found under any of their names."""
    others = [item.chunk for item in retrieved[:tuning.CHUNKS_READ]]
    quoted = []
    for c in chosen:
        holders = {}
        for chunk in [c.chunk, *keyword.twins(c.chunk), *others]:
            if chunk.source not in holders and is_verbatim(c.text, chunk.text):
                holders[chunk.source] = chunk
        quoted.extend((c.text, chunk) for chunk in holders.values())
    return [Citation.from_chunk(i, chunk, quote) for i, (quote, chunk) in enumerate(quoted, start=1)]


def cited_with_twins(quote: str, chunk: Chunk, keyword: KeywordIndex, first: int) -> list[Citation]:
    """The quote cited in its document and in each identical copy of it (a council's own copy of a report and
    a national collection's), numbered from `first`: found under either name."""
    holders = [chunk, *(twin for twin in keyword.twins(chunk) if is_verbatim(quote, twin.text))]
    return [Citation.from_chunk(first + i, holder, quote) for i, holder in enumerate(holders)]


def quoted_bullet(quote: str, chunk: Chunk, keyword: KeywordIndex, citations: list[Citation],
                  page: int | None = None) -> tuple[str, AnsweredSentence]:
    """A bullet quoting `quote` with its markers, its citations (every identical copy, numbered on from
    `citations`, at `page` where given) added to `citations`."""
    cited = cited_with_twins(quote, chunk, keyword, len(citations) + 1)
    for citation in cited:
        if page is not None:
            citation.page = page
    citations += cited
    numbers = [c.n for c in cited]
    return f"\u2022 \u201c{quote}\u201d {markers(numbers)}", AnsweredSentence.quoted(quote, numbers)


def _list_after(lead_in: _Candidate) -> list[_Candidate]:
    """The items that follow a lead-in such as 'the team identified the following four priorities:'."""
    items: list[_Candidate] = []
    for line, unit in lines_and_units(lead_in.chunk.text, lead_in.chunk.headings()):
        if line > lead_in.sentence.line and len(items) < tuning.MAX_LIST_ITEMS:
            if items and line == items[-1].sentence.line:
                continue  # one quote for each item: its first sentence
            items.append(_Candidate(replace(lead_in.sentence, text=unit, line=line), lead_in.chunk))
    return items


def _abstain(query: Query, refusal: Refusal, retrieved: list[Retrieved], nearest: list[str],
             closest: list[_Candidate] | None = None, keyword: KeywordIndex | None = None,
             evidence: Evidence | None = None) -> Answer:
    """A refusal that says what the documents lack and, where a sentence came near, shows it, cited and marked
    as not an answer: the reader may still find it useful, or see why it is not."""
    text = "The indexed documents don't answer this." + abstention.explain(refusal, query)
    citations: list[Citation] = []
    if closest and keyword is not None:
        citations = cited_with_twins(closest[0].text, closest[0].chunk, keyword, 1)
        text += f" Closest: \u201c{closest[0].text}\u201d {markers([c.n for c in citations])}"
    if nearest:
        text += " The nearest documents are: " + "; ".join(nearest) + "."
    return Answer(query.question, text, True, citations, passages_of(retrieved), nearest_documents=nearest,
                  refusal=refusal, evidence=evidence)


def passages_of(retrieved: list[Retrieved]) -> list[Passage]:
    return [r.passage() for r in retrieved]


def passages_quoted_first(chunks: list[Chunk], retrieved: list[Retrieved]) -> list[Passage]:
    """The passages an answer quotes, in the order it quotes them, then the others retrieved: what a reader
    checking the answer wants to see first."""
    scores = {r.chunk.id: r.score for r in retrieved}
    quoted = list({c.id: c for c in chunks}.values())
    ids = {c.id for c in quoted}
    return [Passage.from_chunk(c, scores.get(c.id, 0.0)) for c in quoted] + \
        [r.passage() for r in retrieved if r.chunk.id not in ids]
