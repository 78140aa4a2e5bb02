"""A question, analysed once: what it is about, which documents it points at, and what kind of answer it
wants. Retrieval, the choice of answer sentences and the model's prompt all read the same Query."""
from __future__ import annotations

import re
from dataclasses import dataclass, field

import numpy as np

from index import tuning
from index.text import acronyms_in, expand_query, full_forms_in, tokenize
from index.vocabulary import GRADE_NAMES, MONTHS_WRITTEN, YEAR

from .catalog import Catalog
from .request import Request, asks_how_or_why, read_request
from .request_examples import RequestExamples, clauses
from .routing import FactQuestion, route_of
from .types import AnswerKind, Route

# A year that names the document ('the 2009 inspection', 'in 2019'), not a span ('since 2015', 'by 2020',
# '2015-16').
_DOCUMENT_YEAR = re.compile(r"(?<!\bsince )(?<!\bafter )(?<!\bbefore )(?<!\buntil )(?<!\bfrom )(?<!\bby )"
                            r"(?<!\bbetween )(?<!\band )(?<!\bto )(?<![\d/\u2013-])((?:19|20)\d\d)(?![\d/\u2013-])", re.I)
MONTH_YEAR = re.compile(rf"\b({'|'.join(MONTHS_WRITTEN)})\.?\s+((?:19|20)\d\d)\b", re.I)
LATEST = re.compile(r"\b(latest|newest|most recent|current|last)\b(?!\s+(?:year|month|week|time|few|two|three|"
                    r"four|five|decade|summer|spring|autumn|winter)s?\b)", re.I)
# Words in a question that name a kind of document, and what they steer to (a topic or a document type).
KIND_WORDS = [
    (r"\b(ofsted|inspection|inspected|inspectors?)\b", "inspection"),
    # In these documents an inspection is Ofsted's; a review is the peer review.
    (r"\breview\b|\breviewers?\b|\bpeers?\b|\blga\b", "peer review"),
    (r"\bscrutiny\b", "scrutiny"),
    (r"\bletter\b", "letter"),
    (r"\bbriefing\b", "briefing note"),
    (r"\b(improvement|action) plan\b", "improvement plan"),
    (r"\bfocused visits?\b", "focused visit"),
    (r"\bmonitoring visits?\b", "monitoring visit"),
    (r"\bjoint targeted area inspections?\b|\bjtais?\b", "joint targeted area inspection"),
]
# What follows a kind of document's name when it names the question's document ('the review found', 'the
# inspection of Luton', 'the review?'), not a thing of that kind ('the review format', 'review meetings').
_NAMING_A_DOCUMENT = re.compile(
    r"\s*(?:$|[?.,;:!)]|(?:said|says?|found|finds?|recommend\w*|describ\w*|noted?|notes|identif\w*|conclu\w*|"
    r"reported|shows?|showed|highlight\w*|prais\w*|critici\w*|mention\w*|judged|rated|graded|of|in|on|into|for|"
    r"by|from|about|at|to|team|published|did|does|do|was|were|is|are|has|had|have|and|or|letter|report|"
    r"feedback|findings?|summary|took|take)\b)", re.I)
# Words that name the document a question is about ('what did the peer review say…'), not what it asks.
_DOCUMENT_WORDS = re.compile(r"\bpeer reviews?\b|\breviews?\b|\binspections?\b|\breports?\b|\bletters?\b|"
                             r"\bbriefing(?: note)?\b|\bofsted\b|\bpublished\b|\bpublication\b", re.I)
# The words before 'review' that make it the document ('the review', 'the LGA review', 'Trafford's review').
_NAMES_A_REVIEW = {"the", "a", "an", "this", "that", "its", "their", "our", "his", "her", "peer", "lga", "safeguarding",
                   "ofsted", "latest", "last", "recent", "previous", "earlier", "s", "children", "childrens", "of", "in",
                   "from", "and", "or"}
# A council a question's council works with: 'shared leadership with Cambridgeshire' (not 'compared with').
_PARTNER = re.compile(r"(?<!compared )(?<!compare )(?<!comparison )\b(?:with|alongside)\s+((?:neighbouring\s+)?"
                      r"[A-Z][\w'’-]*(?:\s+(?:and|upon|on|of|the|[A-Z][\w'’-]*)){0,4})", re.I)
# 'the 2016/17 inspection', '2016-17': a financial or academic year, two years written as one.
YEAR_SPAN = re.compile(r"\b((?:19|20)\d\d)[/-](\d\d)\b(?![/-]\d)")
# A kind of document asked about, not asked of: 'what did it say about the peer review', 'mention the inspection'
# ('the letter about the peer review' is still the letter's, asked of the peer review too).
_SUBJECT_KIND = re.compile(r"\b(?:(?:say|says|said|tell|tells|told|write|wrote|written|note|noted|find|found|"
                           r"conclude|concluded)\s+(?:\w+\s+){0,2}?(?:about|regarding|on|of)|mentions?|mentioned|"
                           r"refers? to|referred to)\s+"
                           r"(?:the |its |their |any |an? )?(?:(?:lga|earlier|previous|last|recent|\d{4}) )?"
                           r"((?:safeguarding )?(?:peer reviews?|reviews?|inspections?|letters?|briefing(?: notes?)?|"
                           r"improvement plans?|action plans?))\b", re.I)
_JUDGEMENT_WORDS = ["judged", "judgements?", "graded", "grades?", "rated", "ratings?"]
_HOW_MANY = re.compile(r"\bhow (many|much|long|often)\b|\bwhat (number|percentage|proportion|share)\b|"
                       r"\bnumber of\b|%|\bper ?cent\b|\b(?:percentage|proportion) of\b|"
                       r"\bthe (?:figure|stat|stats|statistic|number)\b|"
                       r"\bwhat\s+(?:were|are|was|is)\s+(?:the\s+)?(?:typical|average|usual)\s+\w+", re.I)
# 'How much did it cost', 'how much extra money': an amount of money answers it, not any figure.
_HOW_MUCH_MONEY = re.compile(r"\bhow much\b.{0,60}\b(?:cost|costs|spend|spent|money|budget|funding|fund|invest\w*|"
                             r"pay|paid|worth|overspend|savings?)\b|\bhow much (?:extra |more |new )?(?:money|funding)\b",
                             re.I)
# What kind of answer a question wants, from how it is asked; the first that matches.
# 'What proportion', 'the % of': a share answers it ('45%', 'a third', 'most').
_WHAT_SHARE = re.compile(r"\bwhat (?:percentage|proportion|share|%)\b|\b(?:the )?(?:%|per ?cent|percentage|proportion) of\b|"
                         r"\bwhat %", re.I)
ANSWER_KINDS = [
    ("money", _HOW_MUCH_MONEY),
    ("share", _WHAT_SHARE),
    ("number", _HOW_MANY),
    ("judgement", re.compile(rf"\b({'|'.join(_JUDGEMENT_WORDS)}|overall effectiveness)\b", re.I)),
    ("person", re.compile(r"^\s*(who|whom)\b|\bwho (led|was|were|signed|chaired)\b|\b(name|names) of\b", re.I)),
    ("date", re.compile(r"^\s*when\b|\bwhat date\b|\bwhich (month|year)\b|\babout when\b|"
                        r"\bwhen (?:will|would|is|was|did|does) (?:the|it|they)\b", re.I)),
    ("list", re.compile(r"\b(what|which) (were|are) the\b.*\b(priorities|areas|recommendations|strengths|"
                        r"actions|steps|things)\b|\blist\b|\bwhat (must|should|needs? to) .*improve\b", re.I)),
]
_ANSWER_KIND_WORDS = {"money": "an amount of money", "share": "a proportion", "number": "a number",
                      "judgement": "a judgement or grade", "person": "a person's name",
                      "date": "a date", "list": "a list"}


@dataclass
class Query:
    question: str
    # What is searched: the question without the words that pick documents (a council's name, 'latest'),
    # with each acronym's other form added.
    search_text: str
    # Content words (stemmed), in the question's order (two neighbours are a phrase), and how much each
    # counts: its rarity, doubled for the word a who-question turns on ('lead' in 'who was the lead inspector').
    terms: dict[str, float]
    # Words in so few passages that an answer without them is about something else ('air' in 'air quality'),
    # or in none at all.
    rare_terms: list[str]
    unknown_words: list[str]  # as written: the question's words that no passage holds ('fleet')
    unknown_share: float  # their share of the question's content words, by rarity
    # For each word that is an acronym or part of a full form, the words of its other form.
    synonyms: dict[str, list[set[str]]]
    councils: set[str]  # named, with documents indexed
    councils_without_documents: list[str]
    years: set[int]
    months: set[str]  # "2019-03"
    kinds: set[str]
    latest: bool
    # Years that name the report asked about (report_years), and those of them the councils it names have no
    # document of.
    report_years: set[int]
    years_without_documents: list[int]
    # The kinds of document it names when the councils it names have none of them ('the peer review').
    kinds_without_documents: list[str]
    names: list[str]  # capitalised names inside the question ('France', 'Birmingham')
    answer_kind: AnswerKind
    request: Request | None = None  # what shape of answer is wanted, and which section
    # What its nearest labelled request reads it as (a briefing, a section), when that is not decided outright:
    # the answer where the passages can't answer it as asked.
    suggested: Request | None = None
    route: Route = "passages"
    facts: FactQuestion | None = None  # what it asks of the facts of every report, on the facts route
    topic: str | None = None  # what a timeline is about, without the words that ask for one
    vector: np.ndarray | None = field(default=None, repr=False)  # of search_text, once embedded

    def describe(self) -> str:
        """What the question points at and asks for, in words, for the model's prompt."""
        parts = []
        if self.answer_kind != "text":
            parts.append(f"It asks for {_ANSWER_KIND_WORDS[self.answer_kind]}.")
        if self.councils:
            parts.append(f"It is about {', '.join(sorted(self.councils))}.")
        when = sorted(self.months) or sorted(self.years)
        if when:
            parts.append(f"It names {', '.join(map(str, when))}.")
        if self.latest:
            parts.append("It wants the most recent report.")
        return " ".join(parts)


def analyse(question: str, catalog: Catalog, council: str | None = None,
            examples: RequestExamples | None = None) -> Query:
    """`council`: a council chosen outside the question (a filter) rather than named in it. `examples`: the
    labelled requests a question is compared with in meaning; with them the question is embedded here, its
    search text and its request in one batch."""
    request = read_request(question)
    # What picks the documents is read from the question without its framing ('for a scrutiny report' names
    # no scrutiny report); what must be said, from its topic.
    asked = _spans_as_years(request.asked)
    named = catalog.councils_in(asked)
    # 'Peterborough's 2018 report on its shared leadership with Cambridgeshire': the partner is asked about, not
    # asked of, while another council is named.
    partners = {name for m in _PARTNER.finditer(asked) for name in catalog.councils_in(m.group(1))}
    if not set(named) - partners:
        partners = set()
    named = [name for name in named if name not in partners]
    # The question's councils with documents, unless a filter chose one.
    councils = {catalog.canonical(council)} if council else {name for name in named if name in catalog.councils}
    topic = _corrected(catalog.council_names.without(_spans_as_years(request.topic), set(named) | councils), catalog)
    search_text = expand_query(LATEST.sub(" ", topic), catalog.acronyms)
    # 'what did the inspection say about the peer review?': the second kind is what is asked about.
    subject = _SUBJECT_KIND.search(asked)
    without_subject = asked[:subject.start(1)] + asked[subject.end(1):] if subject else asked
    naming = without_subject if _kinds(without_subject) else asked
    steering = _steering_words(naming, councils)
    answer_kind = next((kind for kind, pattern in ANSWER_KINDS if pattern.search(asked)), "text")
    kinds = _kinds(naming)
    vector, suggested = None, None
    # A question for a name, a date, a figure or a grade asks for that, however it is worded.
    if examples is not None and answer_kind == "text":
        # The request compared without what picks its documents: the examples name no council or year.
        request_text = YEAR.sub(" ", catalog.council_names.without(asked, set(named) | councils))
        # A request the lexicons read as a quote, a section or a briefing is not compared: the lexicons have said.
        parts = clauses(request_text) if examples.reads(request) else []
        vectors = np.asarray(examples.embed([search_text, *parts]), dtype=np.float32)
        vector = vectors[0]
        suggested, decides = examples.suggest(request, vectors[1:])
        # 'Why did it end up inadequate?', 'how did it slide?' ask for a reason or an account: the passages answer
        # first, and a section's items only where they can't.
        if suggested is not None and decides and not asks_how_or_why(request.topic):
            request, suggested = suggested, None
    # 'How long', 'how many': the number is the answer; 'long' and 'many' needn't be in it.
    number_words = set()
    if answer_kind in ("number", "money", "share"):
        number_words = {t for m in _HOW_MANY.finditer(asked) for t in tokenize(m.group(0))}
    content: dict[str, float] = {}
    for token in tokenize(_spelled_out(topic, catalog)):
        if token not in steering and token not in number_words and token not in content:
            content[token] = catalog.idf(token)
    # A word no passage holds can't be quoted: the rest of the question is what is searched for and weighed,
    # and the share it had is evidence for the decision to answer (abstention.py). Only when nothing else is
    # left is it the topic.
    terms = {t: w for t, w in content.items() if catalog.known(t)} or content
    unknown_share = sum(w for t, w in content.items() if not catalog.known(t)) / sum(content.values()) \
        if content else 0.0
    focus = _focus(asked, terms)
    if focus:
        terms[focus] *= tuning.FOCUS_WEIGHT
    synonyms = _synonyms(topic, catalog.acronyms)
    if answer_kind == "judgement":
        # 'How was X judged': a grade answers it, without the word 'judged' ('Care leavers Outstanding').
        for token in set(tokenize(" ".join(_JUDGEMENT_WORDS))) & set(terms):
            synonyms.setdefault(token, []).extend(set(tokenize(grade)) for grade in GRADE_NAMES)
    # The council's name as a mark, for telling a year beside it ('Haringey 2023') from an event's.
    marked = catalog.council_names.without(asked, set(named) | councils, "\x00") if named or councils else asked
    route, facts, timeline_topic = route_of(asked, councils, request, kinds)
    return Query(
        question=question, search_text=search_text, terms=terms, synonyms=synonyms,
        rare_terms=[t for t in terms if catalog.document_frequency(t) <= _rare_limit(catalog.passages)],
        unknown_words=[w for w in dict.fromkeys(re.findall(r"[A-Za-z][\w'’-]*", topic))
                       if (tokens := tokenize(w)) and all(t in content and not catalog.known(t) for t in tokens)],
        unknown_share=unknown_share,
        councils=councils, councils_without_documents=[c for c in named if c not in catalog.councils],
        years={int(y) for y in YEAR.findall(asked)},
        months={f"{int(y):04d}-{MONTHS_WRITTEN[m.lower()]:02d}" for m, y in MONTH_YEAR.findall(asked)},
        kinds=kinds,
        # An author names the documents they wrote, as a capitalised name in the topic does.
        latest=bool(LATEST.search(asked)), names=_names(topic) + (
            [request.author] if request.author and not catalog.councils_in(request.author) else []),
        years_without_documents=_years_without_documents(marked, councils, catalog.council_years,
                                                         answer_kind == "judgement"),
        report_years=report_years(marked),
        kinds_without_documents=_kinds_without_documents(_asking_sentences(asked), councils, catalog.council_kinds),
        answer_kind=answer_kind, request=request, route=route, facts=facts, topic=timeline_topic, vector=vector,
        suggested=suggested,
    )


def _spans_as_years(text: str) -> str:
    """'the 2016/17 inspection' names both years: '2016 2017'."""
    return YEAR_SPAN.sub(lambda m: f"{m.group(1)} {m.group(1)[:2]}{m.group(2)}", text)


def _kinds(asked: str) -> set[str]:
    """The kinds of document a question names. A review that is Ofsted's ('Ofsted's 2015 review of the
    safeguarding children board') is an inspection, not a peer review."""
    lowered = asked.lower()
    kinds = {kind for pattern, kind in KIND_WORDS if re.search(pattern, lowered)}
    if "inspection" in kinds and "peer review" in kinds and not re.search(r"\bpeers?\b|\blga\b", lowered):
        kinds.discard("peer review")
    return kinds


def _corrected(topic: str, catalog: Catalog) -> str:
    """The topic with each word that no passage holds, but that is a slip of the keyboard from a word the
    passages hold, put right ('inspecton' → 'inspection'): what the documents don't hold can't be quoted, so
    the nearest word they do hold is the likelier meaning, and the quote shown lets the reader check."""
    def mend(match: re.Match) -> str:
        word = match.group(0)
        if not tokenize(word) or all(catalog.known(t) for t in tokenize(word)):
            return word
        # A word that picks the documents ('newest', 'report', a month) is meant as written.
        if LATEST.fullmatch(word) or _DOCUMENT_WORDS.fullmatch(word) or word.lower() in MONTHS_WRITTEN:
            return word
        return catalog.correction(word.lower()) or word

    return re.sub(r"[A-Za-z][A-Za-z'’-]{3,}", mend, topic)


def _spelled_out(topic: str, catalog: Catalog) -> str:
    """The topic with each acronym the documents never use as written ('SWs', 'UASC') in its full form, which they
    may: the words weighed are the documents' words."""
    for acronym in acronyms_in(topic, catalog.acronyms):
        forms = rf"\b{re.escape(acronym)}(?:['’]?s)?\b"
        if not all(catalog.known(t) for t in tokenize(acronym)):
            topic = re.sub(forms, catalog.acronyms[acronym], topic, flags=re.I)
    return topic


def _rare_limit(passages: int) -> float:
    return max(1.0, tuning.RARE_SHARE * passages) if tuning.RARE_SHARE > 0 else 0.0


# Words a year beside them dates the report by: 'the 2019 inspection', 'ofsted in 2019', 'judged good in 2019'.
_REPORT_WORDS = re.compile(r"\b(?:peer reviews?|reviews?|inspections?|inspected|reports?|letters?|briefing|ofsted|"
                           r"published|visits?|judge(?:ments?|d)|rated|graded|ilacs|findings)\b|\x00", re.I)


def report_years(question: str) -> set[int]:
    """The years that name the report asked about, not an event it reports ('after it split into two councils in
    2023'): a year beside a word for the report or the council's name (written here as NUL), or standing alone
    at the message's start or end ('Herefordshire 2022 - …', '… on time? 2022')."""
    years = set()
    for match in _DOCUMENT_YEAR.finditer(question):
        before = question[max(0, match.start() - 40):match.start()]
        after = question[match.end():match.end() + 40]
        near = re.search(r"(?:\S+\W+){0,3}$", before).group(0) + " " + re.match(r"(?:\W*\S+){0,2}", after).group(0)
        alone = not re.search(r"[A-Za-z]", re.split(r"[?.!,;:\-–—]", before)[-1]) and \
            not re.search(r"[A-Za-z]", re.split(r"[?.!,;:\-–—]", after)[0])
        if _REPORT_WORDS.search(near) or alone:
            years.add(int(match.group(1)))
    return years


def _years_without_documents(question: str, councils: set[str], council_years: dict[str | None, set[int]],
                             asks_judgement: bool) -> list[int]:
    """The years a question names its council's report by, when none of that council's documents is of any of
    them: 'the 2009 inspection of Luton' where Luton's reports are of 2016 and after. A judgement is an
    inspection's, so its year is the inspection's ('Luton's overall judgement in 2009')."""
    years = sorted(report_years(question) if not asks_judgement else {int(y) for y in _DOCUMENT_YEAR.findall(question)})
    if not councils or not years:
        return []
    held = set().union(*(council_years.get(c, set()) for c in councils))
    return [] if held & set(years) else years


def _asking_sentences(text: str) -> str:
    """The sentences of a message that ask (end in '?'), where others follow them ('… anything to improve? want to
    be accurate in the briefing': the briefing is what the answer is for, not a document asked about)."""
    sentences = re.split(r"(?<=\?)\s+", text.strip())
    asking = [s for s in sentences if s.endswith("?")]
    return " ".join(asking) if asking and len(asking) < len(sentences) else text


def _kinds_without_documents(question: str, councils: set[str],
                             council_kinds: dict[str | None, set[str]]) -> list[str]:
    """The kinds of document a question names its document by ('what did the peer review of Luton find'),
    when none of its councils has a document of any of them."""
    named = {kind for pattern, kind in KIND_WORDS for match in re.finditer(pattern, question, re.I)
             if _NAMING_A_DOCUMENT.match(question, match.end())}
    if not councils or not named or any(named & council_kinds.get(c, set()) for c in councils):
        return []
    return sorted(named)


def _steering_words(question: str, councils: set[str]) -> set[str]:
    """Words that pick documents (council, date) rather than say what is asked: the answer need not repeat
    them. Kinds of document ('review', 'peer') stay: 'lead peer' is asked about, not steered by."""
    words = set(tokenize(" ".join(councils))) | set(tokenize(" ".join(MONTHS_WRITTEN)))
    words |= set(YEAR.findall(question))
    # 'the latest inspection': recency picks the report, the answer needn't say "latest".
    for match in [*_DOCUMENT_WORDS.finditer(question), *LATEST.finditer(question)]:
        # 'foster carer reviews', 'case reviews': reviews of a kind the documents report on, not the document.
        before = re.search(r"([A-Za-z]+)\s+$", question[:match.start()])
        if match.group(0).lower().startswith("review") and before and before.group(1).lower() not in _NAMES_A_REVIEW \
                and not set(tokenize(before.group(1))) <= words:
            continue
        words |= set(tokenize(match.group(0)))
    return words


def _focus(question: str, terms: dict[str, float]) -> str | None:
    """The word a who-question turns on: 'signed' in 'Who signed the letter…', 'lead' in 'Who was the lead peer…'."""
    match = re.match(r"\s*who\b(.*)", question, re.I)
    if not match:
        return None
    return next((token for token in tokenize(match.group(1)) if token in terms), None)


def _names(topic: str) -> list[str]:
    """Capitalised words inside the topic ('Birmingham', 'France'), less months, words that start a sentence
    or a clause ('… since 2018? What did …'), and words that carry no topic ('What', 'Is'). The topic has
    no council names left in it: a council is steered to, not searched for."""
    names = []
    for match in re.finditer(r"\b([A-Z][a-zA-Z]{2,})\b", topic):
        word = match.group(1).lower()
        starts = re.search(r"(?:^|[.?!:;\-–—(\"“]\s*)$", topic[:match.start()])
        if starts or word in MONTHS_WRITTEN or not tokenize(word):
            continue
        names.append(match.group(1))
    return names


def _synonyms(question: str, glossary: dict[str, str]) -> dict[str, list[set[str]]]:
    """For each question word that is an acronym or part of a full form, the words of the other form."""
    synonyms: dict[str, list[set[str]]] = {}
    used = acronyms_in(question, glossary)
    spelled = [a for a in full_forms_in(question, glossary) if a not in used]
    for acronym, is_used in [*((a, True) for a in used), *((a, False) for a in spelled)]:
        acronym_tokens = set(tokenize(acronym))
        full_tokens = set(tokenize(glossary[acronym]))
        if not acronym_tokens or not full_tokens:
            continue
        for t in acronym_tokens if is_used else full_tokens:
            synonyms.setdefault(t, []).append(full_tokens if is_used else acronym_tokens)
    return synonyms
