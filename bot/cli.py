"""The `reviewbot` command."""
from __future__ import annotations

import json
import logging
import sys
from pathlib import Path

import click

from .settings import Settings


def _settings() -> Settings:
    return Settings.from_env()


@click.group()
@click.option("-v", "--verbose", is_flag=True, help="Log more.")
def main(verbose: bool) -> None:
    """Answers questions from council review documents, with verbatim, checked citations."""
    logging.basicConfig(level=logging.INFO if verbose else logging.WARNING,
                        format="%(asctime)s %(levelname)s %(name)s: %(message)s")


@main.command()
@click.argument("paths", nargs=-1, required=True, type=click.Path(path_type=Path))
def ingest(paths: tuple[Path, ...]) -> None:
    """Index the documents in PATHS (files or folders). Unchanged files are skipped; files gone from a
    folder are removed. Exit status 2 when some files failed (the rest are indexed)."""
    from .ingest_view import run_ingest

    sys.exit(run_ingest(_settings(), list(paths)))


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
    from .render import answer_as_text
    from .retrieve import Filters

    if not question and not from_stdin:
        raise click.UsageError("give a question, or --stdin to read them one a line")
    bot = _open_bot()
    filters = Filters(council, year, doc_type)
    questions = (line.strip() for line in sys.stdin) if from_stdin else iter([question])
    for text in questions:
        if not text:
            continue
        answer = bot.ask(text, filters)
        if as_json:
            click.echo(json.dumps(answer.to_dict(), ensure_ascii=False))
        else:
            click.echo(answer_as_text(answer))
        sys.stdout.flush()


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
def status() -> None:
    """What is indexed, and where."""
    from .render import status_table
    from .service import open_store

    settings = _settings()
    store = _or_exit(lambda: open_store(settings))
    click.echo(status_table(settings, store.manifest()))


def _open_bot():
    from .service import ReviewBot

    return _or_exit(lambda: ReviewBot(_settings()))


def _or_exit(make):
    from ingest.embeddings import EmbeddingError
    from ingest.store import StoreError

    try:
        return make()
    except (StoreError, EmbeddingError) as exc:
        click.echo(f"reviewbot: {exc}", err=True)
        sys.exit(1)


if __name__ == "__main__":
    main()
