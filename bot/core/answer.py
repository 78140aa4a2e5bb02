"""Extractive answers: the sentences or bullets of the retrieved text that answer the question, quoted word
for word and cited; or, when the documents do not say, a plain statement that they do not."""
from __future__ import annotations

from dataclasses import dataclass, replace

from index import tuning
from index.keyword import KeywordIndex
from index.records import Chunk
from index.text import is_verbatim, lines_and_units, tokenize

from .query import Query
from .retrieve import Retrieved
from .sentences import Sentence
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


def extract(query: Query, retrieved: list[Retrieved], keyword: KeywordIndex) -> Answer:
    """The best sentences of the first passages, if the best carries the question's central content."""
    nearest = list(dict.fromkeys(r.chunk.title for r in retrieved))[:3]
    refusal = _not_covered(query, retrieved, keyword, nearest)
    if refusal is not None:
        return refusal
    candidates = _candidates(query, retrieved, keyword)
    if not candidates or not candidates[0].sentence.carries():
        # A word no document holds is most likely what they don't say (or a slip of the keyboard): name it.
        why = f" None of them mentions {', '.join(query.unknown_words)}." if query.unknown_words else ""
        return _abstain(query.question, retrieved, nearest, why)
    chosen = _chosen(candidates)
    if not chosen:
        return _abstain(query.question, retrieved, nearest, "")
    citations = _citations(chosen, retrieved, keyword)
    grouped = quotes_and_numbers(citations)
    text = "\n".join(f"\u201c{quote}\u201d {markers(numbers)}" for quote, numbers in grouped)
    # Each quote is its own sentence, cited to the sources it was taken from.
    sentences = [AnsweredSentence.quoted(quote, numbers) for quote, numbers in grouped]
    return Answer(query.question, text, False, citations, passages_of(retrieved), nearest_documents=nearest,
                  sentences=sentences)


def _not_covered(query: Query, retrieved: list[Retrieved], keyword: KeywordIndex,
                 nearest: list[str]) -> Answer | None:
    """The answer saying why the documents can't answer, when the question itself shows it: a council, year
    or kind of document with no document, a name no document holds."""
    question = query.question
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
    if not retrieved or not query.terms or unknown:
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
