"""The `reviewbot` command."""
from __future__ import annotations

import json
import logging
import sys
from pathlib import Path
from typing import TYPE_CHECKING

import click

from .settings import Settings, SettingsError

if TYPE_CHECKING:
    from .core.types import Answer
    from .links import Links


def _settings() -> Settings:
    try:
        return Settings.from_env()
    except SettingsError as exc:
        for line in str(exc).splitlines():
            click.echo(f"reviewbot: {line}", err=True)
        sys.exit(1)


@click.group()
@click.option("-v", "--verbose", is_flag=True, help="Log more.")
def main(verbose: bool) -> None:
    """Answers questions from council review documents, with verbatim, checked citations."""
    logging.basicConfig(level=logging.INFO if verbose else logging.WARNING,
                        format="%(asctime)s %(levelname)s %(name)s: %(message)s")


@main.command()
@click.argument("paths", nargs=-1, required=True, type=click.Path(path_type=Path))
@click.option("--collection", default="default", show_default=True,
              help="Tag these documents; the access file says which Slack channels may see each collection.")
@click.option("--watch", "keep_watching", is_flag=True,
              help="Keep running: ingest again whenever a file under PATHS is added, changed or removed.")
@click.option("--interval", default=300.0, show_default=True, help="Seconds between looks, with --watch.")
def ingest(paths: tuple[Path, ...], collection: str, keep_watching: bool, interval: float) -> None:
    """Index the documents in PATHS (files or folders). Unchanged files are skipped; files gone from a
    folder are removed. Exit status 2 when some files failed (the rest are indexed)."""
    from .ingest_view import run_ingest

    settings = _settings()
    if not keep_watching:
        sys.exit(run_ingest(settings, list(paths), collection))

    import threading

    from ingest.watch import watch

    click.echo(f"reviewbot: watching {', '.join(map(str, paths))} every {interval:g} s (Ctrl-C to stop)", err=True)
    try:
        # Exit status 1 is a store that couldn't be opened: worth another try. Files that failed (2) stay
        # failed until they change.
        watch(list(paths), lambda: run_ingest(settings, list(paths), collection) != 1, interval, threading.Event())
    except KeyboardInterrupt:
        pass


@main.command()
@click.argument("question", required=False)
@click.option("--json", "as_json", is_flag=True, help="Print one JSON object (one a line with --stdin).")
@click.option("--stdin", "from_stdin", is_flag=True, help="Read one question a line from standard input.")
@click.option("--council", help="Only documents about this council.")
@click.option("--year", type=int, help="Only documents from this year.")
@click.option("--type", "doc_type", help="Only this kind of document, e.g. 'inspection report'.")
def ask(question: str | None, as_json: bool, from_stdin: bool, council: str | None, year: int | None,
        doc_type: str | None) -> None:
    """Answer QUESTION from the indexed documents."""
    from .core.types import Filters
    from .render import answer_as_text

    if not question and not from_stdin:
        raise click.UsageError("give a question, or --stdin to read them one a line")
    bot = _open_bot()
    links = _links(bot.settings)
    filters = Filters(council, year, doc_type)
    questions = (line.strip() for line in sys.stdin) if from_stdin else iter([question])
    for text in questions:
        if not text:
            continue
        answer = _linked(bot.ask(text, filters), links)
        if as_json:
            click.echo(json.dumps(answer.to_dict(), ensure_ascii=False))
        else:
            click.echo(answer_as_text(answer))
        sys.stdout.flush()


def _linked(answer: Answer, links: Links) -> Answer:
    """The answer with each citation's link to its page view (or to the published file)."""
    for citation in answer.citations:
        citation.link = links.to_page(citation.source, citation.page, citation.collection, citation.quote)
    return answer


@main.command()
@click.argument("council")
@click.option("--kind", help="The kind of document: inspection, peer review, ... (default: the newest of any).")
@click.option("--year", type=int, help="The document's year (default: the newest).")
@click.option("--json", "as_json", is_flag=True, help="Print one JSON object.")
def brief(council: str, kind: str | None, year: int | None, as_json: bool) -> None:
    """A short cited briefing on one of COUNCIL's documents: an inspection report's judgements, summary and
    what needs to improve; a peer review's strengths, areas for consideration and next steps."""
    from .core.types import Filters
    from .render import answer_as_text

    bot = _open_bot()
    document = " ".join(filter(None, [str(year) if year else "latest" if not kind else "", kind or "report"]))
    answer = _linked(bot.ask(f"brief me on {council}'s {document}", Filters(council=council, year=year, doc_type=kind)),
                     _links(bot.settings))
    click.echo(json.dumps(answer.to_dict(), ensure_ascii=False) if as_json else answer_as_text(answer))


@main.command(name="eval")
@click.argument("questions", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--answers-out", type=click.Path(dir_okay=False, path_type=Path), help="Also save the answers.")
@click.option("--k", default=5, show_default=True)
def evaluate(questions: Path, answers_out: Path | None, k: int) -> None:
    """Answer every question in QUESTIONS (JSONL) and print the scorer's figures."""
    from .evaluate import run_eval

    bot = _open_bot()
    for line in run_eval(bot, questions, k, answers_out):
        click.echo(line)


@main.command()
@click.option("--http", "use_http", is_flag=True, help="Serve HTTP at /slack/events instead of Socket Mode.")
@click.option("--port", default=3000, show_default=True,
              help="Port for --http; in Socket Mode, for the page view (with REVIEWBOT_PUBLIC_URL).")
def slack(use_http: bool, port: int) -> None:
    """Run the Slack bot: Socket Mode when SLACK_APP_TOKEN is set, else HTTP (events, commands, actions). With
    REVIEWBOT_PUBLIC_URL, the page view is served on the same port (in Socket Mode, on --port alone)."""
    from .chat.seen_events import SeenEvents
    from .chat.slack.app import EVENTS_PATH, SlackDeps, create_app, http_server

    settings = _settings()
    if not settings.slack_bot_token or not settings.slack_signing_secret:
        raise click.UsageError("set SLACK_BOT_TOKEN and SLACK_SIGNING_SECRET (environment or .env)")
    chat = _chat_service(settings)
    deps = SlackDeps(chat, settings.slack_answer_bots, SeenEvents(settings.data_dir / "slack-events.sqlite3"))
    app = create_app(deps, settings.slack_bot_token, settings.slack_signing_secret, settings.slack_api_url)
    views = _page_views(settings, chat.bot.store)
    if settings.slack_app_token and not use_http:
        import threading

        from slack_bolt.adapter.socket_mode import SocketModeHandler

        from .pages.serve import page_server

        if views is not None:
            # Socket Mode needs no inbound port, but the page view does: it gets a server of its own.
            pages = page_server(views, port)
            threading.Thread(target=pages.run, name="reviewbot-pages", daemon=True).start()
            click.echo(f"reviewbot: page view on http://0.0.0.0:{port}", err=True)
        click.echo("reviewbot: connected to Slack over Socket Mode", err=True)
        SocketModeHandler(app, settings.slack_app_token).start()
        return
    mounts = None
    if views is not None:
        from .pages.serve import PATHS, wsgi_app

        mounts = dict.fromkeys(PATHS, wsgi_app(views))
    server = http_server(app, chat.bot, port, mounts=mounts)
    click.echo(f"reviewbot: listening on http://0.0.0.0:{port}{EVENTS_PATH}", err=True)
    try:
        server.run()
    except KeyboardInterrupt:
        server.close()


@main.command()
@click.option("--port", default=3978, show_default=True, help="Port for POST /api/messages.")
def teams(port: int) -> None:
    """Run the Microsoft Teams bot (Microsoft 365 Agents SDK) at POST /api/messages."""
    from aiohttp import web

    from .chat.history import ConversationHistory
    from .chat.teams.app import MESSAGES_PATH, TeamsDeps, web_application
    from .settings import environment

    settings = _settings()
    chat = _chat_service(settings)
    deps = TeamsDeps(chat, ConversationHistory(settings.data_dir / "conversations.sqlite3"))
    views = _page_views(settings, chat.bot.store)
    routes = None
    if views is not None:
        from .pages.serve import aiohttp_routes

        routes = aiohttp_routes(views)
    application = web_application(deps, environment(), routes)
    click.echo(f"reviewbot: listening on http://0.0.0.0:{port}{MESSAGES_PATH}", err=True)
    web.run_app(application, host="0.0.0.0", port=port, print=None)


@main.command()
@click.option("--port", default=8080, show_default=True, help="Port for the page view.")
def web(port: int) -> None:
    """Serve the page view alone (GET /page, /file, /healthz): each citation's page with its quote highlighted,
    for a deployment that serves it apart from the bots. Needs REVIEWBOT_PUBLIC_URL and REVIEWBOT_LINK_SECRET."""
    from .core.service import open_store
    from .pages.serve import page_server

    settings = _settings()
    if not settings.public_url:
        raise click.UsageError("set REVIEWBOT_PUBLIC_URL (where people reach this server) and REVIEWBOT_LINK_SECRET")
    views = _page_views(settings, _or_exit(lambda: open_store(settings)))
    server = page_server(views, port)
    click.echo(f"reviewbot: page view on http://0.0.0.0:{port} (reached at {settings.public_url})", err=True)
    try:
        server.run()
    except KeyboardInterrupt:
        server.close()


@main.command()
@click.option("--csv", "as_csv", is_flag=True, help="Export every vote as CSV.")
def feedback(as_csv: bool) -> None:
    """The 👍/👎 votes given in chat, with their questions, answers and sources."""
    from .chat.feedback import FeedbackStore, votes_as_csv

    votes = FeedbackStore(_settings().data_dir / "feedback.sqlite3").votes()
    if as_csv:
        click.echo(votes_as_csv(votes), nl=False)
        return
    if not votes:
        click.echo("No feedback yet.")
    for v in votes:
        mark = "👍" if v.vote == "up" else "👎"
        click.echo(f"{v.voted_at} {mark} {v.user or '?'} in {v.channel or '?'}: {v.question}\n    sources: {v.sources or '-'}")
        if v.comment:
            click.echo(f"    comment: {v.comment}")


@main.command()
@click.option("--json", "as_json", is_flag=True, help="Print one JSON object.")
def status(as_json: bool) -> None:
    """The store in use, the model, and what is indexed. Exit status 1 when the store can't be reached."""
    from .core.service import keyword_dir, open_store
    from .render import status_text
    from .status import read_status

    settings = _settings()
    store = _or_exit(lambda: open_store(settings))
    report = _or_exit(lambda: read_status(settings, store, keyword_dir(settings, store)))
    click.echo(json.dumps(report.to_dict(), ensure_ascii=False, indent=2) if as_json else status_text(report))


@main.command()
@click.option("--council", help="Only this council's reports.")
@click.option("--fact", "fact_name", help="Only this fact (e.g. overall_effectiveness, lead_inspector, improvement).")
@click.option("--value", help="Only facts with this value (a grade; for improvements, words they contain).")
@click.option("--since", type=int, help="Only reports of this year or later.")
@click.option("--csv", "as_csv", is_flag=True, help="Rows as CSV: source,council,fact,value,page,quote.")
def facts(council: str | None, fact_name: str | None, value: str | None, since: int | None, as_csv: bool) -> None:
    """Facts read from every inspection report: dates, lead inspector, kind, each judgement's grade and each
    thing to improve, with the page and the line each was read from."""
    from .core.service import open_store
    from .facts_table import UnknownFact, fact_rows, rows_as_csv, rows_as_text

    settings = _settings()
    store = _or_exit(lambda: open_store(settings))
    try:
        rows = fact_rows(store.manifest().values(), council, fact_name, value, since)
    except UnknownFact as exc:
        raise click.UsageError(str(exc)) from exc
    click.echo(rows_as_csv(rows) if as_csv else rows_as_text(rows), nl=not as_csv)


def _chat_service(settings: Settings):
    """What both chat bots run on: the core, kept in step with later ingests; the votes; the access policy."""
    from .chat.feedback import FeedbackStore
    from .chat.service import ChatService
    from .core.access import AccessFileError, load_policy

    try:
        policy = load_policy(settings.access_file)
    except AccessFileError as exc:
        raise click.ClickException(str(exc)) from exc
    bot = _open_bot()
    bot.warm_up()
    bot.keep_refreshed(settings.index_refresh_seconds)
    return ChatService(bot, FeedbackStore(settings.data_dir / "feedback.sqlite3"), policy, _links(settings))


def _page_views(settings: Settings, store):
    """The page view over `store`, where REVIEWBOT_PUBLIC_URL says it is reached; else None."""
    links = _links(settings)
    if links.signer is None:
        return None
    from .pages.views import PageViews

    return PageViews(store, links.signer, settings.index_refresh_seconds)


def _links(settings: Settings) -> Links:
    from .links import links_from

    return links_from(settings.docs_url, settings.public_url, settings.link_secret, settings.link_days)


def _open_bot():
    from .core.service import ReviewBot

    return _or_exit(lambda: ReviewBot(_settings()))


def _or_exit(make):
    from index.embeddings import EmbeddingError
    from index.store import StoreError

    from .core.llm import LLMConfigError

    try:
        return make()
    except (StoreError, EmbeddingError, LLMConfigError) as exc:
        click.echo(f"reviewbot: {exc}", err=True)
        sys.exit(1)


if __name__ == "__main__":
    main()
