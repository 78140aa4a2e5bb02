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

from .query import Query
from .retrieve import Retrieved
from .sentences import Sentence, has_answer_shape
from .types import Answer, AnsweredSentence, Citation, Passage, markers, quotes_and_numbers


@dataclass
class _Candidate:
    sentence: Sentence
    chunk: Chunk

    @property
    def text(self) -> str:
        return self.sentence.text


def _sources_naming(names: list[str], keyword: KeywordIndex) -> list[set[str]]:
    """For each name (with words to search), the documents that hold every word of it."""
    return [set.intersection(*sets) for name in names if (sets := [keyword.sources_with(t) for t in tokenize(name)])]


def extract(query: Query, retrieved: list[Retrieved], keyword: KeywordIndex,
            scope: np.ndarray | None = None) -> Answer:
    """The best sentences of the first passages, if the best carries the question's central content.
    `scope`: which chunks are of the documents the question is about (Retriever.scope), to tell a topic they
    never mention."""
    nearest = list(dict.fromkeys(r.chunk.title for r in retrieved))[:3]
    refusal = not_covered(query, retrieved, keyword, nearest)
    if refusal is not None:
        return refusal
    if not query.terms:  # nothing asked but what picks the documents: no sentence can be chosen for it
        return _abstain(query.question, retrieved, nearest, "")
    candidates = _candidates(query, retrieved, keyword)
    if query.request is not None and query.request.shape == "quote":
        # A line to paste into a report is a sentence, not a table's row ('Children in care Outstanding').
        sentences = [c for c in candidates if len(c.text.split()) >= tuning.QUOTE_MIN_WORDS
                     and not _JUDGEMENT_ROW.search(c.text)]
        candidates = sentences if any(c.sentence.carries() for c in sentences) else candidates
    absent = _absent_from_scope(query, keyword, scope)
    if absent and not any(c.sentence.similarity >= tuning.ABSENT_SIMILARITY
                          for c in candidates[:tuning.TELLING_CANDIDATES]):
        # The documents the question is about never use its most telling word: they don't say.
        return _abstain(query.question, retrieved, nearest, f" None of those about {_scope_words(query)} "
                        f"mentions {absent}.")
    if not candidates:
        return _abstain(query.question, retrieved, nearest, "")
    if candidates[0].sentence.carries():
        chosen = _chosen(candidates)
    else:
        # Few of the question's words in the best sentence is no evidence that the documents don't say: where
        # the documents asked about use its most telling word, the best sentence that holds it is shown, for
        # the reader to judge against its source.
        telling = _telling_sentence(query, candidates, keyword, scope)
        if telling is None:
            # A word no document holds is most likely what they don't say (or a slip of the keyboard): name it.
            why = f" None of them mentions {', '.join(query.unknown_words)}." if query.unknown_words else ""
            return _abstain(query.question, retrieved, nearest, why)
        chosen = [telling]
    if not chosen:
        return _abstain(query.question, retrieved, nearest, "")
    wanted = _WANTED.get(query.answer_kind)
    if wanted and not any(has_answer_shape(query.answer_kind, _NUMBERED.sub("", c.text), keyword) for c in chosen):
        # 'What percentage …', 'when will …': a sentence on the topic without the figure doesn't answer.
        return _abstain(query.question, retrieved, nearest, f" None of those about the topic gives {wanted}.")
    citations = _citations(chosen, retrieved, keyword)
    grouped = quotes_and_numbers(citations)
    text = "\n".join(f"\u201c{quote}\u201d {markers(numbers)}" for quote, numbers in grouped)
    # Each quote is its own sentence, cited to the sources it was taken from.
    sentences = [AnsweredSentence.quoted(quote, numbers) for quote, numbers in grouped]
    return Answer(query.question, text, False, citations, passages_of(retrieved), nearest_documents=nearest,
                  sentences=sentences)


# A judgement table's row ('The experiences and progress of children in care Outstanding'): a grade at the end
# and no full stop.
_JUDGEMENT_ROW = re.compile(r"\b(?:outstanding|good|inadequate|requires? improvement(?: to be good)?)\s*$", re.I)
# What a question of a kind needs its answer to hold, in words for the reply that says the documents don't.
_WANTED = {"money": "the amount", "share": "the proportion", "number": "the figure", "date": "the date"}
# A paragraph's number ('5. Co-location …') is not a figure it gives.
_NUMBERED = re.compile(r"^\(?\d{1,3}(?:\.\d{1,3})*[.)]\s+")
# The word after 'what' or 'which' says what kind of thing the answer is ('what company', 'which councils'):
# the answer names one, it needn't use the word.
_ASKED_TYPE = re.compile(r"\b(?:what|which)\s+([A-Za-z]+)", re.I)


def _telling_sentence(query: Query, candidates: list[_Candidate], keyword: KeywordIndex,
                      scope: np.ndarray | None) -> _Candidate | None:
    """The best sentence that holds the question's most telling word, when the question names the documents
    it is about (a council) and they hold the word; None otherwise."""
    if scope is None or not query.councils or query.unknown_words:
        return None
    asked_types = {t for m in _ASKED_TYPE.finditer(query.question) for t in tokenize(m.group(1))}
    telling = {t: w for t, w in query.terms.items() if t not in asked_types and keyword.known(t)}
    if not telling:
        return None
    heaviest = max(telling, key=telling.get)
    if not any(_held(keyword, form, scope) for form in [{heaviest}, *query.synonyms.get(heaviest, [])]):
        return None
    for candidate in candidates[:tuning.TELLING_CANDIDATES]:
        tokens = set(tokenize(candidate.text))
        if any(form <= tokens for form in [{heaviest}, *query.synonyms.get(heaviest, [])]) \
                and is_verbatim(candidate.text, candidate.chunk.text):
            return candidate
    return None


def _scope_words(query: Query) -> str:
    what = ", ".join(sorted(query.councils)) or "the question"
    return f"{what}'s {' or '.join(sorted(query.kinds))}" if query.councils and query.kinds else what


def _absent_from_scope(query: Query, keyword: KeywordIndex, scope: np.ndarray | None) -> str | None:
    """The question's words that the documents it is about never use (nor their other forms), when they carry
    most of its weight though other documents hold them: as the question words them; None when the documents
    hold enough of it, or the question points at no council's documents in particular."""
    if scope is None or scope.all() or not query.councils:
        return None
    asked_types = {t for m in _ASKED_TYPE.finditer(query.question) for t in tokenize(m.group(1))}
    telling = {t: w for t, w in query.terms.items() if t not in asked_types and keyword.known(t)}
    total = sum(telling.values())
    if not total:
        return None
    absent = [t for t in telling if not any(_held(keyword, form, scope) for form in [{t}, *query.synonyms.get(t, [])])]
    if sum(telling[t] for t in absent) < tuning.ABSENT_SHARE * total:
        return None
    words = re.findall(r"[A-Za-z][\w'’-]*", query.search_text)
    return ", ".join(next((w for w in words if tokenize(w) == [t]), t) for t in absent)


def _held(keyword: KeywordIndex, form: set[str], scope: np.ndarray) -> bool:
    """Whether a chunk in scope holds every word of a form."""
    holding = [set(keyword.chunks_with(t).tolist()) for t in form]
    common = set.intersection(*holding) if holding else set()
    return bool(common) and bool(scope[list(common)].any())


def not_covered(query: Query, retrieved: list[Retrieved], keyword: KeywordIndex,
                nearest: list[str] | None = None) -> Answer | None:
    """The answer saying why the documents can't answer, when the question itself shows it: a council, year
    or kind of document with no document, a name no document holds."""
    question = query.question
    nearest = nearest if nearest is not None else list(dict.fromkeys(r.chunk.title for r in retrieved))[:3]
    if query.councils_without_documents and not query.councils:
        why = f" None of them is about {', '.join(query.councils_without_documents)}."
        return _abstain(question, [], [], why)
    if query.years_without_documents or query.kinds_without_documents:
        missing = []
        if query.years_without_documents:
            missing.append("from " + " or ".join(map(str, query.years_without_documents)))
        if query.kinds_without_documents:
            missing.append("a " + " or ".join(query.kinds_without_documents))
        why = f" None of those about {', '.join(sorted(query.councils))} is {' or '.join(missing)}."
        return _abstain(question, retrieved, nearest, why)
    unknown = [name for name in query.names if not any(keyword.known(t) for t in tokenize(name))]
    if not retrieved or unknown:
        why = f" None of them mentions {', '.join(unknown)}." if unknown else ""
        return _abstain(question, retrieved, nearest, why)
    return None


def _candidates(query: Query, retrieved: list[Retrieved], keyword: KeywordIndex) -> list[_Candidate]:
    """The sentences of the first passages, best first; a passage about a place or body the question names
    must come from a document naming it."""
    naming = _sources_naming(query.names, keyword)
    candidates = [_Candidate(sentence, item.chunk) for item in retrieved[:tuning.CHUNKS_READ]
                  if not any(item.chunk.source not in sources for sources in naming)
                  for sentence in item.sentences]
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


def _abstain(question: str, retrieved: list[Retrieved], nearest: list[str], why: str) -> Answer:
    text = "The indexed documents don't answer this." + why
    if nearest:
        text += " The nearest documents are: " + "; ".join(nearest) + "."
    return Answer(question, text, True, [], passages_of(retrieved), nearest_documents=nearest)


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
