"""`reviewbot ingest` for people: a progress bar on a terminal, log lines otherwise, and a closing table."""
from __future__ import annotations

import sys
import time
from pathlib import Path

from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn, TimeRemainingColumn
from rich.table import Table

from index.embeddings import EmbeddingError
from index.store import StoreError
from ingest.pipeline import FileOutcome, IngestReport, discover, ingest

from .core.service import keyword_dir, open_store
from .settings import Settings


def run_ingest(settings: Settings, paths: list[Path], collection: str) -> int:

    console = Console(stderr=True)
    try:
        store = open_store(settings, for_ingest=True)
    except (StoreError, EmbeddingError) as exc:
        console.print(f"reviewbot: {exc}")
        return 1
    total = len(discover([p for p in paths if p.exists()]))
    if console.is_terminal:
        columns = (TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), TextColumn("files"),
                   TextColumn("{task.fields[rate]}"), TimeElapsedColumn(), TextColumn("left"), TimeRemainingColumn())
        with Progress(*columns, console=console, transient=True) as progress:
            task = progress.add_task("Indexing", total=total, rate="")
            started = time.perf_counter()
            indexed_chunks = 0

            def advance(outcome: FileOutcome) -> None:
                nonlocal indexed_chunks
                if outcome.status == "removed":
                    return
                if outcome.status == "indexed":
                    indexed_chunks += outcome.chunks
                rate = indexed_chunks / max(time.perf_counter() - started, 1e-6)
                progress.update(task, advance=1, description=f"Indexing {outcome.source[-30:]}",
                                rate=f"{rate:.1f} chunks/s")

            report = ingest(paths, store, store.embedder, keyword_dir(settings, store), advance, collection)
    else:
        def log_line(outcome: FileOutcome) -> None:
            detail = outcome.reason or f"{outcome.chunks} chunks"
            print(f"{outcome.status}: {outcome.source} ({detail})", file=sys.stderr, flush=True)

        report = ingest(paths, store, store.embedder, keyword_dir(settings, store), log_line, collection)
    try:
        # The questions' engine is made ready here, once, so that no bot needs torch to start.
        store.embedder.prepare_for_questions()
    except EmbeddingError as exc:
        print(f"reviewbot: {exc}", file=sys.stderr)
        return 1
    out = Console()
    if not out.is_terminal:
        out = Console(width=200)  # a log file should keep each file on one line
    out.print(report_table(report))
    for note in report.notes:
        print(f"reviewbot: {note}", file=sys.stderr)
    return 2 if report.failed else 0


def report_table(report: IngestReport) -> Table:
    table = Table(title=(f"{report.count('indexed')} indexed, {report.count('unchanged')} unchanged, "
                         f"{report.count('failed')} failed, {report.count('removed')} removed"))
    table.add_column("file", overflow="fold")
    table.add_column("result")
    table.add_column("chunks / reason", overflow="fold")
    order = {"failed": 0, "indexed": 1, "removed": 2, "unchanged": 3}
    for outcome in sorted(report.outcomes, key=lambda o: (order[o.status], o.source)):
        table.add_row(outcome.source, outcome.status, outcome.reason or str(outcome.chunks))
    return table
