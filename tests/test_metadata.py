"""What a document is, at the scale of a national collection: its council in proper form, its dates, its
kind; and which council a question names, among 150 whose names sit inside each other."""
from __future__ import annotations

import shutil

import pytest

from index.councils import CouncilNames, proper_form
from ingest.metadata import infer_council, infer_doc_type, inspection_dates, months_covered, publication_date
from ingest.parse import read_document

from .conftest import CORPUS


@pytest.mark.parametrize("folder_name, proper", [
    ("bournemouth, christchurch & poole", "Bournemouth, Christchurch and Poole"),
    ("kingston upon hull", "Kingston upon Hull"),
    ("st helens", "St Helens"),
    ("windsor & maidenhead", "Windsor and Maidenhead"),
    ("stoke-on-trent", "Stoke-on-Trent"),
    ("london corporation", "City of London"),
    ("durham", "Durham"),
    # Not in the gazetteer: written in the same style.
    ("newtown upon avon", "Newtown upon Avon"),
])
def test_council_names_in_their_proper_form(folder_name, proper):
    assert proper_form(folder_name) == proper


def test_council_comes_from_the_collection_folder_not_the_file_name():
    source = "2532287_bournemouth, christchurch & poole/children's services inspection - 29 january 2025.pdf"
    assert infer_council(source, "") == "Bournemouth, Christchurch and Poole"
    assert infer_council("80418_norfolk/children's services inspection,  pdf - 16 august 2013.pdf", "") == "Norfolk"
    # A folder that names no council leaves the file name and the text to say.
    assert infer_council("documents/ofsted_trafford_08-may-2019.pdf", "") == "Trafford"
    assert infer_council("reports/annual.pdf", "Inspection of Kirklees local authority children's services") == "Kirklees"


@pytest.mark.parametrize("question, councils", [
    ("How did Leicestershire handle neglect?", ["Leicestershire"]),
    ("How did Leicester handle neglect?", ["Leicester"]),
    ("Compare Leicester and Leicestershire", ["Leicester", "Leicestershire"]),
    ("What did Ofsted say about North Yorkshire?", ["North Yorkshire"]),
    ("What did Ofsted say about York?", ["York"]),
    ("Was North Somerset's front door effective?", ["North Somerset"]),
    ("Was Somerset's front door effective?", ["Somerset"]),
    ("What about Bath and North East Somerset?", ["Bath and North East Somerset"]),
    ("Central Bedfordshire's care leavers", ["Central Bedfordshire"]),
    ("Bedford's care leavers", ["Bedford"]),
    ("County Durham's latest inspection", ["Durham"]),
    ("Kingston upon Thames or Hull?", ["Kingston upon Thames", "Kingston upon Hull"]),
    ("what did the inspection of st helens find", ["St Helens"]),
    # Everyday words name a council only when written as a name.
    ("Reading the report, what was said about bury and harrow?", []),
    ("What did Ofsted say about Reading?", ["Reading"]),
    # Councils outside England are known, so that a question about one is known to have no report here.
    ("What did the inspection of Edinburgh say about leaders?", ["City of Edinburgh"]),
    ("How are care leavers supported in Cardiff and Newport?", ["Cardiff", "Newport"]),
])
def test_a_question_names_the_councils_it_means_and_no_others(question, councils):
    assert [c.name for c in CouncilNames().find(question)] == councils


def test_councils_the_index_knows_beside_the_gazetteer():
    names = CouncilNames(["Northbridge"])
    assert [c.name for c in names.find("What did the Northbridge review say?")] == ["Northbridge"]
    assert names.exact("County Durham") == names.exact("Durham") != names.exact("North Durham")
    assert names.exact("Telford & Wrekin").region == "West Midlands"


@pytest.mark.parametrize("opening, dates", [
    ("Inspection dates: 4 March 2019 to 8 March 2019", ("2019-03-04", "2019-03-08")),
    ("Inspection dates: 23 to 27 February 2026\nLead inspector: A N Other", ("2026-02-23", "2026-02-27")),
    ("Inspection date: 6 July 2015 – 30 July 2015\nReport published: 19 October 2015", ("2015-07-06", "2015-07-30")),
    ("Inspection dates: 8 – 12 July 2013", ("2013-07-08", "2013-07-12")),
    ("Inspection dates: 14 February to 25 February\n2022", ("2022-02-14", "2022-02-25")),
    ("Inspection dates: 28 November to 9 December 2016", ("2016-11-28", "2016-12-09")),
    ("Inspection dates: 30 December to 10 January 2020", ("2019-12-30", "2020-01-10")),
    ("The inspection took place some time ago.", (None, None)),
])
def test_inspection_dates_as_reports_print_them(opening, dates):
    assert inspection_dates(opening) == dates


def test_publication_date_from_the_report_else_its_file_name():
    assert publication_date("x.pdf", "Report published: 19 October 2015") == "2015-10-19"
    assert publication_date("80418_norfolk/children's services inspection - 18 may 2026.pdf", "") == "2026-05-18"
    assert months_covered("2019-05-08", start="2019-03-04", end="2019-04-02") == ("2019-03", "2019-04", "2019-05")


@pytest.mark.parametrize("opening, kind", [
    ("Inspection of Norfolk local authority children's services\nInspection dates: 7 to 18 November 2022",
     "inspection report"),
    # A report that mentions an earlier focused visit is still the inspection it says it is.
    ("Inspection of Bournemouth, Christchurch and Poole local authority children's services. Since the focused "
     "visit in 2021 ...", "inspection report"),
    ("Focused visit to Slough children's services\nDates: 4 to 5 May 2021", "focused visit"),
    ("Monitoring visit to Birmingham children's services", "monitoring visit"),
    ("Joint targeted area inspection of the multi-agency response to children in Kent", "joint targeted area inspection"),
    ("Slough Borough Council\nInspection of services for children in need of help and protection, children looked "
     "after and care leavers. The council's improvement plan ...", "inspection report"),
])
def test_kind_of_document_from_its_own_opening(opening, kind):
    assert infer_doc_type("children's services inspection - 1 may 2021.pdf", "", opening) == kind


@pytest.mark.shared
def test_an_index_of_sources_has_no_council_and_no_date():
    document = read_document(CORPUS / "SOURCES.md", "SOURCES.md")
    assert (document.doc_type, document.council, document.date, document.years) == ("index of sources", None, None, ())


@pytest.mark.shared
def test_real_reports_in_the_national_layout(tmp_path):
    """Reports as the national collection keeps them: '<urn>_<council>/children's services inspection - <date>.pdf'."""
    layout = {
        "ofsted_trafford_08-may-2019.pdf": "80466_trafford/children's services inspection - 08 may 2019.pdf",
        "ofsted_windsor-and-maidenhead_19-november-2024.pdf":
            "80553_windsor & maidenhead/children's services inspection - 19 november 2024.pdf",
        "ofsted_worcestershire_24-january-2017.pdf":
            "80560_worcestershire/children's services inspection - 24 january 2017.pdf",
    }
    read = {}
    for original, source in layout.items():
        target = tmp_path / source
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy(CORPUS / "ofsted" / original, target)
        read[source.split("/")[0]] = read_document(target, source)
    trafford = read["80466_trafford"]
    assert (trafford.council, trafford.doc_type, trafford.published) == ("Trafford", "inspection report", "2019-05-08")
    assert (trafford.inspection_start, trafford.inspection_end) == ("2019-03-04", "2019-03-08")
    assert "2019-03" in trafford.months and "2019-05" in trafford.months
    assert trafford.title == "Inspection of children\u2019s social care services"
    windsor = read["80553_windsor & maidenhead"]
    assert windsor.council == "Windsor and Maidenhead"
    assert "LA NAME" not in windsor.title and windsor.title.startswith("Inspection of the Royal Borough")
    worcestershire = read["80560_worcestershire"]
    assert worcestershire.council == "Worcestershire" and worcestershire.inspection_start == "2016-10-24"


@pytest.mark.parametrize("opening, dates", [
    ("Inspection date: 18 Feb 2014 – 12 March 2014 The overall judgement", ("2014-02-18", "2014-03-12")),
    ("Inspection date: 28 July 2016 Report published: 20 September 2016", ("2016-07-28", "2016-07-28")),
    ("Inspection date: 12/09/2016 to 06/10/2016 Report published: 25/11/2016", ("2016-09-12", "2016-10-06")),
    ("Inspection date: 20 June 2017 \u2500 13 July 2017", ("2017-06-20", "2017-07-13")),
])
def test_inspection_dates_in_the_older_layouts(opening, dates):
    assert inspection_dates(opening) == dates
    if "published" in opening:
        assert publication_date("report.pdf", opening) in ("2016-09-20", "2016-11-25")


def test_a_councils_names_leave_the_search_words_once_the_search_is_confined_to_it():
    names = CouncilNames()
    assert names.without("What did County Durham's inspection say about care leavers?", {"Durham"}).split() == \
        ["What", "did", "inspection", "say", "about", "care", "leavers?"]
    assert "Leeds" not in names.without("How are care leavers in Leeds supported?", {"Leeds"})
    assert names.without("Care leavers in Telford & Wrekin", {"Telford and Wrekin"}).split() == ["Care", "leavers", "in"]
