"""Split text into the sentences, bullets and rows an answer quotes from."""
from __future__ import annotations

import re

BULLET_PREFIX = "\u2022 "
# Abbreviations that end in a full stop without ending the sentence.
_ABBREVIATIONS = {
    "e.g", "i.e", "etc", "mr", "mrs", "ms", "dr", "prof", "no", "nos", "para", "paras", "vs", "cf", "st", "approx",
    "inc", "ltd", "co", "dept", "fig", "p", "pp", "vol", "a.m", "p.m", "jan", "feb", "mar", "apr", "jun", "jul",
    "aug", "sep", "sept", "oct", "nov", "dec", "cllr", "rev", "hon", "gov", "est", "ed",
}
_BOUNDARY = re.compile(r"(?<=[.!?])[\"'\u2019\u201d)]*\s+(?=[\"'\u2018\u201c(]*[A-Z0-9\u00a3])")
# A heading this long is a statement ('The overall judgement is that services require improvement').
HEADING_SENTENCE_WORDS = 6
# The longest unit an answer quotes whole; anything longer is cut at clause breaks.
MAX_UNIT_WORDS = 70


def split_sentences(text: str) -> list[str]:
    text = re.sub(r"\s+", " ", text).strip()
    if not text:
        return []
    sentences: list[str] = []
    start = 0
    for match in _BOUNDARY.finditer(text):
        candidate = text[start:match.start()].strip()
        last_word = re.search(r"([\w.]+)[.!?][\"'\u2019\u201d)]*$", candidate)
        if last_word and last_word.group(1).lower().rstrip(".") in _ABBREVIATIONS:
            continue
        if len(candidate) < 3:
            continue
        sentences.append(candidate)
        start = match.end()
    tail = text[start:].strip()
    if tail:
        sentences.append(tail)
    out: list[str] = []
    for sentence in sentences:
        out.extend(_cut_long(sentence))
    return out


def _cut_long(sentence: str) -> list[str]:
    words = sentence.split()
    if len(words) <= MAX_UNIT_WORDS:
        return [sentence]
    # Cut at semicolons first, then at the clause nearest the middle; each piece stays verbatim.
    pieces = [p.strip() for p in re.split(r"(?<=;)\s+", sentence) if p.strip()]
    if len(pieces) > 1:
        return [q for piece in pieces for q in _cut_long(piece)]
    middle = len(sentence) // 2
    commas = [m.end() for m in re.finditer(r",\s+", sentence)]
    cut = min(commas, key=lambda c: abs(c - middle)) if commas else None
    if cut is None or cut < len(sentence) * 0.2 or cut > len(sentence) * 0.8:
        half = len(words) // 2
        return _cut_long(" ".join(words[:half])) + _cut_long(" ".join(words[half:]))
    return _cut_long(sentence[:cut].strip()) + _cut_long(sentence[cut:].strip())


def units_of(chunk_text: str, headings: tuple[str, ...] = ()) -> list[str]:
    """The quotable units of a chunk's text: each line is a block, each block splits into sentences.
    Lines that are the chunk's headings are left out: a heading names a topic, it doesn't answer."""
    return [unit for _, unit in lines_and_units(chunk_text, headings)]


def lines_and_units(chunk_text: str, headings: tuple[str, ...] = ()) -> list[tuple[int, str]]:
    """(line number, unit) for each quotable unit; units of one line belong to one block."""
    out = []
    for number, line in enumerate(chunk_text.split("\n")):
        line = line.strip()
        if line in headings and len(line.split()) < HEADING_SENTENCE_WORDS:
            continue
        if line.startswith(BULLET_PREFIX):
            line = line[len(BULLET_PREFIX):]
        out.extend((number, unit) for unit in split_sentences(line))
    return out
