"""Acronyms and their full forms, so 'CSE' finds 'child sexual exploitation' and back."""
from __future__ import annotations

import re
from importlib import resources

_DEFINED = re.compile(r"((?:[A-Za-z][\w'’-]*\s+){1,8}?)\(([A-Z][A-Za-z]{1,7})(?:['’]?s)?\)")
_SMALL_WORDS = {"and", "of", "for", "the", "in", "on", "to", "&", "with", "a"}


def builtin_glossary() -> dict[str, str]:
    text = resources.files("ingest").joinpath("data/glossary.tsv").read_text(encoding="utf-8")
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
    """The glossary's acronyms the question uses, as written ('CSE', 'NQSW's')."""
    words = re.findall(r"[A-Za-z][\w&-]*", question)
    found = []
    for word in words:
        for form in (word, re.sub(r"['’]?s$", "", word)):
            if form in glossary and form not in found:
                found.append(form)
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
