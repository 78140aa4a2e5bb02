"""A person follows a citation: headless Chromium (Debian's, driven by Playwright) opens the link of a Slack
reply's source and of a Teams card's source, each served by its own bot's server, and takes a screenshot;
the highlighted pixels must cover the quote's words on the cited page, where PDFium places them, and not
the words around them."""
from __future__ import annotations

import io
import re
import shutil
import threading
from urllib.parse import parse_qs, urlparse

import pypdfium2 as pdfium
import pytest
from PIL import Image

from bot.chat.feedback import FeedbackStore
from bot.chat.history import ConversationHistory
from bot.chat.seen_events import SeenEvents
from bot.chat.service import ChatService
from bot.chat.slack.app import SlackDeps, create_app, http_server
from bot.chat.teams.app import MESSAGES_PATH, TeamsDeps, web_application
from bot.core.access import AccessPolicy
from bot.links import Links, LinkSigner
from bot.pages.serve import PATHS, aiohttp_routes, wsgi_app
from bot.pages.views import PageViews

from .conftest import CORPUS, free_port
from .fake_connector import FakeConnector, message
from .fake_slack import BOT_USER, FakeSlack, event_body, signed_headers

CHROMIUM = shutil.which("chromium")
SECRET = "a-test-secret-that-is-long-enough-for-hmac"
QUESTION = "How quickly are children at risk of harm allocated a social worker in Trafford's MARAT?"
pytestmark = [pytest.mark.shared, pytest.mark.skipif(CHROMIUM is None, reason="Debian's chromium is not installed")]


@pytest.fixture(scope="module")
def browser():
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=CHROMIUM, args=[
            "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
            "--disable-component-update", "--disable-sync"])
        yield chromium
        chromium.close()


def _chat(bot, signer, root) -> ChatService:
    return ChatService(bot, FeedbackStore(root / "feedback.sqlite3"), AccessPolicy(), Links(signer=signer))


def _highlighted(pixel) -> bool:
    red, green, blue = pixel[:3]
    return red > 170 and red - blue > 60  # the yellow laid over white paper (and over grey anti-aliasing)


def check_the_highlight(browser, link: str) -> None:
    """Open the link as a person would and check the screenshot: the quote's words highlighted, on its page."""
    params = {k: v[0] for k, v in parse_qs(urlparse(link).query).items()}
    number, quote = int(params["p"]), params["q"]
    page = browser.new_page(viewport={"width": 1100, "height": 1000})
    try:
        page.goto(link)
        figure = page.locator(f'figure.page[data-page="{number}"]')
        image = figure.locator("img")
        box = image.bounding_box()
        shot = Image.open(io.BytesIO(image.screenshot())).convert("RGB")
    finally:
        page.close()
    # Where PDFium puts the quote's characters: the page's own text, read here with a plain pattern.
    document = pdfium.PdfDocument(str(CORPUS / params["d"]))
    pdf_page = document[number - 1]
    textpage = pdf_page.get_textpage()
    text = textpage.get_text_range()
    match = re.search(r"\s+".join(map(re.escape, quote.split())), text)
    assert match, quote
    width, height = pdf_page.get_size()
    scale_x, scale_y = shot.width / width, shot.height / height
    assert abs(box["width"] - shot.width) <= 2

    def share_highlighted(start: int, end: int) -> float:
        seen = lit = 0
        for index in range(start, end):
            left, bottom, right, top = textpage.get_charbox(index)
            if right <= left or text[index].isspace():
                continue
            for x in range(int(left * scale_x), int(right * scale_x) + 1, 2):
                for y in range(int((height - top) * scale_y), int((height - bottom) * scale_y) + 1, 2):
                    if 0 <= x < shot.width and 0 <= y < shot.height:
                        seen += 1
                        lit += _highlighted(shot.getpixel((x, y)))
        return lit / max(seen, 1)

    for word in re.finditer(r"\S+", text[match.start():match.end()]):
        start = match.start() + word.start()
        assert share_highlighted(start, start + len(word.group())) > 0.3, word.group()
    # The words before the quote and after it, on its page, are not highlighted.
    before = text.rfind(" ", 0, match.start() - 2)
    assert share_highlighted(max(0, before - 20), before) < 0.05
    assert share_highlighted(match.end() + 3, match.end() + 25) < 0.05


def test_a_citation_in_a_slack_reply_opens_its_page_highlighted(indexed, browser, tmp_path):
    fake = FakeSlack()
    port = free_port()
    signer = LinkSigner(SECRET, f"http://127.0.0.1:{port}", 30)
    deps = SlackDeps(_chat(indexed, signer, tmp_path), seen=SeenEvents(tmp_path / "events.sqlite3"))
    app = create_app(deps, "xoxb-test", "signing", fake.url)
    server = http_server(app, indexed, port, host="127.0.0.1",
                         mounts=dict.fromkeys(PATHS, wsgi_app(PageViews(indexed.store, signer))))
    threading.Thread(target=server.run, daemon=True).start()
    try:
        import httpx

        body = event_body({"type": "app_mention", "user": "U1", "channel": "C1", "ts": "7.1",
                           "text": f"<@{BOT_USER}> {QUESTION}"})
        httpx.post(f"http://127.0.0.1:{port}/slack/events", content=body,
                   headers=signed_headers("signing", body, "application/json"), timeout=10)
        update = fake.wait_for("chat.update", lambda p: "Sources" in str(p.get("blocks")))
        links = re.findall(r"<(http://127\.0\.0\.1:\d+/page\?[^|>]+)\|", str(update["blocks"]))
        assert links
        check_the_highlight(browser, links[0].replace("&amp;", "&"))
    finally:
        server.close()
        fake.close()


def test_a_citation_in_a_teams_card_opens_its_page_highlighted(indexed, browser, tmp_path):
    from .test_teams import post, serve

    connector = FakeConnector()
    # A link's signature doesn't name the server: the page view checks links before the address is known.
    chat = _chat(indexed, LinkSigner(SECRET, "http://unknown.invalid", 30), tmp_path)
    views = PageViews(indexed.store, LinkSigner(SECRET, "http://unknown.invalid", 30))
    application = web_application(TeamsDeps(chat, ConversationHistory(tmp_path / "c.sqlite3")), env={},
                                  public_routes=aiohttp_routes(views))
    url, stop = serve(application)
    chat.links = Links(signer=LinkSigner(SECRET, url[: -len(MESSAGES_PATH)], 30))
    try:
        post({"url": url}, message(connector.url, QUESTION, conversation="a:personal-b"))
        reply = connector.wait_for_reply("a:personal-b")
        card = reply["attachments"][0]["content"]
        links = re.findall(r"\]\((http://127\.0\.0\.1:\d+/page\?[^)]+)\)", str(card))
        assert links
        check_the_highlight(browser, links[0])
    finally:
        stop()
        connector.close()
