"""What the index knows, read once per keyword index: its councils and their other names, the years and kinds
of document each council has, how rare each word is, and the acronyms. The question is read with it, and
retrieval steered by it."""
from __future__ import annotations

from dataclasses import dataclass

from index.councils import CouncilNames, words_of
from index.keyword import KeywordIndex
from index.text import builtin_glossary, tokenize
from index.vocabulary import NOT_REPORT_KINDS


@dataclass(frozen=True)
class IndexedDocument:
    source: str
    council: str | None  # canonical
    date: str
    doc_type: str
    topics: tuple[str, ...]

    def is_of(self, kinds: set[str]) -> bool:
        return bool(kinds & {self.doc_type, *self.topics})


class Catalog:
    def __init__(self, keyword: KeywordIndex) -> None:
        self.keyword = keyword
        # The field's glossary as it is now, over what the index learned from its documents when it was built.
        self.acronyms = {**keyword.acronyms, **builtin_glossary()}
        chunks = keyword.chunks
        stored = sorted({c.council for c in chunks if c.council})
        self.council_names = CouncilNames(stored)
        # Each council's name as stored, and its one canonical name.
        self.canonical_of = {name: self.council_names.canonical(name) for name in stored}
        self.councils = set(self.canonical_of.values())
        self.stored_names: dict[str, set[str]] = {}
        for name, council in self.canonical_of.items():
            self.stored_names.setdefault(council, set()).add(name)
        # The years and kinds each council's documents are of, to tell a year or a kind of document it has
        # none of ('the 2009 inspection', 'the peer review of Birmingham').
        self.council_years: dict[str | None, set[int]] = {}
        self.council_kinds: dict[str | None, set[str]] = {}
        for chunk in chunks:
            council = self.canonical_of.get(chunk.council)
            self.council_years.setdefault(council, set()).update(chunk.years)
            self.council_kinds.setdefault(council, set()).update({chunk.doc_type, *chunk.topics})
        self.documents = list({c.source: IndexedDocument(c.source, self.canonical_of.get(c.council), c.date or "",
                                                         c.doc_type, c.topics) for c in chunks}.values())

    @property
    def passages(self) -> int:
        return len(self.keyword.chunks)

    def canonical(self, name: str | None) -> str | None:
        return self.council_names.canonical(name) if name else None

    def councils_in(self, text: str) -> list[str]:
        """Every council the text names, indexed or not; also by a short form of its name that no document uses
        ('herefs', 'lincs'), as staff write them in chat."""
        names = [c.name for c in self.council_names.find(text)]
        # A word of a name already found ('ne lincs') is not another council's short form.
        for word in words_of(self.council_names.without(text, names)):
            if not all(self.known(t) for t in tokenize(word)):
                council = self.council_names.abbreviated(word)
                if council is not None and council.name not in names:
                    names.append(council.name)
        return names

    def named_councils(self, text: str) -> set[str]:
        """The councils the text names that have indexed documents."""
        return {name for name in self.councils_in(text) if name in self.councils}

    def idf(self, token: str) -> float:
        return self.keyword.idf(token)

    def document_frequency(self, token: str) -> int:
        return self.keyword.document_frequency(token)

    def known(self, token: str) -> bool:
        return self.keyword.known(token)

    def correction(self, word: str) -> str | None:
        """The word the passages hold that `word` (lower case, held by none) is most likely a slip for: within
        one edit (a letter added, lost, changed, or two swapped; two edits for words of ten letters or more),
        the commonest of the nearest."""
        if len(word) < 5 or not self.keyword.words:
            return None
        from rapidfuzz import process
        from rapidfuzz.distance import DamerauLevenshtein

        limit = 2 if len(word) >= 10 else 1
        found = process.extract(word, self.keyword.words.keys(), scorer=DamerauLevenshtein.distance,
                                score_cutoff=limit, limit=20)
        if not found:
            return None
        return min(found, key=lambda match: (match[1], -self.keyword.words[match[0]]))[0]

    def newest_reports(self, councils: set[str], kinds: set[str]) -> set[str]:
        """The sources of the newest report of each council (of the kinds named, if any); a report kept in two
        places is both of its sources."""
        best: dict[str | None, tuple[str, list[str]]] = {}
        for document in self.documents:
            if document.doc_type in NOT_REPORT_KINDS or (councils and document.council not in councils):
                continue
            if kinds and not document.is_of(kinds):
                continue
            date_so_far, sources = best.get(document.council, ("", []))
            if document.date > date_so_far:
                best[document.council] = (document.date, [document.source])
            elif document.date == date_so_far:
                sources.append(document.source)
        return {source for _, sources in best.values() for source in sources}
