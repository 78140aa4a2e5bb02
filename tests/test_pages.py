"""The page view over real HTTP: links the bot gives open their page with the quote highlighted; a changed,
expired or unsigned link, a path outside the index, an unknown document and a document of a collection the
link wasn't given for get 403 or 404 and nothing of any file. Real documents from ../shared, a real Chroma,
real servers (Slack's waitress server with the page view mounted, Teams' aiohttp application, `reviewbot web`)."""
from __future__ import annotations

import threading
import time
from urllib.parse import parse_qs, urlencode, urlparse

import httpx
import pypdfium2 as pdfium
import pytest

from bot.chat.feedback import FeedbackStore
from bot.chat.history import ConversationHistory
from bot.chat.reply import link_to, reply_to
from bot.chat.service import ChatService
from bot.chat.teams.app import MESSAGES_PATH, TeamsDeps, web_application
from bot.core.access import AccessPolicy
from bot.core.service import ReviewBot, keyword_dir, open_store
from bot.core.types import Citation
from bot.links import BadLink, Links, LinkSigner
from bot.pages.locate import find_quote
from bot.pages.pdf import pdf_view
from bot.pages.serve import PATHS, aiohttp_routes, page_server, wsgi_app
from bot.pages.views import PageViews
from bot.settings import Settings, SettingsError
from index import tuning
from ingest.pipeline import ingest

from .conftest import CORPUS, EXAMPLES, free_port, run_cli, settings_for
from .fake_slack import FakeSlack

SECRET = "a-test-secret-that-is-long-enough-for-hmac"
pytestmark = pytest.mark.shared

FINDINGS = "northbridge-2024-peer-review-findings.md"
SCRUTINY = "worcestershire-2015-scrutiny-panel-report.docx"
REPORT_2019 = "ofsted/ofsted_worcestershire_29-july-2019.pdf"
# A sentence of the 2019 report that runs from page 4 onto page 5.
ACROSS_PAGES = ("Although many young people attend or contribute to child protection conferences and children in "
                "need meetings, not enough children are offered or have the benefit of the support of an advocate.")


@pytest.fixture(scope="module")
def site(tmp_path_factory, subset_dir):
    """The example documents and two of the corpus in the default collection, a scrutiny report in
    'restricted', and the page view served by `reviewbot web`'s server."""
    root = tmp_path_factory.mktemp("pages")
    restricted = root / "restricted"
    restricted.mkdir()
    (restricted / SCRUTINY).symlink_to(CORPUS / "worcestershire-2015" / SCRUTINY)
    public = root / "public"
    public.mkdir()
    for name in (FINDINGS, "northbridge-2024-scrutiny-briefing.html"):
        (public / name).symlink_to(EXAMPLES / name)
    (public / "ofsted").mkdir()
    (public / REPORT_2019).symlink_to(CORPUS / REPORT_2019)
    settings = settings_for(root / "data")
    store = open_store(settings)
    ingest([public], store, store.embedder, keyword_dir(settings, store))
    ingest([restricted], store, store.embedder, keyword_dir(settings, store), collection="restricted")
    port = free_port()
    signer = LinkSigner(SECRET, f"http://127.0.0.1:{port}", 30)
    views = PageViews(store, signer)
    server = page_server(views, port, host="127.0.0.1")
    threading.Thread(target=server.run, daemon=True).start()
    yield {"signer": signer, "store": store, "settings": settings, "base": f"http://127.0.0.1:{port}",
           "views": views}
    server.close()


def get(url: str) -> httpx.Response:
    return httpx.get(url, timeout=30)


def with_params(url: str, **changes) -> str:
    parts = urlparse(url)
    params = {k: v[0] for k, v in parse_qs(parts.query, keep_blank_values=True).items()}
    params.update({k: v for k, v in changes.items() if v is not None})
    for k in [k for k, v in changes.items() if v is None]:
        params.pop(k, None)
    return parts._replace(query=urlencode(params)).geturl()


def test_a_citation_opens_its_page_with_the_quote_highlighted(site):
    quote = ("When child protection concerns reduce, cases appropriately \u2018step down\u2019 to CIN, enabling "
             "families to maintain the progress they have made.")
    link = site["signer"].url("page", REPORT_2019, 4, "default", quote)
    started = time.perf_counter()
    response = get(link)
    assert response.status_code == 200 and time.perf_counter() - started < 1.0
    page = response.text
    assert "Page 4 of" in page and "Open the whole document" in page and 'data-page="4"' in page
    assert page.count('class="highlight"') >= 1 and "could not be found" not in page
    assert response.headers["referrer-policy"] == "no-referrer" and "default-src 'none'" in \
        response.headers["content-security-policy"]


def test_the_highlight_covers_the_quotes_characters_and_only_them():
    """The boxes the view draws hold every character of the quote, as PDFium places them, and none before it."""
    path = CORPUS / REPORT_2019
    quote = ("Scaling tools are used in these meetings and enable the measurement of progress to demonstrate "
             "whether and how children\u2019s circumstances are improving.")
    view = pdf_view(path, 4, quote)
    assert view.found and [p.number for p in view.pages] == [4]
    image = view.pages[0]
    document = pdfium.PdfDocument(str(path))
    textpage = document[3].get_textpage()
    searcher = textpage.search("enable the measurement of progress", match_case=True)
    start, count = searcher.get_next()
    width, height = document[3].get_size()
    scale = image.width / width
    for index in range(start, start + count):
        left, bottom, right, top = textpage.get_charbox(index)
        if right <= left:
            continue
        x, y = (left + right) / 2 * scale, (height - (top + bottom) / 2) * scale
        assert any(b.left <= x <= b.left + b.width and b.top <= y <= b.top + b.height for b in image.highlights)
    # The page's first line is not part of the quote.
    left, bottom, right, top = textpage.get_charbox(0)
    y = (height - (top + bottom) / 2) * scale
    assert not any(b.top <= y <= b.top + b.height for b in image.highlights)


def test_a_quote_that_runs_onto_the_next_page_is_highlighted_on_both(site):
    view = pdf_view(CORPUS / REPORT_2019, 4, ACROSS_PAGES)
    assert view.found and [p.number for p in view.pages] == [4, 5]
    assert all(p.highlights for p in view.pages)
    page = get(site["signer"].url("page", REPORT_2019, 4, "default", ACROSS_PAGES)).text
    assert "Page 4\u20135 of" in page and 'data-page="5"' in page


def test_quotes_are_found_whatever_the_hyphens_bullets_and_breaks():
    text = "the multi-\nagency safe-\nguarding hub\r\n\u2022 works well. Page 3 of 9\nHeader\nand quickly."
    [(start, end)] = find_quote("multi-agency safeguarding hub works well.", text)
    assert text[start:end] == "multi-\nagency safe-\nguarding hub\r\n\u2022 works well."
    # Interrupted by a footer and a header: found in pieces, each highlighted.
    pieces = find_quote("safeguarding hub works well and quickly.", text)
    assert len(pieces) == 2 and text[pieces[1][0]:pieces[1][1]] == "and quickly."
    assert find_quote("a sentence that is not in the text at all", text) == []


def test_quote_piece_letters_and_gap_decide_how_far_a_quote_may_be_broken(monkeypatch):
    text = "The review of social work practice " + "x " * 500 + "found that caseloads were high."
    quote = "The review of social work practice found that caseloads were high."
    assert find_quote(quote, text) == []  # its two pieces are 500 letters apart
    monkeypatch.setattr(tuning, "QUOTE_GAP_LETTERS", 1000)
    assert len(find_quote(quote, text)) == 2
    monkeypatch.setattr(tuning, "QUOTE_PIECE_LETTERS", 40)
    assert find_quote(quote, text) == []  # its first piece has 29 letters


def test_page_view_scale_is_how_many_pixels_a_point(monkeypatch):
    quote = "Scaling tools are used in these meetings"
    assert abs(pdf_view(CORPUS / REPORT_2019, 4, quote).pages[0].width - 595.32 * tuning.PAGE_VIEW_SCALE) <= 1
    monkeypatch.setattr(tuning, "PAGE_VIEW_SCALE", 1.0)
    assert abs(pdf_view(CORPUS / REPORT_2019, 4, quote).pages[0].width - 595.32) <= 1


def test_a_text_source_shows_the_passage_in_its_section(site):
    quote = "Caseloads in the assessment teams remain high, with some social workers holding between 24 and 28 cases."
    page = get(site["signer"].url("page", FINDINGS, None, "default", quote)).text
    assert '<mark class="highlight">Caseloads in the assessment teams remain high' in page
    assert "Areas for further consideration" in page or "\u203a" in page  # its section path
    whole = get(site["signer"].url("file", FINDINGS, None, "default"))
    assert whole.status_code == 200 and "Dana Whitlock" in whole.text
    assert whole.headers["content-security-policy"] == "sandbox"  # a source's own markup runs nothing


def test_a_restricted_document_opens_only_from_a_link_given_for_its_collection(site):
    signer = site["signer"]
    quote = "The Scrutiny Panel agreed to meet in small groups"
    allowed = get(signer.url("page", SCRUTINY, None, "restricted", quote))
    assert allowed.status_code == 200 and '<mark class="highlight">' in allowed.text
    # The same document asked for with a link signed for another collection: as if it weren't there.
    for collection in ("default", "public", ""):
        refused = get(signer.url("page", SCRUTINY, None, collection, quote))
        assert refused.status_code == 404 and "Scrutiny" not in refused.text
    assert get(signer.url("file", SCRUTINY, None, "default")).status_code == 404


def test_changed_expired_and_unsigned_links_are_refused_with_nothing_of_the_file(site):
    signer = site["signer"]
    good = signer.url("page", SCRUTINY, None, "restricted", "The Scrutiny Panel agreed")
    changed = [with_params(good, c="default,restricted"), with_params(good, d=FINDINGS), with_params(good, p="2"),
               with_params(good, q="Another quote"), with_params(good, e=str(int(time.time()) + 10 ** 8)),
               with_params(good, s="0" * 64), with_params(good, s=None), with_params(good, e=None)]
    for url in changed:
        response = get(url)
        assert response.status_code == 403, url
        assert "Scrutiny" not in response.text and "Panel" not in response.text
        assert "not valid" in response.text or "incomplete" in response.text
    expired = signer.url("page", SCRUTINY, None, "restricted", "The Scrutiny Panel agreed",
                         now=time.time() - 400 * 86400)
    response = get(expired)
    assert response.status_code == 403 and "expired" in response.text and "Scrutiny" not in response.text
    other_secret = LinkSigner("another-secret-another-secret-another", signer.public_url, 30)
    assert get(other_secret.url("file", SCRUTINY, None, "restricted")).status_code == 403
    with pytest.raises(BadLink, match="expired"):
        signer.check("page", {k: v[0] for k, v in parse_qs(urlparse(expired).query).items()})


def test_paths_outside_the_index_and_unknown_documents_are_not_found(site):
    signer = site["signer"]
    # Even signed with the real secret, a path that steps outside the index names no document.
    for source in ("../README.md", "../../etc/passwd", "/etc/passwd", "ofsted/../" + FINDINGS, "nothing.pdf"):
        for kind in ("page", "file"):
            response = get(signer.url(kind, source, 1, "default", "x"))
            assert response.status_code == 404, (kind, source)
            assert "No such document" in response.text and "root:" not in response.text
    # A request the page view doesn't serve.
    assert get(site["base"] + "/page/../../etc/passwd").status_code == 404
    assert get(signer.url("page", REPORT_2019, 99, "default", "x")).status_code == 404


def test_links_in_replies_are_signed_for_the_documents_collection(site):
    links = Links(signer=site["signer"])
    citation = Citation(1, SCRUTINY, "Scrutiny", None, "", "Worcestershire", "2015", "The Scrutiny Panel agreed",
                        collection="restricted")
    link = link_to(citation, links)
    assert "c=restricted" in link and get(link).status_code == 200
    # Where no page view is served, the published documents' link as before; neither, no link.
    assert link_to(citation, Links(docs_url="https://intranet.example/docs")) == \
        "https://intranet.example/docs/worcestershire-2015-scrutiny-panel-report.docx"
    assert link_to(citation, Links()) is None


def test_slack_http_mode_and_teams_serve_the_page_view(site):
    from bot.chat.slack.app import SlackDeps, create_app, http_server

    views = site["views"]
    link = site["signer"].url("page", FINDINGS, None, "default", "Lead Peer: Dana Whitlock")
    path_and_query = link[len(site["signer"].public_url):]
    bot = ReviewBot(site["settings"])
    chat = ChatService(bot, FeedbackStore(site["settings"].data_dir / "f.sqlite3"), AccessPolicy())
    fake = FakeSlack()
    slack = create_app(SlackDeps(chat), "xoxb-test", "signing-secret", fake.url)
    port = free_port()
    server = http_server(slack, bot, port, host="127.0.0.1", mounts=dict.fromkeys(PATHS, wsgi_app(views)))
    threading.Thread(target=server.run, daemon=True).start()
    try:
        response = get(f"http://127.0.0.1:{port}{path_and_query}")
        assert response.status_code == 200 and '<mark class="highlight">' in response.text
        assert get(f"http://127.0.0.1:{port}/page?d={FINDINGS}&c=default").status_code == 403
    finally:
        server.close()
        fake.close()

    from .test_teams import serve

    application = web_application(TeamsDeps(chat, ConversationHistory(site["settings"].data_dir / "c.sqlite3")),
                                  env={}, public_routes=aiohttp_routes(views))
    url, stop = serve(application)
    base = url[: -len(MESSAGES_PATH)]
    try:
        response = get(base + path_and_query)
        assert response.status_code == 200 and '<mark class="highlight">' in response.text
        assert get(base + "/page?d=x&c=default").status_code == 403
    finally:
        stop()


def test_ask_json_gives_each_citation_its_link(site):
    env = {"REVIEWBOT_DATA_DIR": str(site["settings"].data_dir), "REVIEWBOT_PUBLIC_URL": site["base"],
           "REVIEWBOT_LINK_SECRET": SECRET, "REVIEWBOT_EMBEDDINGS": "minilm"}
    import json

    result = run_cli(["ask", "--json", "Who was the lead peer for the Northbridge review?"], env)
    assert result.returncode == 0, result.stderr
    citation = json.loads(result.stdout)["citations"][0]
    assert {"source", "page", "quote", "link"} <= set(citation) and citation["link"].startswith(site["base"] + "/page?")
    assert get(citation["link"]).status_code == 200


def test_a_public_url_needs_a_long_secret(monkeypatch):
    def settings(**env):
        for name, value in env.items():
            monkeypatch.setenv(name, value)
        return Settings.from_env(env_file=None)

    with pytest.raises(SettingsError, match="REVIEWBOT_LINK_SECRET=: not accepted; .*needed with REVIEWBOT_PUBLIC_URL"):
        settings(REVIEWBOT_PUBLIC_URL="https://r.example")
    with pytest.raises(SettingsError, match="REVIEWBOT_LINK_SECRET=short: not accepted; use a secret of 32"):
        settings(REVIEWBOT_LINK_SECRET="short")
    with pytest.raises(SettingsError, match="REVIEWBOT_PUBLIC_URL=reviewbot.example: not accepted"):
        settings(REVIEWBOT_PUBLIC_URL="reviewbot.example", REVIEWBOT_LINK_SECRET=SECRET)
    assert settings(REVIEWBOT_PUBLIC_URL="https://r.example").link_days == 90


def test_the_reply_carries_page_view_links_for_every_citation(site):
    bot = ReviewBot(site["settings"])
    answer = bot.ask("Who was the lead peer for the Northbridge review?")
    reply = reply_to(answer, "id", Links(signer=site["signer"]))
    assert reply.sources and all(s.link and s.link.startswith(site["base"] + "/page?") for s in reply.sources)
    assert all(get(s.link).status_code == 200 for s in reply.sources)
