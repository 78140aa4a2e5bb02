"""Ingestion as a user runs it: bad files reported, unchanged files skipped, changes and removals followed,
and a run killed half way never leaves a half-indexed document."""
from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys

import numpy as np
import pytest

from bot.core.service import ReviewBot, keyword_dir, open_store
from index.embeddings import EmbeddingError, verify_weights
from ingest.chunking import chunk_document, document_key
from ingest.ocr import missing_tools
from ingest.parse import read_document
from ingest.pipeline import ingest

from .conftest import BADFILES, CORPUS, EXAMPLES, ROOT, run_cli, settings_for


class CountingEmbedder:
    """The real embedder, counting how many texts it is asked to embed."""

    def __init__(self, inner):
        self.inner = inner
        self.name = inner.name
        self.count_tokens = inner.count_tokens
        self.texts = 0

    def embed(self, texts):
        self.texts += len(texts)
        return self.inner.embed(texts)

    def embed_with_parts(self, texts, parts, late=True):
        self.texts += len(texts)
        return self.inner.embed_with_parts(texts, parts, late)


@pytest.mark.shared
def test_bad_files_are_reported_and_the_rest_indexed(tmp_path):
    result = run_cli(["ingest", str(BADFILES)], {"REVIEWBOT_DATA_DIR": str(tmp_path / "data")})
    assert result.returncode == 2, result.stderr
    out = result.stdout
    assert "libreoffice-writer-password.pdf" in out and "encrypted" in out
    assert "ofsted_birmingham_19-october-2012.pdf" in out and "HTML page" in out
    # The image-only samples are read by OCR where Tesseract is installed (tests/test_scanned.py has it missing):
    # a smiley and a grey square hold no words.
    assert "grayscale-image.pdf" in out and ("even by OCR" in out if not missing_tools() else "needs OCR" in out)
    assert "unreadablemetadata.pdf" in out
    lines = [line for line in result.stderr.splitlines() if line.startswith(("indexed:", "failed:", "unchanged:"))]
    files = [p for p in BADFILES.rglob("*") if p.is_file()]
    assert len(lines) == len(files)  # every file accounted for
    assert any(line.startswith("indexed:") and "minimal-document.pdf" in line for line in lines)
    status = run_cli(["status"], {"REVIEWBOT_DATA_DIR": str(tmp_path / "data")})
    assert "pdf-samples/001-trivial/minimal-document.pdf" in status.stdout


def test_incremental_unchanged_changed_removed(tmp_path):
    folder = tmp_path / "docs"
    shutil.copytree(EXAMPLES, folder)
    settings = settings_for(tmp_path / "data")
    store = open_store(settings)
    counting = CountingEmbedder(store.embedder)
    kdir = keyword_dir(settings, store)

    first = ingest([folder], store, counting, kdir)
    assert first.count("indexed") == 2 and not first.failed
    embedded = counting.texts

    again = ingest([folder], store, counting, kdir)
    assert again.count("unchanged") == 2
    assert counting.texts == embedded  # unchanged files cost no embedding work

    findings = folder / "northbridge-2024-peer-review-findings.md"
    findings.write_text(findings.read_text().replace("between 24 and 28 cases", "between 30 and 35 cases"))
    changed = ingest([folder], store, counting, kdir)
    assert [o.source for o in changed.outcomes if o.status == "indexed"] == [findings.name]
    bot = ReviewBot(settings)
    answer = bot.ask("How many cases do social workers in the assessment teams hold?")
    assert "between 30 and 35 cases" in answer.citations[0].quote
    assert not any("between 24 and 28" in r.text for r in answer.retrieved)

    (folder / "northbridge-2024-scrutiny-briefing.html").unlink()
    removed = ingest([folder], store, counting, kdir)
    assert [o.status for o in removed.outcomes if o.source.endswith(".html")] == ["removed"]
    assert [r.source for r in store.manifest().values()] == [findings.name]
    assert {c.source for c in store.complete_chunks(store.manifest())} == {findings.name}
    # Its sentence vectors go with it; the changed file's are its new text's.
    (record,) = store.manifest().values()
    assert [p.name for p in (kdir / "sentences").glob("*.npz")] == [f"{record.key}-{record.sha256[:16]}.npz"]


def test_sentence_vectors_come_from_the_chunks_pass_and_are_remade_when_missing(tmp_path):
    settings = settings_for(tmp_path / "data")
    store = open_store(settings)
    kdir = keyword_dir(settings, store)
    ingest([EXAMPLES], store, store.embedder, kdir)
    saved = ReviewBot(settings).keyword
    assert saved.sentence_vectors.shape == (len(saved.unit_chunk_array), 384)

    # Late chunking: each sentence's vector is pooled from its chunk's own pass, and means what the sentence
    # says alone.
    text = "Caseloads of between 24 and 28 cases were reported. The team met leaders in May."
    spans = [(0, 51), (52, len(text))]
    vectors, parts = store.embedder.embed_with_parts([text], [spans])
    assert np.allclose(vectors[0], store.embedder.embed([text])[0], atol=1e-3)
    alone = store.embedder.embed([text[a:b] for a, b in spans])
    similarity = np.array(parts[0]) @ np.array(alone).T  # late vectors against the sentences alone
    assert similarity[0, 0] > 0.7 and similarity[1, 1] > 0.7
    assert similarity[0, 0] > similarity[0, 1] and similarity[1, 1] > similarity[1, 0]

    # A bot whose data folder lacks them (not the ingest job's) makes them once, the same as ingest did.
    shutil.rmtree(kdir)
    remade = ReviewBot(settings).keyword
    assert len(list((kdir / "sentences").glob("*.npz"))) == 2
    assert np.allclose(remade.sentence_vectors, saved.sentence_vectors, atol=2e-2)


def test_half_written_document_is_invisible_and_cleaned_up(tmp_path):
    folder = tmp_path / "docs"
    shutil.copytree(EXAMPLES, folder)
    settings = settings_for(tmp_path / "data")
    store = open_store(settings)
    kdir = keyword_dir(settings, store)
    ingest([folder / "northbridge-2024-peer-review-findings.md"], store, store.embedder, kdir)

    # What a run killed between writing chunks and writing the manifest leaves behind.
    path = folder / "northbridge-2024-scrutiny-briefing.html"
    key = document_key(str(folder.resolve()), path.name)
    chunks = chunk_document(read_document(path, path.name), key, store.embedder.count_tokens)
    vectors = store.embedder.embed([c.text for c in chunks])
    store.chunks.add(ids=[c.id for c in chunks], embeddings=vectors, documents=[c.text for c in chunks],
                     metadatas=[{"doc_key": key, "doc_sha": "partial", "source": c.source, "page": 0,
                                 "section": "", "title": c.title, "council": "", "date": "", "doc_type": ""}
                                for c in chunks])
    bot = ReviewBot(settings)
    answer = bot.ask("Who owns the supervision recording priority?")
    assert all(r.source != path.name for r in answer.retrieved)

    report = ingest([folder], store, store.embedder, kdir)
    assert report.count("indexed") == 1 and report.count("unchanged") == 1
    assert store.orphan_ids(store.manifest()) == []
    manifest = store.manifest()
    assert store.chunks.count() == sum(r.chunks for r in manifest.values())


@pytest.mark.shared
def test_killed_ingest_converges_on_the_next_run(tmp_path):
    folder = tmp_path / "docs"
    for name in ["worcestershire-2015", "windsor-maidenhead-2016"]:
        shutil.copytree(CORPUS / name, folder / name)
    env = {**os.environ, "REVIEWBOT_DATA_DIR": str(tmp_path / "data")}
    process = subprocess.Popen([sys.executable, "-m", "bot.cli", "ingest", str(folder)], cwd=ROOT, env=env,
                               stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    # Kill it as soon as the first document is in: the others are not, or only partly.
    for line in process.stderr:
        if line.startswith("indexed:"):
            process.send_signal(signal.SIGKILL)
            break
    process.wait(timeout=120)
    assert process.returncode == -signal.SIGKILL

    settings = settings_for(tmp_path / "data")
    store = open_store(settings)
    assert 1 <= len(store.manifest()) < 5
    result = run_cli(["ingest", str(folder)], {"REVIEWBOT_DATA_DIR": str(tmp_path / "data")})
    assert result.returncode == 0, result.stderr
    manifest = store.manifest()
    assert len(manifest) == 5
    assert store.orphan_ids(manifest) == []
    assert store.chunks.count() == sum(r.chunks for r in manifest.values())


def test_weights_are_checked_before_loading(tmp_path):
    fake = tmp_path / "model.safetensors"
    fake.write_bytes(b"not the model")
    with pytest.raises(EmbeddingError, match="refusing to load"):
        verify_weights(fake)


class ThreadRecordingEmbedder(CountingEmbedder):
    """The real MiniLM embedder, recording how many cores each slice was given."""

    def __init__(self, inner):
        super().__init__(inner)
        self.threads: list[int] = []

    def use_threads(self, threads: int) -> None:
        self.threads.append(threads)
        self.inner.use_threads(threads)


def test_embedding_lends_a_core_to_the_reader_only_while_it_reads(tmp_path):
    """EMBED_SLICE texts at a time, on every core but one while the PDF reader is busy, on all otherwise;
    the vectors come back in the texts' order, the same as embedding them in one go."""
    from index.embeddings import MiniLMEmbedder
    from index.tuning import EMBED_SLICE
    from ingest.pipeline import CORES, embed_sharing_cores

    embedder = ThreadRecordingEmbedder(MiniLMEmbedder())
    texts = [f"Caseloads in team {n} were {'high ' * (n % 7)}at the time of the review." for n in range(2 * EMBED_SLICE + 5)]
    parts = [[(0, 9), (10, len(text))] for text in texts]
    reader_busy = iter([True, False, True])
    vectors, part_vectors = embed_sharing_cores(embedder, texts, parts, lambda: next(reader_busy))
    assert embedder.threads == [max(1, CORES - 1), CORES, max(1, CORES - 1), CORES]
    plain, plain_parts = embedder.inner.embed_with_parts(texts, parts)
    assert np.allclose(vectors, plain, atol=1e-3) and np.allclose(part_vectors, plain_parts, atol=1e-3)
