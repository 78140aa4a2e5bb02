"""The request read apart from its topic: what shape of answer is wanted (an answer, a quote, a list of a
section's findings, a briefing), which section of a report it asks for, and the words that are the topic.

Greetings, who is asking, what it is for, what they want back and chat shorthand frame a request; they are
not what the documents should say, so they are taken out before the question is searched and never make
the answer say "None of them mentions …". The words are data: bot/core/lexicons/."""
from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources
from typing import Literal

from index.vocabulary import section_named

Shape = Literal["answer", "quote", "list", "briefing"]
_LEXICONS = "bot.core.lexicons"
# Request phrases that ask for the words themselves, to paste.
_QUOTE = re.compile(r"\b(?:quote|quotes|quotable|quoted exactly|line|lines|sentence|sentences|para|paragraph|word for word|verbatim|"
                    r"exact wording|(?:i|we) (?:can|could) (?:use|paste|quote)|to paste)\b")
# Request phrases that ask for the findings of a section, or of a document, as a list.
_LIST = re.compile(r"\b(?:summari[sz]e|sum up|summary of|list|rundown|take me through|walk me through|what were the "
                   r"(?:main|key)|what are the (?:main|key)|the (?:main|key) (?:points|things|findings|issues))\b")


_HOW = re.compile(r"\W*(?:how|why|when|where)\b", re.I)


# 'What did the 2023 report conclude?', 'the overall conclusion': a report's own summing up, asked of no topic.
_CONCLUSION = re.compile(r"\bwhat\s+(?:did|does)\s+(?:the|its|their)\s+(?:\w+\s+){0,3}?(?:conclude|find|say)\s*[?.!]*\s*$",
                         re.I)


def asks_how_or_why(topic: str) -> bool:
    """Whether a request's topic asks how, why, when or where: for a reason or an account, not a section's items."""
    return bool(_HOW.match(topic))


def _lines(name: str) -> list[str]:
    text = resources.files(_LEXICONS).joinpath(name).read_text(encoding="utf-8")
    return [line.strip() for line in text.splitlines() if line.strip() and not line.startswith("#")]


@lru_cache(maxsize=None)
def lexicon(name: str) -> tuple[str, ...]:
    """The phrases of one class, longest first (so 'give me a quote' goes before 'give me')."""
    return tuple(sorted(_lines(f"{name}.txt"), key=len, reverse=True))


@lru_cache(maxsize=1)
def shorthand() -> dict[str, str]:
    return dict(line.split("\t", 1) for line in _lines("shorthand.tsv"))


# A pattern that matches nothing, for a class with no phrases (an empty alternation would match everywhere).
_NOTHING = re.compile(r"(?!)")


def _phrases(names: tuple[str, ...]) -> re.Pattern:
    phrases = [phrase for name in names for phrase in lexicon(name)]
    if not phrases:
        return _NOTHING
    phrases.sort(key=len, reverse=True)
    return re.compile(r"(?<![\w'’])(?:" + "|".join(re.escape(p).replace(r"\ ", r"\s+").replace("'", "['’]")
                                                   for p in phrases) + r")(?![\w'’])", re.I)


@lru_cache(maxsize=1)
def _framing() -> re.Pattern:
    return _phrases(("fillers", "askers", "purposes"))


@lru_cache(maxsize=1)
def _asker_opening() -> re.Pattern:
    return re.compile(r"^\s*(?:" + _phrases(("askers",)).pattern + ")", re.I)


def _without_asker_sentences(text: str) -> str:
    """'… inspection? I'm new to the improvement board': a sentence that only says who is asking, beside one that
    asks, is framing whole (the board is where they work, not what the documents should say). One that names a
    place stays: "I'm new in Doncaster." says which council's documents are meant."""
    sentences = re.split(r"(?<=[?.!])\s+", text.strip())
    kept = [s for s in sentences if not (_asker_opening().match(s) and "?" not in s
                                         and not re.search(r"\s[A-Z][a-z]", s))]
    return " ".join(kept) if kept and len(kept) < len(sentences) else text


@lru_cache(maxsize=1)
def _paper_clause() -> re.Pattern:
    """'for the SEND board paper' at the end of a request for a quote, 'for the early help strategy refresh -'
    at its start: what the quote is for, whatever the paper is called."""
    if not lexicon("papers"):
        return _NOTHING
    papers = "|".join(re.escape(p) for p in lexicon("papers"))
    clause = rf"\b(?:for|in|into)\s+(?:the|my|our|a|an)\s+(?:[\w&'’/-]+\s+){{0,4}}?(?:{papers})"
    return re.compile(rf"(?:{clause})\s*(?=[?.!]*\s*$)|^\s*(?:{clause})\s*[-–—,:]", re.I)


@lru_cache(maxsize=1)
def _requests() -> re.Pattern:
    return _phrases(("requests", "briefings"))


@lru_cache(maxsize=1)
def _briefing() -> re.Pattern:
    return _phrases(("briefings",))


@lru_cache(maxsize=1)
def _short_form() -> re.Pattern:
    if not shorthand():
        return _NOTHING
    return re.compile(r"(?<![\w'’/])(" + "|".join(re.escape(s) for s in sorted(shorthand(), key=len, reverse=True))
                      + r")(?![\w'’])(:?)", re.I)


def expand_shorthand(text: str) -> str:
    """'can u find smth abt x' → 'can you find something about x'; 're: caseloads' → 'about caseloads'."""
    return _short_form().sub(lambda m: shorthand()[m.group(1).lower()], text)


def _tidy(text: str) -> str:
    text = re.sub(r"\s+", " ", text)
    text = re.sub(r"\s+([?.,;:!])", r"\1", text)
    text = re.sub(r"[,;:]+([?.!])", r"\1", text)
    return re.sub(r"^[\s\-–—,;:.!?]+|[\s\-–—,;:]+$", "", text).strip()


@dataclass(frozen=True)
class Request:
    shape: Shape
    section: str | None  # the section of a report it asks for (sections.tsv), if any
    asked: str  # the question without its framing (greetings, who asks, what for), shorthand expanded
    topic: str  # and without what they want back: what the documents should say
    author: str | None = None  # whose document it is ('Gail Quinton' of "Gail Quinton's letter")


@lru_cache(maxsize=1)
def _generic() -> re.Pattern:
    return _phrases(("generic",))


# 'Gail Quinton's letter', 'the Director's report': whose document it is names the document, as a council's
# name does; it is not what the document should say.
_AUTHOR = re.compile(r"\b(?:[A-Z][a-z]+\s+){0,2}[A-Z][a-z]+['’]s\s+(?=(?:staff\s+)?(?:letter|report|briefing|note|"
                     r"review|findings|summary)\b)")


# Markup pasted into a message ('<script>alert(1)</script> caseloads') is not what is asked: a script or style
# element goes whole, any other tag leaves its text.
_MARKUP = re.compile(r"<(script|style)\b[^>]*>.*?</\1\s*>|<[^>]{1,200}>", re.I | re.S)


def read_request(question: str) -> Request:
    expanded = _without_asker_sentences(expand_shorthand(_MARKUP.sub(" ", question)))
    # Only a request for words to paste says what they are for this way: in 'what did the review recommend for
    # the safeguarding board?' the board is the topic.
    framed = _paper_clause().sub(" ", expanded) if _QUOTE.search(expanded.lower()) else expanded
    asked = _tidy(_framing().sub(" ", framed)) or expanded
    topic = _tidy(_generic().sub(" ", _AUTHOR.sub(" ", _requests().sub(" ", asked)))) or asked
    author = _AUTHOR.search(asked)
    lowered = expanded.lower()
    section = section_named(lowered)
    # 'How did the panel decide to look at the priorities?' asks how, not for the priorities.
    if section is not None and asks_how_or_why(topic) and not _LIST.search(lowered):
        section = None
    # A section named wins over a briefing: 'brief me on what the review said they should consider' wants the
    # areas for consideration.
    if section is not None:
        shape: Shape = "list"
    elif _briefing().search(expanded) or _CONCLUSION.search(asked):
        shape = "briefing"
    elif _LIST.search(lowered):
        shape = "list"
    elif _QUOTE.search(lowered):
        shape = "quote"
    else:
        shape = "answer"
    return Request(shape=shape, section=section, asked=asked, topic=topic,
                   author=re.sub(r"['’]s\s*$", "", author.group(0)).strip() if author else None)
