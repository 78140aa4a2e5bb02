"""Which council a name or a question means: England's children's services authorities, each with its
proper name, region and other names (index/data/councils.tsv), plus any council the indexed documents name.

Names are matched as whole runs of words, the longest first, and a word used by a longer match is not used
again: "North Somerset" never also means Somerset, "Leicestershire" never means Leicester."""
from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources

# Joining words are left out on both sides, so "windsor-maidenhead" finds "Windsor and Maidenhead".
_JOINERS = {"and", "&"}
_WORD = re.compile(r"[A-Za-z0-9]+|&")
_SMALL = {"and", "of", "upon", "on", "with", "in", "the", "under", "le"}


@dataclass(frozen=True)
class Council:
    name: str
    region: str | None = None


@dataclass(frozen=True)
class _Alias:
    words: tuple[str, ...]
    council: Council
    capitalised: bool  # an everyday word ("Reading", "Bury"): only its capitalised form names the council


def words_of(text: str) -> list[str]:
    """The words a name is matched on, in their own case, without joining words."""
    text = re.sub(r"['’]s\b", "", text).replace("’", "").replace("'", "")  # "Somerset's" is Somerset
    words = [w for w in _WORD.findall(text) if w.lower() not in _JOINERS]
    # "St." and "Saint" are one word for matching.
    return ["St" if w.lower() == "saint" else w for w in words]


@lru_cache(maxsize=1)
def _gazetteer_aliases() -> tuple[_Alias, ...]:
    text = resources.files("index").joinpath("data/councils.tsv").read_text(encoding="utf-8")
    aliases = []
    for line in text.splitlines()[1:]:
        if not line.strip() or line.startswith("#") or line.startswith("name\t"):
            continue
        name, region, others, match = (line.split("\t") + ["", "", ""])[:4]
        council = Council(name.strip(), region.strip() or None)
        capitalised = match.strip() == "capitalised"
        for alias in [name, *(o for o in others.split(";") if o.strip())]:
            aliases.append(_Alias(_key(alias), council, capitalised and " " not in alias.strip()))
    return tuple(aliases)


def _key(name: str) -> tuple[str, ...]:
    return tuple(w.lower() for w in words_of(name))


def _in_order(letters: str, word: str) -> bool:
    """Whether `letters` are in `word` in this order (not necessarily together)."""
    rest = iter(word)
    return all(letter in rest for letter in letters)


def proper_form(name: str) -> str:
    """A lower-case name in the form councils write it: 'kingston upon hull' → 'Kingston upon Hull',
    'telford & wrekin' → 'Telford and Wrekin', 'stoke-on-trent' → 'Stoke-on-Trent'."""
    known = default_names().exact(name)
    if known is not None:
        return known.name
    name = re.sub(r"\s*&\s*", " and ", name.strip())
    parts = re.split(r"(\s+|-)", name)
    out = []
    for i, part in enumerate(parts):
        lowered = part.lower()
        if i > 0 and lowered in _SMALL:
            out.append(lowered)
        elif lowered in ("st", "st."):
            out.append("St")
        else:
            out.append(part[:1].upper() + part[1:].lower() if part.islower() or part.isupper() else part)
    return re.sub(r"\s+", " ", "".join(out))


class CouncilNames:
    """The gazetteer, and councils the index knows that it doesn't (a council abroad, a fictional one)."""

    def __init__(self, extra: list[str] | tuple[str, ...] = ()) -> None:
        aliases = list(_gazetteer_aliases())
        known = {alias.words for alias in aliases}
        for name in extra:
            words = _key(name)
            if words and words not in known:
                known.add(words)
                aliases.append(_Alias(words, Council(name), False))
        self._aliases = sorted(aliases, key=lambda a: -len(a.words))
        self._exact = {alias.words: alias.council for alias in reversed(self._aliases)}
        self._by_first: dict[str, list[_Alias]] = {}
        self._by_first_letters: dict[str, list[_Alias]] = {}
        for alias in self._aliases:
            self._by_first.setdefault(alias.words[0], []).append(alias)
            if len(alias.words) == 1:
                self._by_first_letters.setdefault(alias.words[0][:4], []).append(alias)

    def exact(self, name: str) -> Council | None:
        """The council this whole name is a name of."""
        return self._exact.get(_key(name))

    def find(self, text: str, require_capitals: bool = True) -> list[Council]:
        """The councils named in `text`, in the order they first appear, longest names first where they
        overlap. With `require_capitals`, a council whose name is an everyday word counts only capitalised."""
        words = words_of(text)
        lowered = [w.lower() for w in words]
        used = [False] * len(words)
        found: list[tuple[int, Council]] = []
        candidates = sorted({id(a): a for w in set(lowered) for a in self._by_first.get(w, [])}.values(),
                            key=lambda a: -len(a.words))
        for alias in candidates:
            size = len(alias.words)
            for start in range(len(words) - size + 1):
                if tuple(lowered[start:start + size]) != alias.words or any(used[start:start + size]):
                    continue
                if require_capitals and alias.capitalised and not _written_as_a_name(text, words, start):
                    continue
                used[start:start + size] = [True] * size
                found.append((start, alias.council))
        found.sort(key=lambda item: item[0])
        out: list[Council] = []
        for _, council in found:
            if council not in out:
                out.append(council)
        return out

    def abbreviated(self, word: str) -> Council | None:
        """The one council whose one-word name `word` shortens ('herefs', 'lincs' for Herefordshire and
        Lincolnshire): the name's first four letters, then others of it in order, five letters at least (a
        shorter word is too often an everyday one: 'cars'); None if none or several."""
        word = word.lower()
        if len(word) < 5 or not word.isalpha():
            return None
        found = {alias.council for alias in self._by_first_letters.get(word[:4], [])
                 if len(alias.words[0]) > len(word) and _in_order(word[4:], alias.words[0][4:])}
        return found.pop() if len(found) == 1 else None

    def without(self, text: str, councils: list[str] | set[str], mark: str = " ") -> str:
        """The text with every name of these councils taken out ('care leavers in North Somerset' →
        'care leavers in '): once a search is confined to a council, its name only adds noise."""
        for alias in self._aliases:
            if alias.council.name in councils:
                pattern = r"\b" + r"\W+(?:(?:and|&)\W+)?".join(map(re.escape, alias.words)) + r"(?:['’]s)?\b"
                text = re.sub(pattern, mark, text, flags=re.I)
        return text

    def by_region(self) -> dict[str, set[str]]:
        """Each region and the councils in it."""
        found: dict[str, set[str]] = {}
        for alias in self._aliases:
            if alias.council.region:
                found.setdefault(alias.council.region, set()).add(alias.council.name)
        return found

    def first(self, text: str, require_capitals: bool = True) -> Council | None:
        found = self.find(text, require_capitals)
        return found[0] if found else None

    def canonical(self, name: str) -> str:
        """One name per council however it is written ('County Durham' and 'Durham', 'Windsor & Maidenhead'
        and 'Windsor and Maidenhead'); a name no council has stays as it is."""
        found = self.exact(name) or self.first(name, require_capitals=False)
        return found.name if found else name


def _written_as_a_name(text: str, words: list[str], start: int) -> bool:
    """Capitalised, and not merely as the first word of the text ('Reading the report, ...') unless it is
    possessive there ('Reading's inspection')."""
    if not words[start][:1].isupper():
        return False
    return start > 0 or bool(re.match(rf"\W*{re.escape(words[start])}['’]s\b", text))


@lru_cache(maxsize=1)
def default_names() -> CouncilNames:
    return CouncilNames()
