"""Facts read from an inspection report's own text at ingest: when it took place, who led it, what kind it
was, each judgement's grade, and what must improve. Every fact keeps the page and the verbatim line it was
read from; what cannot be read is left out, never guessed.

Three layouts are read: the single inspection framework (2013-2017: 'The overall judgement is inadequate',
'1. Children who need help and protection Inadequate'), the ILACS framework of 2018-2025 (a 'Judgement
Grade' table with 'Overall effectiveness' and the combined 'children in care and care leavers'), and the
framework of 2026 (no overall effectiveness; children in care and care leavers judged apart)."""
from __future__ import annotations

import re
from datetime import date

from index import tuning
from index.records import JUDGEMENTS, Fact
from index.vocabulary import INSPECTION_KINDS, grade_of

from .document import Block, Document
from .metadata import INSPECTION_LABEL

_GRADE = r"(?P<grade>outstanding|good|requires?\s+improvement(?:\s+to\s+be\s+good)?|inadequate)"
# Each judgement as the three layouts name it, most specific first: 'children in care and care leavers'
# before 'children in care'.
_JUDGEMENT_NAMES = [
    ("overall_effectiveness", r"overall\s+effectiveness|the\s+overall\s+judgement\s+is(?:\s+that)?(?:\s+children['\u2019]s"
                              r"\s+services)?(?:\s+are|\s+is)?|children['\u2019]s\s+services\s+in\s+[A-Z][\w ,&'\u2019-]{1,60}?"
                              r"\s+(?:are|is)?"),
    ("impact_of_leaders", r"(?:the\s+)?impact\s+of\s+leaders\s+on\s+(?:social\s+work\s+)?practice\s+with\s+children"
                          r"\s+and\s+families|leadership,?\s+management\s+and\s+governance"),
    ("help_and_protection", r"(?:the\s+experiences\s+and\s+progress\s+of\s+)?children\s+who\s+need\s+help\s+and\s+"
                            r"protection"),
    ("children_in_care_and_care_leavers", r"(?:the\s+experiences\s+and\s+progress\s+of\s+)?children\s+in\s+care\s+"
                                          r"and\s+care\s+leavers"),
    ("children_in_care", r"(?:the\s+experiences\s+and\s+progress\s+of\s+)?children\s+in\s+care(?!\s+and\s+care\s+"
                         r"leavers)|children\s+looked\s+after\s+and\s+achieving\s+permanence"),
    # 'of children care leavers' is how one 2026 report prints it.
    ("care_leavers", r"(?:the\s+)?experiences\s+and\s+progress\s+of\s+(?:children\s+)?care\s+leavers"),
]
_JUDGEMENT = [(name, re.compile(rf"(?:^|[\s.\d])(?:{pattern})\s*(?:is|:|-|\u2013)?\s*{_GRADE}\b", re.I))
              for name, pattern in _JUDGEMENT_NAMES]
# 'Lead inspector: Paula Thomson-Jones', 'Lead inspector: David Cohen, His Majesty's Inspector', and the
# 2012-2013 reports' 'Reporting inspector Gary Lamb HMI'.
_JUDGEMENT_STARTS = [(name, re.compile(rf"\s(?:{pattern})", re.I)) for name, pattern in _JUDGEMENT_NAMES]
_LEAD = re.compile(r"(?<![Dd]eputy )\b(?:[Ll]ead|[Rr]eporting)\s+[Ii]nspector(s?)\s*:?\s*(.*)", re.S)
_NAME = re.compile(r"^((?:[A-Z][\w'\u2019.-]*\s?){2,4})")
_NAME_END = re.compile(r"\s+(?:HMI|Senior|Deputy|Her|His|Ofsted|Team|Inspection|Age)\b.*$")
_IMPROVE_SECTION = re.compile(r"what\s+(?:needs|does\s+the\s+local\s+authority\s+need)\s+to\s+improve|"
                              r"areas\s+for\s+(?:priority\s+action|improvement)|priority\s+and\s+immediate\s+action|"
                              r"^recommendations$", re.I)
_NEXT_ITEM = re.compile(r"\s+(?=\d{1,2}\.\s+[A-Z])")
_BOARD = re.compile(r"safeguarding\s+children\s+board|\bLSCB\b|^section\s+2\b", re.I)
# A title: at the start of one of the first lines, and short ('Focused visit to Bury local authority children's
# services'), not a paragraph that mentions an earlier visit.
_TITLE = re.compile(r"^(?:(?:re-?)?inspection\s+of\b|(?:focused|monitoring)\s+visit\b|joint\s+targeted\s+area\s+inspection)"
                    r"(?=.{0,260}$)", re.I | re.S)
_STATED_KINDS = [
    ("joint targeted area inspection", re.compile(r"joint\s+targeted\s+area\s+inspection", re.I)),
    ("monitoring visit", re.compile(r"monitoring\s+visit", re.I)),
    ("focused visit", re.compile(r"focused\s+visit", re.I)),
]
_ILACS_TITLE = re.compile(r"inspection\s+of\s+.{0,80}?(?:local\s+authority\s+children['\u2019]s\s+services|"
                          r"children['\u2019]s\s+social\s+care\s+services)", re.I)
_SIF_TITLE = re.compile(r"inspection\s+of\s+services\s+for\s+children\s+in\s+need\s+of\s+help\s+and\s+protection", re.I)
# An ILACS short inspection is one working week on site; a standard one, two.
SHORT_INSPECTION_DAYS = 7


def extract_facts(document: Document) -> tuple[Fact, ...]:
    """The facts of an inspection report; nothing for other documents."""
    if document.doc_type not in INSPECTION_KINDS:
        return ()
    dates = next((b for b in document.blocks[:40] if INSPECTION_LABEL.search(b.text)), None)
    facts: list[Fact] = []
    facts.extend(_dates(document, dates))
    facts.extend(_lead_inspector(document.blocks))
    facts.extend(_kind(document, dates))
    facts.extend(_judgements(document.blocks))
    facts.extend(_improvements(document.blocks))
    return tuple(facts)


def _dates(document: Document, label: Block | None) -> list[Fact]:
    if label is None:
        return []
    found = []
    for name, value in (("inspection_start", document.inspection_start), ("inspection_end", document.inspection_end)):
        if value and len(value) == 10:
            found.append(Fact(name, value, label.page, label.text))
    return found


def _lead_inspector(blocks: list[Block]) -> list[Fact]:
    """The lead inspector; two, joined with '; ', where the report names two ('Lead inspectors: Rebecca
    Quested, His Majesty's Inspector, and Matthew Reed, His Majesty's Inspector')."""
    for block in blocks:
        match = _LEAD.search(block.text)
        if not match:
            continue
        names = []
        for part in re.split(r",|\band\b", match.group(2)):
            part = part.strip()
            if not part or re.match(r"(?:Her|His)\s+Majesty|HMI\b|Senior\b", part):
                continue  # an inspector's title
            found = _NAME.match(part)
            name = _NAME_END.sub("", found.group(1).strip()).strip(" .;,") if found else ""
            if len(name.split()) < 2:
                break  # the names are over: the sentence goes on
            names.append(name)
        if names:
            return [Fact("lead_inspector", "; ".join(names[: 2 if match.group(1) else 1]), block.page, block.text)]
    return []


def _kind(document: Document, dates: Block | None) -> list[Fact]:
    """What the report's title says it is. An ILACS inspection's title doesn't say standard or short: the
    framework does, by time on site (a short inspection is one week, a standard one two), so its dates say."""
    head = document.blocks[:8]
    # A title may be broken over two lines ('Inspection of Bath and North East' / 'Somerset local authority ...').
    titles = [(a.page, f"{a.text.strip()} {b.text.strip()}") for a, b in zip(head, head[1:])
              if a.kind == "heading" and _TITLE.search(a.text)] + \
             [(b.page, b.text.strip()) for b in head if _TITLE.search(b.text)]
    for page, text in titles:
        for kind, pattern in _STATED_KINDS:
            if pattern.search(text):
                return [Fact("kind", kind, page, text)]
        if _SIF_TITLE.search(text):
            return [Fact("kind", "standard inspection", page, text)]  # the SIF had one kind
    # ILACS reports: their title, or their first page's judgement table, says so.
    ilacs = any(_ILACS_TITLE.search(text) for _, text in titles) or \
        any(b.kind == "heading" and b.text.strip() == "Judgement Grade" for b in document.blocks[:12])
    if not ilacs or dates is None or not (document.inspection_start and document.inspection_end) \
            or len(document.inspection_start) != 10 or len(document.inspection_end) != 10:
        return []  # the frameworks before 2013 had kinds of their own
    days = (date.fromisoformat(document.inspection_end) - date.fromisoformat(document.inspection_start)).days + 1
    return [Fact("kind", "short inspection" if days <= SHORT_INSPECTION_DAYS else "standard inspection",
                 dates.page, dates.text)]


def _judgements(blocks: list[Block]) -> list[Fact]:
    """Each judgement once: from the judgement table on the first pages, else from the body's heading that
    states it ('The experiences and progress of children in care: good'). A table row broken over lines
    ('2. Children looked after and achieving' / 'permanence Inadequate') is read across the breaks."""
    found: dict[str, Fact] = {}
    first_page = next((b.page for b in blocks if b.page), 1)
    table = [b for b in blocks if b.page is None or b.page < first_page + tuning.JUDGEMENT_PAGES]
    headings = [b for b in blocks if b.kind == "heading" and b not in table]
    lines = [(b.page, b.text.strip()) for b in [*table, *headings]]
    # Rows broken over two or three lines ('... permanence' / 'Requires' / 'Improvement').
    runs = [(run[0].page, " ".join(b.text.strip() for b in run))
            for size in (2, 3) for i in range(len(table) - size + 1)
            for run in [table[i:i + size]] if len({b.page for b in run}) == 1]
    for page, text in [*lines, *runs]:
        for name, pattern in _JUDGEMENT:
            if name in found:
                continue
            match = pattern.search(text)
            if match and _ends_a_judgement(text[match.end():]) and not _inside_longer_name(text, match.start(), name):
                found[name] = Fact(name, grade_of(match.group("grade")), page, text)
    return [found[name] for name in JUDGEMENTS if name in found]


def _ends_a_judgement(rest: str) -> bool:
    """A grade ends its judgement's line, or is followed by the next numbered judgement ('... Inadequate 2.
    Children looked after ...') or a footnote mark; a sentence that goes on ('... require improvement when
    any widespread failures ...') describes what a grade means, it is not the judgement."""
    rest = rest.strip()
    return not rest or bool(re.fullmatch(r"[.\d]*", rest) or re.match(r"\d+(?:\.\d+)?\.?\s", rest)
                            or any(p.match(" " + rest) for _, p in _JUDGEMENT_STARTS))


def _inside_longer_name(text: str, start: int, name: str) -> bool:
    """'care leavers' inside 'children in care and care leavers' is not the care leavers judgement."""
    if name != "care_leavers":
        return False
    return bool(re.search(r"children\s+in\s+care\s+and\s*$", text[:start + 1], re.I))


def _improvements(blocks: list[Block]) -> list[Fact]:
    """The items listed under 'What needs to improve' (and the older 'Areas for improvement' and 'Priority and
    immediate action'): one fact each."""
    found = []
    for block in blocks:
        section = block.section[-1] if block.section else ""
        # The older reports' second part reviews the safeguarding board: its recommendations are the board's.
        board = any(_BOARD.search(s) for s in block.section)
        if block.kind in ("bullet", "paragraph") and _IMPROVE_SECTION.search(section.strip()) and not board \
                and not re.match(r"^\d+\s+\S", block.text) and len(block.text) > 20:
            # Numbered items that lost their line breaks ('... (paragraph 53) 4. Continue with ...') are split.
            items = _NEXT_ITEM.split(block.text.strip()) if re.match(r"\d{1,2}\.\s", block.text) else [block.text]
            found.extend(Fact("improvement", item.strip(), block.page, item.strip()) for item in items if item.strip())
    return found
