"""The text tools ingest and the bot share: words for searching, sentences for quoting, acronyms, and the
typography set aside when a quote is checked against its source."""
from __future__ import annotations

import re
import unicodedata
from functools import lru_cache
from importlib import resources

from . import tuning

# Words

_WORD = re.compile(r"[a-z0-9£]+(?:['’][a-z]+)?")


@lru_cache(maxsize=1)
def _stemmer():
    import Stemmer

    return Stemmer.Stemmer("english")


@lru_cache(maxsize=1)
def _stopwords() -> frozenset[str]:
    from bm25s.stopwords import STOPWORDS_EN_PLUS

    # Question words carry no topic: "what did the review say about X" is about X.
    return frozenset(STOPWORDS_EN_PLUS) | {"s", "did", "does", "say", "said", "tell", "told", "get", "got", "find", "found"}


# Irregular verb forms a stemmer leaves alone, so 'who led the inspection' finds 'Lead inspector' and 'how
# many staff left' finds 'leave'.
_IRREGULAR = {
    "led": "lead", "met": "meet", "made": "make", "took": "take", "taken": "take", "gave": "give", "given": "give",
    "saw": "see", "seen": "see", "spoke": "speak", "spoken": "speak", "wrote": "write", "written": "write",
    "chose": "choose", "chosen": "choose", "brought": "bring", "thought": "think", "kept": "keep", "left": "leave",
    "held": "hold", "began": "begin", "begun": "begin", "grew": "grow", "grown": "grow", "knew": "know",
    "known": "know", "felt": "feel", "paid": "pay", "sent": "send", "spent": "spend", "taught": "teach",
    "understood": "understand", "won": "win", "fell": "fall", "fallen": "fall", "rose": "rise", "risen": "rise",
}


def tokenize(text: str) -> list[str]:
    words = [w.replace("’", "'").split("'")[0] for w in _WORD.findall(text.lower())]
    stop = _stopwords()
    return _stemmer().stemWords([_IRREGULAR.get(w, w) for w in words if w and w not in stop])


# Sentences


BULLET_PREFIX = "\u2022 "
# Every character the documents use as a bullet.
BULLET_CHARS = "\u2022\u2023\u2043\u25aa\u25ab\u25a0\u25a1\u25cf\u25cb\u25e6\u25fc\u25fb\u2219\uf0b7\uf0a7\uf06e\uf0d8\uf0fc\uf076\uf02d\x7f"
# Abbreviations that end in a full stop without ending the sentence.
_ABBREVIATIONS = {
    "e.g", "i.e", "etc", "mr", "mrs", "ms", "dr", "prof", "no", "nos", "para", "paras", "vs", "cf", "st", "approx",
    "inc", "ltd", "co", "dept", "fig", "p", "pp", "vol", "a.m", "p.m", "jan", "feb", "mar", "apr", "jun", "jul",
    "aug", "sep", "sept", "oct", "nov", "dec", "cllr", "rev", "hon", "gov", "est", "ed",
}
_BOUNDARY = re.compile(r"(?<=[.!?])[\"'\u2019\u201d)]*\s+(?=[\"'\u2018\u201c(]*[A-Z0-9\u00a3])")


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
    if len(words) <= tuning.MAX_UNIT_WORDS:
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
        if line in headings and len(line.split()) < tuning.HEADING_SENTENCE_WORDS:
            continue
        if line.startswith(BULLET_PREFIX):
            line = line[len(BULLET_PREFIX):]
        out.extend((number, unit) for unit in split_sentences(line))
    return out


def unit_spans(chunk_text: str, headings: tuple[str, ...] = ()) -> list[tuple[int, int]]:
    """Where each unit of `lines_and_units` lies in the chunk's text, as (start, end) character offsets."""
    # A unit is its text with white space evened out, so it is found in the text evened out the same way;
    # `origin` maps each evened character back. (A regular expression per unit cost an ingest 11 s in 65.)
    evened: list[str] = []
    origin: list[int] = []
    for match in re.finditer(r"\s+|\S+", chunk_text):
        if match.group()[0].isspace():
            evened.append(" ")
            origin.append(match.start())
        else:
            evened.append(match.group())
            origin.extend(range(match.start(), match.end()))
    text = "".join(evened)
    spans = []
    position = 0
    for _, unit in lines_and_units(chunk_text, headings):
        wanted = " ".join(unit.split())
        found = text.find(wanted, position) if wanted else -1
        if found < 0:  # cannot happen for units of this text; kept whole rather than misplaced
            spans.append((0, len(chunk_text)))
            continue
        end = found + len(wanted)
        spans.append((origin[found], origin[end - 1] + 1))
        position = end
    return spans


# Acronyms

_DEFINED = re.compile(r"((?:[A-Za-z][\w'’-]*\s+){1,8}?)\(([A-Z][A-Za-z]{1,7})(?:['’]?s)?\)")
_SMALL_WORDS = {"and", "of", "for", "the", "in", "on", "to", "&", "with", "a"}


def builtin_glossary() -> dict[str, str]:
    text = resources.files("index").joinpath("data/glossary.tsv").read_text(encoding="utf-8")
    pairs = {}
    for line in text.splitlines():
        if line.strip() and not line.startswith("#"):
            acronym, full = line.split("\t", 1)
            pairs[acronym.strip()] = full.strip().lower()
    return pairs


def learn_acronyms(texts) -> dict[str, str]:
    """Acronyms a document defines, as in 'Newly Qualified Social Workers (NQSW's)'."""
    found: dict[str, str] = {}
    for text in texts:
        for match in _DEFINED.finditer(text):
            acronym = match.group(2)
            words = match.group(1).split()
            letters = acronym.lower()
            # Take as many trailing words as it needs for their initials to spell the acronym.
            for size in range(len(letters), min(len(words), len(letters) + 3) + 1):
                candidate = words[-size:]
                initials = "".join(w[0].lower() for w in candidate if w.lower() not in _SMALL_WORDS)
                hyphen_initials = "".join(
                    part[0].lower() for w in candidate if w.lower() not in _SMALL_WORDS for part in re.split(r"[-]", w) if part)
                if letters in (initials, hyphen_initials):
                    found.setdefault(acronym, " ".join(candidate).lower())
                    break
    return found


def acronyms_in(question: str, glossary: dict[str, str]) -> list[str]:
    """The glossary's acronyms the question uses, as written ('CSE', 'NQSW's'), or in lower case as chat
    writes them ('mash', 'ilacs') when they are three letters or more."""
    words = re.findall(r"[A-Za-z][\w&-]*", question)
    upper = {acronym.upper(): acronym for acronym in glossary if len(acronym) >= 3}
    found = []
    for word in words:
        for form in (word, re.sub(r"['’]?s$", "", word)):
            acronym = form if form in glossary else upper.get(form.upper()) if form.islower() else None
            if acronym and acronym not in found:
                found.append(acronym)
                break
    return found


def full_forms_in(question: str, glossary: dict[str, str]) -> list[str]:
    """The acronyms whose full form (of two words or more) the question spells out."""
    lowered = question.lower()
    return [acronym for acronym, full in glossary.items() if len(full.split()) >= 2 and full in lowered]


def expand_query(question: str, glossary: dict[str, str]) -> str:
    """The question with the other form of each acronym or full form it contains added on."""
    used = acronyms_in(question, glossary)
    additions = [glossary[a] for a in used] + [a for a in full_forms_in(question, glossary) if a not in used]
    return question if not additions else f"{question} ({'; '.join(additions)})"


# Quotes


def normalise(text: str) -> str:
    """Case, spacing, quote marks, dashes and bullets set aside; every word and its order kept."""
    text = unicodedata.normalize("NFKC", text or "").lower().replace("\u00ad", "")
    text = text.translate({0x2018: "'", 0x2019: "'", 0x201C: '"', 0x201D: '"'})
    text = re.sub(r"[\u2010-\u2015\u2212]", "-", text)
    text = re.sub(rf"[{BULLET_CHARS}]", " ", text)
    text = re.sub(r"\s+", " ", text)
    text = re.sub(r"\s*-\s*", "-", text)
    return text.strip()


def is_verbatim(quote: str, source_text: str) -> bool:
    quote = normalise(quote)
    return bool(quote) and quote in normalise(source_text)
