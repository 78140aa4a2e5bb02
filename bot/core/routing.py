"""Which answerer a question goes to, decided once when it is read: the facts of every report (a list, a
count, a comparison, a change over time, what must improve), a timeline (one finding per document in date
order), or the passages."""
from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache
from typing import Literal

from index.councils import default_names
from index.records import JUDGEMENTS
from index.vocabulary import INSPECTION_KINDS, YEAR, grade_of

from .request import Request
from .types import Route

# Which fact a question asks about, by its words; the first that matches wins (most specific first).
FACT_WORDS = [
    # What must improve, not what has improved; first, as what is asked for: in 'After the inadequate judgement in
    # 2021, what has to improve?' the judgement is context.
    ("improvement", r"\b(?:must|should|needs?\s+to|has\s+to|have\s+to)\s+(?:\w+\s+){0,3}?improve\b|\bto\s+improve\b|"
                    r"\bareas?\s+for\s+improvement|\brecommendations?\b"),
    ("children_in_care_and_care_leavers", r"children\s+in\s+care\s+and\s+care\s+leavers"),
    ("help_and_protection", r"help\s+and\s+protection|child(?:ren)?\s+protection"),
    ("care_leavers", r"care\s+leavers?|leaving\s+care"),
    ("children_in_care", r"children\s+in\s+care|looked[-\s]after"),
    ("impact_of_leaders", r"impact\s+of\s+leaders|leadership|\bleaders\b"),
    # 'Norfolk's judgements over time': every judgement of each report, a row per report.
    ("judgements", r"\bjudgements\b|\bgrades\b|\bratings\b|\b(?:ofsted|inspection)\s+(?:results|outcomes)\b"),
    ("overall_effectiveness", r"overall|judged|judgement|graded|grade|rated|rating|"
                              r"\b(?:stayed|remained|been|become|became|was|were|is|are|got|get)\s+"
                              r"(?:an?\s+)?(?:outstanding|good|inadequate|requires?\s+improvement)\b|"
                              # 'the journey from inadequate'
                              r"\bfrom\s+(?:being\s+)?(?:outstanding|inadequate|requires?\s+improvement)\b"),
    ("lead_inspector", r"lead\s+inspectors?|who\s+(?:led|inspected)|inspectors?\b|\b(?:led|inspected)\s+by\s+[A-Z]"),
]
_COUNTED = r"(?:councils?|local\s+authorit(?:y|ies)|authorities|areas|reports|inspections)"
_ACROSS = re.compile(rf"\bwhich\s+(?:councils?|local\s+authorit(?:y|ies)|authorities|areas?)\b|"
                     rf"\bhow\s+many\s+{_COUNTED}\b|\bnumber\s+of\s+{_COUNTED}\b|"
                     r"\blist\s+(?:the\s+|all\s+)?(?:councils|local\s+authorities|authorities|inspections|reports|"
                     r"judgements|grades|lead\s+inspectors)\b|"
                     r"\ball\s+(?:the\s+)?(?:councils|local\s+authorities|reports|inspections)\b", re.I)
_OVER_TIME = re.compile(r"\bchanged?\b|\bchanges\b|\bover\s+time\b|\bhistory\b|\btrend|\bover\s+the\s+years\b|"
                        r"\beach\s+(?:inspection|report)\b|\bevery\s+(?:inspection|report)\b|"
                        r"\bprevious\s+(?:inspections|judgements)\b|\bto\s+the\s+(?:latest|last|most\s+recent)\b", re.I)
# 'Bradford's last two inspections': that many of each council's newest reports.
_LAST_N = re.compile(r"\b(?:last|latest|previous|past|most\s+recent)\s+(two|three|four|five|[2-9])\s+"
                     r"(?:ofsted\s+)?(?:inspections?|reports?|judgements?|visits?)\b", re.I)
_NUMBERS = {"two": 2, "three": 3, "four": 4, "five": 5}
_COMPARE = re.compile(r"\bcompar|\bversus\b|\bvs\.?\s", re.I)
_SAID_BEFORE = re.compile(r"\b(?:said|raised|found)\s+before\b|\bbefore\b|\bpreviously\b|\bagain\b|\brepeat", re.I)
_SINCE = re.compile(r"\b(?:since|from|after)\s+((?:19|20)\d\d)\b", re.I)
# Which of a report's dates a year names: 'published in 2023', or 'inspected / finished / carried out in 2022'.
_PUBLISHED = re.compile(r"\bpublished\b|\bpublication\b", re.I)
_INSPECTED = re.compile(r"\binspected\b|\bfinished\b|\bended\b|\bcarried\s+out\b|\btook\s+place\b|\bon\s+site\b|"
                        r"\binspections?\s+(?:were\s+|was\s+)?(?:held\s+)?in\b", re.I)
_ABOUT_GRADES = re.compile(r"\bjudge|\bjudgement|\bgrade|\brated\b|\brating|\boutstanding\b|\bgood\b|\boverall\b|"
                           r"\brequires?\s+improvement\b|\binadequate\b|\binspect|\bresults\b", re.I)
_GRADE = re.compile(r"\b(outstanding|good|requires?\s+improvement|inadequate)\b", re.I)
_NAMED_GRADE = re.compile(r"\bjudge|\bgrade|\brated\b|\brating|\boutstanding\b|\brequires?\s+improvement\b|"
                          r"\binadequate\b|\boverall\s+effectiveness\b|\bresults\b", re.I)
# 'led by Jane Doe', 'inspected by Jane Doe': the inspector named.
_LED_BY = re.compile(r"\b(?:led|inspected|carried\s+out)\s+by\s+((?:[A-Z][\w'’.-]+\s?){2,4})")


@dataclass(frozen=True)
class FactQuestion:
    fact: str
    councils: frozenset[str]  # empty: every council
    region: str | None
    since: int | None
    years: frozenset[int]
    dated_by: Literal["any", "inspection", "publication"]  # which of a report's dates its years are
    grade: str | None  # only reports with this grade
    over_time: bool  # every report, in date order; else each council's latest
    said_before: bool
    person: str | None = None  # only reports this inspector led ('which councils' inspections did Jane Doe lead')
    latest: int | None = None  # only each council's newest this many reports ('the last two inspections')


@lru_cache(maxsize=1)
def regions() -> dict[str, set[str]]:
    """Each region of councils.tsv (the Office for National Statistics' lookups) and its councils."""
    return default_names().by_region()


def fact_question(question: str, councils: set[str]) -> FactQuestion | None:
    """The question (naming `councils`) as a question about facts, when it asks across reports; None when
    retrieval should answer."""
    # The first that matches is what is asked for.
    fact = next((name for name, pattern in FACT_WORDS if re.search(pattern, question, re.I)), None)
    if fact is None:
        return None
    # A region's name inside a council's ('North East' in 'North East Lincolnshire') is the council's.
    unnamed = default_names().without(question, {c.name for c in default_names().find(question)})
    region = next((name for name in sorted(regions(), key=len, reverse=True)
                   if re.search(rf"\b{re.escape(name)}\b", unnamed, re.I)), None)
    since = _SINCE.search(question)
    about_grades = _ABOUT_GRADES.search(question)
    across, compare = _ACROSS.search(question), _COMPARE.search(question)
    # 'Since 2015' or a region turn a question to the facts only when it is about judgements: 'what has
    # Trafford done for care leavers since 2019' is a question for the passages.
    last = _LAST_N.search(question)
    years = frozenset(int(y) for y in YEAR.findall(question)) if not since else frozenset()
    # Two years named ('in 2018 and 2023') ask for each of them: a change, as 'since' does.
    # A grade or an inspector asked for in words, not only an inspection named.
    of_facts = fact in ("lead_inspector", "judgements") or _NAMED_GRADE.search(question)
    over_time = _OVER_TIME.search(question) or (since and about_grades) \
        or ((last or (len(years) >= 2 and councils)) and of_facts)
    improve_for = fact == "improvement" and councils and re.search(r"\bwhat\b|\blist\b", question, re.I)
    if not (across or over_time or compare or improve_for or (region and about_grades)):
        return None
    if (fact in JUDGEMENTS or fact == "judgements") and not about_grades:
        return None  # 'which councils support care leavers in custody' asks about practice, not a grade
    grade = _GRADE.search(question)
    person = _LED_BY.search(question) if fact == "lead_inspector" else None
    return FactQuestion(
        fact=fact, councils=frozenset(councils), region=region,
        since=int(since.group(1)) if since else None,
        years=years,
        dated_by="publication" if _PUBLISHED.search(question) else "inspection" if _INSPECTED.search(question)
        else "any",
        # A named council's reports over time are all shown: 'has it stayed outstanding' asks which were not.
        grade=grade_of(grade.group(1)) if grade and (fact in JUDGEMENTS or fact == "judgements")
        and not (over_time and councils) else None,
        over_time=bool(over_time) or person is not None, said_before=bool(_SAID_BEFORE.search(question)),
        person=person.group(1) if person else None,
        latest=(_NUMBERS.get(last.group(1).lower()) or int(last.group(1))) if last else None)


# 'a line from each of Hull's last three reports', 'lines from every inspection'.
_EACH_REPORT = re.compile(r"\b(?:from|in)\s+each\b|\beach\s+(?:of\s+)?(?:the\s+|its\s+|their\s+)?(?:\w+['’]s\s+)?"
                          r"(?:\w+\s+){0,3}?(?:reports?|inspections?)\b|\bevery\s+(?:inspection|report)\b", re.I)
TIMELINE = re.compile(r"\bover\s+time\b|\bbeen\s+described\b|\bhow\s+(?:has|have)\b.{0,80}\bchanged\b|\btimeline\b|"
                      r"\b(?:from|in)\s+each\s+(?:of\s+)?(?:the\s+)?(?:\w+['’]s\s+)?(?:\w+\s+){0,3}?(?:reports|"
                      r"inspections|documents)\b|\bjourney\b|"
                      r"\bover\s+the\s+years\b|\bacross\s+(?:the\s+)?(?:years|reports|documents)\b|"
                      r"\bfrom\s+(?:the\s+)?(?:19|20)\d\d\b.{0,80}\bto\s+(?:the\s+)?(?:19|20)\d\d\b", re.I)


# The words that ask for a timeline, not what it is about: 'how has', 'been described', 'over time'.
_FRAMING = re.compile(r"\bfrom\s+(?:the\s+)?(?:19|20)\d\d\b.{0,60}?\bto\s+(?:the\s+)?(?:19|20)\d\d\b(?:\s+(?:peer\s+)?"
                      r"(?:inspection|report|review|plan|briefing))?|\bhow\s+(?:has|have|did)\b|\bbeen\s+(?:described|reported|judged|seen)\b|\bchanged\b|"
                      r"\bover\s+(?:time|the\s+years)\b|\btimeline\s+of\b|\bacross\s+(?:the\s+)?(?:years|reports|"
                      r"documents)\b", re.I)


def asks_for_timeline(question: str) -> bool:
    return bool(TIMELINE.search(question))


def topic_of(question: str) -> str:
    """What a timeline is about: 'How have caseloads in Worcestershire been described over time?' →
    'caseloads in Worcestershire'. The framing words would otherwise count against every finding."""
    topic = re.sub(r"\s+", " ", _FRAMING.sub(" ", question)).strip(" ?.")
    return topic or question


def route_of(asked: str, councils: set[str], request: Request,
             kinds: set[str]) -> tuple[Route, FactQuestion | None, str | None]:
    """The answerer for a question (`asked`: without its framing), what it asks of the facts, and a timeline's
    topic. The facts are an inspection report's: a question that names another kind of document (the peer
    review) is not answered from them."""
    of_inspections = not kinds or "inspection" in kinds or bool(kinds & set(INSPECTION_KINDS))
    # A quote asked for ('a sentence from the 2024 report saying it has gone backwards') is a passage's, not a
    # table of facts'; lines from each report are the facts' rows, each with its report's opening sentence.
    quotable = request.shape != "quote" or bool(_EACH_REPORT.search(asked))
    asked_facts = fact_question(asked, councils) if of_inspections and quotable else None
    if asked_facts is not None:
        return "facts", asked_facts, None
    if request.shape == "list" and request.section is not None:
        return "section", None, None
    if request.shape == "briefing":
        return "briefing", None, None
    if asks_for_timeline(asked):
        return "timeline", None, topic_of(asked)
    return "passages", None, None
