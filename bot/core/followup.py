"""Follow-up questions: 'and what about caseloads?' borrows the council, year and kind of document from the
questions asked before it in the same conversation."""
from __future__ import annotations

import logging
import re

from index.vocabulary import YEAR

from .catalog import Catalog
from .llm import chat
from .prompts import fill
from .query import KIND_WORDS

log = logging.getLogger("reviewbot.followup")


def standalone(question: str, earlier: list[str], catalog: Catalog, llm=None, prompts=None) -> str:
    """The follow-up as a question that stands on its own: rewritten by the model when there is one, else
    with the context words of the earlier questions added."""
    if not earlier:
        return question
    if llm is not None and prompts is not None:
        history = "\n".join(f"- {q}" for q in earlier)
        try:
            rewritten = chat(llm, prompts.system, fill(prompts.condense, history=history, question=question))
            rewritten = rewritten.strip().strip('"\u201c\u201d').splitlines()[0].strip() if rewritten else ""
            if rewritten:
                return rewritten
        except Exception as exc:  # a follow-up still gets an answer, with the simpler context
            log.warning("could not condense the follow-up with the model: %s", exc)
    return with_context(question, earlier, catalog)


def with_context(question: str, earlier: list[str], catalog: Catalog) -> str:
    """The question, with what it leaves unsaid taken from the most recent earlier question that says it."""
    lowered = question.lower()
    wanted = {
        "council": not catalog.named_councils(question),
        "year": not YEAR.search(question),
        "kind": not any(re.search(pattern, lowered) for pattern, _ in KIND_WORDS),
    }
    context: list[str] = []
    for previous in reversed(earlier):
        previous_lowered = previous.lower()
        if wanted["council"] and (councils := catalog.named_councils(previous)):
            context.extend(sorted(councils))
            wanted["council"] = False
        if wanted["year"] and (years := YEAR.findall(previous)):
            context.extend(years)
            wanted["year"] = False
        if wanted["kind"]:
            kinds = [m.group(0) for pattern, _ in KIND_WORDS for m in [re.search(pattern, previous_lowered)] if m]
            if kinds:
                context.extend(kinds)
                wanted["kind"] = False
    return f"{question} ({' '.join(context)})" if context else question
