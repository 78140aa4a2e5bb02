"""What a request asks for, recognised by its meaning as well as by the lexicons' words: a question is compared
(MiniLM) with labelled examples of requests (examples/requests.tsv), so that a briefing or a section's items asked
for in words no lexicon lists still reach the briefing or the section."""
from __future__ import annotations

import re
import threading
from dataclasses import dataclass, replace
from importlib import resources
from typing import Callable, Sequence

import numpy as np

from index import tuning

from .request import Request, Shape

Embed = Callable[[list[str]], Sequence[Sequence[float]]]


@dataclass(frozen=True)
class Example:
    shape: Shape
    section: str | None
    text: str


def load_examples() -> list[Example]:
    text = resources.files("bot.core").joinpath("examples/requests.tsv").read_text(encoding="utf-8")
    examples = []
    for line in text.splitlines():
        if line.strip() and not line.startswith("#"):
            shape, section, example = line.split("\t")
            examples.append(Example(shape, None if section == "-" else section, example))  # type: ignore[arg-type]
    return examples


class RequestExamples:
    """The examples and their vectors, embedded once, when first needed."""

    def __init__(self, embed: Embed, examples: list[Example] | None = None) -> None:
        self.embed = embed
        self.examples = examples if examples is not None else load_examples()
        self._vectors: np.ndarray | None = None
        self._lock = threading.Lock()

    def vectors(self) -> np.ndarray:
        with self._lock:
            if self._vectors is None:
                self._vectors = np.asarray(self.embed([e.text for e in self.examples]), dtype=np.float32)
            return self._vectors

    @staticmethod
    def reads(request: Request) -> bool:
        """Whether the examples may read this request: the lexicons read a plain question or a list of no
        section."""
        return request.shape in ("answer", "list") and request.section is None

    def suggest(self, request: Request, vectors: np.ndarray) -> tuple[Request | None, bool]:
        """What the nearest example reads the request as, where the lexicons read a plain question (or a list of
        no section) and the example asks for a briefing, a section or a line to quote: None otherwise.
        `vectors`: of the request's clauses ('Kirklees 2016 - headline findings please, I'm doing a note on …'),
        each compared apart; the one that asks most clearly is read. True when it is so much nearer to that
        example than to any plain question's that it decides the route; else it is kept for when the passages
        can't answer the question as a plain one."""
        if not self.reads(request) or not len(vectors):
            return None, False
        similarities = np.atleast_2d(vectors) @ self.vectors().T
        plain = np.array([e.shape == "answer" for e in self.examples])
        asking = np.where(plain, -1.0, similarities)
        nearest_plain = np.where(plain, similarities, -1.0).max(axis=1)
        best = asking.argmax(axis=1)
        margins = asking.max(axis=1) - nearest_plain
        clause = int(np.argmax(margins))
        similarity, margin = float(asking[clause, best[clause]]), float(margins[clause])
        # Used only when it is close to an example, or the lexicons read a list asked for ('summarise …', 'the main
        # things they want fixed'), which the example names: a topic the documents lack ('what did they say about
        # its cycle lanes') reads a little like a briefing's request, and its refusal is the answer.
        close = similarity >= tuning.REQUEST_EXAMPLE_SIMILARITY or \
            (request.shape == "list" and similarity >= tuning.REQUEST_EXAMPLE_FLOOR)
        if margin <= 0 or not close:
            return None, False
        example = self.examples[int(best[clause])]
        suggested = replace(request, shape=example.shape, section=example.section)
        # A part of the message decides nothing alone ('… - from the 2016 Ofsted?' names the report, and reads like a
        # briefing's request); the whole may.
        decides = clause == 0 and margin >= tuning.REQUEST_EXAMPLE_MARGIN
        if example.shape == "quote" and not decides:
            return None, False  # a line to quote is a plain answer's sentence, and the passages' refusal stands
        return suggested, bool(decides)


def clauses(text: str) -> list[str]:
    """A message's clauses, which may ask different things ('Kirklees 2016 - headline findings please, I'm doing a
    comparator note'): the whole, and each part between sentence ends, dashes, commas and semicolons that has
    at least two words."""
    parts = [p.strip() for p in re.split(r"[?.!;,]+\s*|\s+[-\u2013\u2014]+\s+", text)]
    return [text, *(p for p in parts if len(p.split()) >= 2 and p != text.strip())]
