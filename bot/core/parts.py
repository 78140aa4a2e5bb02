"""A message that asks two or three things ('Kirklees 2016: what % were agency? and were staff supervised?',
'how did they do overall, and which bit was still RI?') is answered a part at a time, each part knowing the
council, year and kind of document the whole names, and the answers put together under one numbering."""
from __future__ import annotations

import re
from dataclasses import replace

from index.vocabulary import YEAR

from .catalog import Catalog
from .query import KIND_WORDS
from .types import Answer, AnsweredSentence, Citation, Timings

# A second question starts with a question word or an auxiliary verb (a closed class of English), after a question
# mark, ' + ', a semicolon, or a comma or 'and' before it.
_ASKING = r"(?:what(?:['’]s)?|how|when|why|who|which|where|is|are|was|were|did|does|do|has|have|had|can|could|" \
          r"would|should|will|any)\b"
_BREAK = re.compile(rf"(?:\?\s+(?:(?:and|also|plus|\+)\s+)?|\s+\+\s+|;\s+|,\s+and\s+|,\s+(?={_ASKING})|"
                    rf"\s+and\s+(?={_ASKING}))(?={_ASKING})", re.I)
_ASKS = re.compile(rf"\b{_ASKING}", re.I)
# A part shorter than this (in words) is a fragment of one question ('what was good and what wasn't').
_PART_WORDS = 4
_MOST_PARTS = 3


def question_parts(question: str, catalog: Catalog) -> list[str]:
    """The questions a message asks, each with the council, years and kinds of document the message names added
    where it doesn't name them itself; the message alone when it asks one thing."""
    cuts = list(_BREAK.finditer(question))
    if not cuts or len(cuts) >= _MOST_PARTS:
        return [question]
    starts = [0, *(m.end() for m in cuts)]
    ends = [*(m.start() + (1 if m.group(0).startswith("?") else 0) for m in cuts), len(question)]
    parts = [question[a:b].strip() for a, b in zip(starts, ends)]
    # Each part a question of its own: 'After the peer review, what ended up in the plan?' is one.
    if any(len(p.split()) < _PART_WORDS or not (p.endswith("?") or _ASKS.search(p)) for p in parts):
        return [question]
    councils = catalog.councils_in(question)
    years = YEAR.findall(question)
    kinds = [m.group(0) for pattern, _ in KIND_WORDS for m in re.finditer(pattern, question, re.I)]
    out = []
    for part in parts:
        lowered = part.lower()
        context = [c for c in councils if c not in catalog.councils_in(part)]
        context += [y for y in years if y not in part]
        context += [k for k in dict.fromkeys(kinds) if k.lower() not in lowered]
        # Before the part, as a message names them ('Kirklees 2016: were staff supervised?'), so that they stay with
        # its question when a remark follows it.
        out.append(f"{' '.join(context)}: {part}" if context else part)
    return out


def merged(question: str, answers: list[Answer]) -> Answer:
    """One answer to a message of several questions: each part's answer in turn, its citations numbered on from
    the part before's. A part the documents don't answer says so, without its closest passage (which is not an
    answer, and would read as one beside the others')."""
    answered = [a for a in answers if not a.abstained]
    if not answered:
        first = answers[0]
        return replace(first, question=question, timings_ms=_summed(answers))
    texts: list[str] = []
    citations: list[Citation] = []
    sentences: list[AnsweredSentence] = []
    for answer in answers:
        if answer.abstained:
            texts.append(re.split(r"\s+Closest:", answer.answer)[0])
            continue
        offset = len(citations)
        citations += [replace(c, n=c.n + offset) for c in answer.citations]
        sentences += [replace(s, citations=[n + offset for n in s.citations], supported=[n + offset for n in s.supported])
                      for s in answer.sentences]
        texts.append(re.sub(r"\[(\d+)\]", lambda m: f"[{int(m.group(1)) + offset}]", answer.answer))
    # Each part's passages in turn, first of each first: what a reader checking either part wants near the top.
    retrieved, seen = [], set()
    for rank in range(max(len(a.retrieved) for a in answers)):
        for answer in answers:
            if rank < len(answer.retrieved):
                passage = answer.retrieved[rank]
                key = (passage.source, passage.page, passage.text)
                if key not in seen:
                    seen.add(key)
                    retrieved.append(passage)
    modes = [a.mode for a in answered]
    mode = "extractive" if all(m == "extractive" for m in modes) else next(m for m in modes if m != "extractive")
    return Answer(question, "\n\n".join(texts), False, citations, retrieved, timings_ms=_summed(answers),
                  nearest_documents=list(dict.fromkeys(d for a in answers for d in a.nearest_documents)), mode=mode,
                  checks=answered[0].checks, sentences=sentences, evidence=answered[0].evidence)


def _summed(answers: list[Answer]) -> Timings:
    return Timings(retrieve=round(sum(a.timings_ms.retrieve for a in answers), 1),
                   answer=round(sum(a.timings_ms.answer for a in answers), 1),
                   total=round(sum(a.timings_ms.total for a in answers), 1))
