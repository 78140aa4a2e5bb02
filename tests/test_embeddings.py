"""MiniLM on the engine chosen for the machine: every engine gives torch float32's vectors (within what its
precision allows), the ONNX files are made from the shipped weights once and checked by sha256, and a
question needs neither torch nor transformers."""
from __future__ import annotations

import json
import os
import subprocess
import sys

import numpy as np
import pytest

from index.embeddings import MiniLMEmbedder, chosen_engine
from index.minilm_onnx import model_file

from .conftest import EXAMPLES, MODELS, ROOT, run_cli

# Probe texts as the documents have them: a short line, a sentence, a list, an acronym, a table's row, and a
# text longer than the model's 256 word pieces.
PROBES = ["Caseloads were high.", "Supervision is regular and reflective in the assessment teams.",
          "The local authority should improve:\n\u2022 the quality of assessments;\n\u2022 management oversight.",
          "MASH", "Children in care Outstanding",
          " ".join(["The multi-agency safeguarding hub works well with partners and schools."] * 30)]


@pytest.fixture(scope="module")
def reference() -> np.ndarray:
    return np.array(MiniLMEmbedder("torch-float32", MODELS).embed(PROBES))


@pytest.mark.parametrize("engine, floor", [("onnx-float32", 0.999), ("torch-bfloat16", 0.999), ("onnx-int8", 0.98)])
def test_every_engine_gives_torch_float32s_vectors(reference, engine, floor):
    vectors = np.array(MiniLMEmbedder(engine, MODELS).embed(PROBES))
    cosines = (vectors * reference).sum(axis=1)
    assert cosines.min() >= floor, dict(zip(PROBES, cosines.round(5)))


def test_sentence_vectors_agree_across_engines(reference):
    """Ingest's sentence vectors (late chunking) are searched by another engine's question vectors."""
    text = "Caseloads were high. Supervision is regular."
    spans = [(0, 20), (21, len(text))]
    _, torch_parts = MiniLMEmbedder("torch-float32", MODELS).embed_with_parts([text], [spans])
    _, onnx_parts = MiniLMEmbedder("onnx-float32", MODELS).embed_with_parts([text], [spans])
    assert (np.array(torch_parts[0]) * np.array(onnx_parts[0])).sum(axis=1).min() >= 0.999


def test_the_onnx_files_are_made_once_and_a_changed_file_is_made_again(tmp_path):
    made = model_file(tmp_path, "float32")
    manifest = json.loads((tmp_path / "minilm-onnx.json").read_text())
    assert set(manifest["files"]) == {"minilm-float32.onnx", "minilm-int8.onnx"} and len(manifest["weights"]) == 64
    stamp = made.stat().st_mtime_ns
    assert model_file(tmp_path, "float32").stat().st_mtime_ns == stamp  # found, not made again
    with made.open("r+b") as handle:  # a file changed on disk is never loaded
        handle.seek(made.stat().st_size // 2)
        handle.write(b"\x00" * 16)
    again = model_file(tmp_path, "float32")
    assert json.loads((tmp_path / "minilm-onnx.json").read_text())["files"] == manifest["files"]
    assert again.read_bytes() != b"" and again.stat().st_mtime_ns != stamp


def test_auto_chooses_the_engine_from_the_cpus_features(monkeypatch):
    from index import tuning

    assert chosen_engine("auto", for_ingest=False, features=frozenset({"avx2", "avx512f", "avx512_bf16"})) \
        == "onnx-float32"
    assert chosen_engine("auto", for_ingest=True, features=frozenset({"avx2"})) == tuning.INGEST_ENGINE_WITHOUT_BF16
    assert chosen_engine("auto", for_ingest=True, features=frozenset({"avx2", "avx512_bf16"})) \
        == tuning.INGEST_ENGINE_WITH_BF16
    assert chosen_engine("torch-float32", for_ingest=True, features=frozenset({"avx2"})) == "torch-float32"


def test_a_question_needs_neither_torch_nor_transformers(tmp_path):
    """Ingest (in this process) makes the questions' engine ready; a fresh process then answers without
    importing torch or transformers, which is most of a cold start."""
    env = {"REVIEWBOT_DATA_DIR": str(tmp_path / "data")}
    assert run_cli(["ingest", EXAMPLES], env).returncode == 0
    status = json.loads(run_cli(["status", "--json"], env).stdout)
    assert "questions on onnx-float32" in status["model"] and "ingest on " in status["model"]
    script = ("import sys, json\nfrom bot.cli import main\n"
              "try:\n    main(['ask', '--json', 'What are the four priorities?'])\nexcept SystemExit:\n    pass\n"
              "print(json.dumps(sorted(m for m in ('torch', 'transformers') if m in sys.modules)), file=sys.stderr)")
    done = subprocess.run([sys.executable, "-c", script], cwd=ROOT, capture_output=True, text=True, timeout=120,
                          env={**os.environ, **env})
    assert json.loads(done.stdout)["citations"], done.stderr
    assert json.loads(done.stderr.strip().splitlines()[-1]) == []
