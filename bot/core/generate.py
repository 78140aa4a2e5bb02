"""LLM-written answers whose every citation is checked in code.

The model sees numbered sources and must cite them as [n]. What it writes is then checked: a citation of a
source it was not given is dropped; a quoted span that is not word for word in a cited source removes its
sentence; a citation whose source doesn't support its sentence is dropped; a sentence left with no citation
is flagged and not shown. If too little survives, the extractive answer is given instead."""
from __future__ import annotations

import logging
import re
from dataclasses import dataclass, replace
from typing import Callable

from index import tuning
from index.records import Chunk
from index.text import is_verbatim, normalise, split_sentences, tokenize, units_of

from .answer import passages_of
from .llm import chat, chat_stream
from .prompts import Prompts, fill
from .query import Query
from .retrieve import Retrieved
from .types import Answer, AnsweredSentence, Checks, Citation

log = logging.getLogger("reviewbot.generate")

NOT_IN_SOURCES = "NOT IN SOURCES"
_MARKER = re.compile(r"\[(\d{1,2})\]")


def _quoted() -> re.Pattern:
    """A span the model put in quotation marks, long enough to be a quotation."""
    return re.compile(rf"[\"\u201c]([^\"\u201c\u201d]{{{tuning.QUOTATION_CHARACTERS},}}?)[\"\u201d]")


@dataclass
class NumberedSource:
    """A passage as the model is given it: numbered, for it to cite as [n]."""

    n: int
    chunk: Chunk


def number_sources(retrieved: list[Retrieved], count_tokens, budget: int) -> list[NumberedSource]:
    """The retrieved chunks, best first, numbered from 1, as many as fit the token budget."""
    sources: list[NumberedSource] = []
    used = 0
    for item in retrieved:
        size = count_tokens(item.chunk.text)
        if sources and used + size > budget:
            break
        sources.append(NumberedSource(len(sources) + 1, item.chunk))
        used += size
    return sources


def _as_data(text: str) -> str:
    """Document text can't close its own source markers and pose as instructions after them."""
    return text.replace("<<<", "\u2039\u2039\u2039").replace(">>>", "\u203a\u203a\u203a")


def prompt_for(query: Query, sources: list[NumberedSource], prompts: Prompts) -> str:
    blocks = [fill(prompts.source, n=s.n, title=_as_data(s.chunk.title), page=s.chunk.page or "-",
                   section=_as_data(s.chunk.section or "-"), text=_as_data(s.chunk.text)) for s in sources]
    return fill(prompts.answer, sources="\n\n".join(blocks), question=query.question, asks=query.describe())


def check(text: str, sources: list[NumberedSource]) -> tuple[list[AnsweredSentence], Checks]:
    by_number = {s.n: s for s in sources}
    # 'high. [1]' → 'high [1].' so a marker stays with the sentence it follows.
    text = re.sub(r"([.!?])\s*((?:\[\d{1,2}\]\s*)+)", lambda m: " " + m.group(2).strip() + m.group(1), text)
    sentences: list[AnsweredSentence] = []
    for raw in split_sentences(text):
        cited = [int(n) for n in _MARKER.findall(raw)]
        plain = re.sub(r"\s+([.!?,;:])", r"\1", _MARKER.sub("", raw)).strip()
        if not plain:
            continue
        sentence = AnsweredSentence(plain, cited)
        if any(n not in by_number for n in cited):
            sentence.problems.append("cites a source it was not given")
        valid = [n for n in dict.fromkeys(cited) if n in by_number]
        quotes = _quoted().findall(plain)
        for quote in quotes:
            if not any(is_verbatim(quote, by_number[n].chunk.text) for n in valid):
                sentence.problems.append("invented quote")
        sentence.supported = [n for n in valid if _supports(by_number[n].chunk.text, plain, quotes)]
        if valid and len(sentence.supported) < len(valid):
            sentence.problems.append("cites a source that doesn't say it")
        if not cited:
            sentence.problems.append("no citation")
        sentences.append(sentence)
    checks = Checks(
        citations_exist=not any("cites a source it was not given" in s.problems for s in sentences),
        quotes_verbatim=not any("invented quote" in s.problems for s in sentences),
        all_sentences_cited=all(s.citations for s in sentences),
        citations_supported=not any("cites a source that doesn't say it" in s.problems for s in sentences),
    )
    return sentences, checks


def _supports(source_text: str, sentence: str, quotes: list[str]) -> bool:
    if quotes:
        return all(is_verbatim(q, source_text) for q in quotes)
    words = set(tokenize(sentence))
    return bool(words) and len(words & set(tokenize(source_text))) >= tuning.SUPPORT_SHARE * len(words)


def _support_quote(chunk: Chunk, sentences: list[str]) -> str:
    """The unit of the source that best matches what cites it: the verbatim quote shown with the citation.
    A span the model quoted counts only inside one unit: across two lines of the cleaned text it may not be
    contiguous in the document itself (a running header or a page break between them)."""
    units = units_of(chunk.text, chunk.headings()) or [chunk.text]
    spans = [q for s in sentences for q in _quoted().findall(s) if any(is_verbatim(q, u) for u in units)]
    if spans:
        return spans[0]
    wanted = set(tokenize(" ".join(sentences)))
    return max(units, key=lambda u: len(wanted & set(tokenize(u))))


class StreamGate:
    """Passes a model's text on while it is written, but never a quotation that has not been checked: a quoted
    span is held until it closes, then passed on only if it is word for word in one of the sources. The [n]
    markers are held back too: the sources are renumbered once the whole answer has been checked, and the
    final message, with its markers, replaces what was streamed."""

    WITHHELD = "[a quotation that could not be checked]"
    _OPENING = re.compile(r"[\"\u201c]")
    _CLOSING = re.compile(r"[\"\u201d]")
    _MARKERS = re.compile(r"\s*\[\d{1,2}\]")
    _PARTIAL_MARKER = re.compile(r"\s*\[\d{0,2}$")

    def __init__(self, source_texts: list[str], emit: Callable[[str], None]) -> None:
        self._sources = source_texts
        self._emit = emit
        self._pending = ""
        self._decided = False  # whether the answer is an answer, not NOT IN SOURCES
        self._silent = False
        self.shown = ""

    def feed(self, text: str) -> None:
        self._pending += text
        self._release(final=False)

    def close(self) -> None:
        self._release(final=True)

    def _send(self, text: str) -> None:
        text = self._MARKERS.sub("", text)
        if text:
            self.shown += text
            self._emit(text)

    def _release(self, final: bool) -> None:
        if self._silent:
            return
        if not self._decided:
            said = normalise(self._pending)
            if said.startswith(normalise(NOT_IN_SOURCES)):
                self._silent = True
                return
            if normalise(NOT_IN_SOURCES).startswith(said) and not final:
                return
            self._decided = True
        while self._pending:
            opening = self._OPENING.search(self._pending)
            if opening is None:
                held = "" if final else self._PARTIAL_MARKER.search(self._pending)
                cut = held.start() if held else len(self._pending)
                self._send(self._pending[:cut])
                self._pending = self._pending[cut:]
                return
            self._send(self._pending[:opening.start()])
            self._pending = self._pending[opening.start():]
            closing = self._CLOSING.search(self._pending, 1)
            if closing is None:
                if final:
                    self._pending = ""  # a quotation never closed is never shown
                return
            span = self._pending[: closing.end()]
            inner = span[1:-1]
            checked = len(inner) < tuning.QUOTATION_CHARACTERS or any(is_verbatim(inner, text) for text in self._sources)
            self._send(span if checked else self.WITHHELD)
            self._pending = self._pending[closing.end():]


def _streamed(llm, system: str, prompt: str, gate: StreamGate) -> str:
    """The model's answer, streamed through `gate`. An endpoint that can't stream (an error before the first
    word, or a whole answer where events were expected, which reads as none) is asked once more without: the
    answer then comes whole, after the checks, as it would with no streaming."""
    pieces: list[str] = []
    try:
        for piece in chat_stream(llm, system, prompt):
            pieces.append(piece)
            gate.feed(piece)
    except Exception as exc:
        if pieces:
            raise
        log.info("the model's endpoint did not stream (%s: %s); asking without streaming", type(exc).__name__, exc)
        return chat(llm, system, prompt)
    if not pieces:
        log.info("the model's endpoint streamed nothing; asking without streaming")
        return chat(llm, system, prompt)
    gate.close()
    return "".join(pieces).strip()


def llm_answer(query: Query, retrieved: list[Retrieved], llm, prompts: Prompts, count_tokens, budget: int,
               fallback: Answer, on_text: Callable[[str], None] | None = None) -> Answer:
    """The model's answer if enough of it passes the checks; otherwise `fallback`, saying why. With `on_text`,
    the model's words are passed to it while they are written, through a StreamGate."""
    sources = number_sources(retrieved, count_tokens, budget)
    if not sources:
        return fallback
    try:
        prompt = prompt_for(query, sources, prompts)
        if on_text is None:
            text = chat(llm, prompts.system, prompt)
        else:
            text = _streamed(llm, prompts.system, prompt, StreamGate([s.chunk.text for s in sources], on_text))
    except Exception as exc:  # the client has already retried; any failure means: answer without the model
        log.warning("LLM call failed, giving the extractive answer: %s: %s", type(exc).__name__, exc)
        return _fell_back(fallback, f"the model could not be reached ({type(exc).__name__})")
    if not text or normalise(text).startswith(normalise(NOT_IN_SOURCES)):
        return _fell_back(fallback, "the model found no answer in the sources")

    sentences, checks = check(text, sources)
    shown = [s for s in sentences if s.shown]
    if not shown or len(shown) < tuning.MIN_SURVIVING * len(sentences):
        log.info("LLM answer failed its checks (%s); giving the extractive answer", checks)
        return _fell_back(fallback, "too little of the model's answer passed the checks", checks, sentences)

    # Renumber the sources the shown sentences cite, in order of first use.
    order = list(dict.fromkeys(n for s in shown for n in s.supported))
    number = {n: i for i, n in enumerate(order, start=1)}
    by_number = {s.n: s for s in sources}
    citations = []
    for n in order:
        chunk = by_number[n].chunk
        quote = _support_quote(chunk, [s.text for s in shown if n in s.supported])
        if is_verbatim(quote, chunk.text):
            citations.append(Citation.from_chunk(number[n], chunk, quote))
    answer_text = " ".join(f"{s.text.rstrip('.')} {''.join(f'[{number[n]}]' for n in s.supported)}." for s in shown)
    return Answer(query.question, answer_text, False, citations, passages_of(retrieved),
                  nearest_documents=fallback.nearest_documents, mode="llm", checks=checks, sentences=sentences)


def _fell_back(fallback: Answer, why: str, checks: Checks | None = None,
               sentences: list[AnsweredSentence] | None = None) -> Answer:
    return replace(fallback, checks=replace(checks or Checks(), fallback=why),
                   sentences=sentences or fallback.sentences)


def quoted_first(answer: Answer, retrieved: list[Retrieved], keyword) -> list[Retrieved]:
    """The retrieved passages with those an answer quotes first, in its order: a model given them reads every
    item of a section, however retrieval ranked them."""
    chunks = [keyword.chunk_holding(c.source, c.quote, c.page) for c in answer.citations]
    ids = list(dict.fromkeys(c.id for c in chunks if c is not None))
    by_id = {r.chunk.id: r for r in retrieved}
    first = [by_id.get(i) or Retrieved(keyword.chunks[keyword.by_id[i]], 0.0) for i in ids]
    return first + [r for r in retrieved if r.chunk.id not in set(ids)]


def with_items_of(written: Answer, listed: Answer) -> Answer:
    """A model's answer on a section or a briefing, with every item of the list the model read among its
    quotes: the model's prose summarises, the items are there word for word to check it by."""
    if written.mode != "llm":
        return written
    quoted = {(c.source, c.quote) for c in written.citations}
    extra = [replace(c, n=len(written.citations) + i) for i, c in enumerate(
        (c for c in listed.citations if (c.source, c.quote) not in quoted), start=1)]
    return replace(written, citations=written.citations + extra)
