"""all-MiniLM-L6-v2 on onnxruntime, in float32 or int8: the engine for questions (no torch, no transformers:
a bot starts in seconds) and for ingest on CPUs without bfloat16 in hardware. The ONNX files are exported
from the shipped weights once, kept in the data folder, and checked by sha256 each time they are opened;
nothing is ever downloaded."""
from __future__ import annotations

import fcntl
import json
import logging
import os
import warnings
from pathlib import Path

import numpy as np

from .embeddings import MINILM_SHA256, EmbeddingError
from .files import file_sha256

log = logging.getLogger("reviewbot.embeddings")
# Raise when the export or the quantization changes, so that files made before are made again.
EXPORT_FORMAT = 1
_FILES = {"float32": "minilm-float32.onnx", "int8": "minilm-int8.onnx"}
_MANIFEST = "minilm-onnx.json"


def _manifest(folder: Path) -> dict:
    try:
        return json.loads((folder / _MANIFEST).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}


def _current(folder: Path, precision: str) -> Path | None:
    """The ONNX file of this precision, if it was made from these weights and is whole."""
    manifest = _manifest(folder)
    path = folder / _FILES[precision]
    if manifest.get("weights") != MINILM_SHA256 or manifest.get("format") != EXPORT_FORMAT or not path.is_file():
        return None
    return path if manifest.get("files", {}).get(path.name) == file_sha256(path) else None


def model_file(folder: Path, precision: str) -> Path:
    """The ONNX model of `precision` ('float32' or 'int8'), made now if it is missing, stale or changed.
    Making it needs torch (ingest has it; a bot makes it once). Replicas sharing the folder make it once: the
    first takes a lock, the others wait and find it made."""
    found = _current(folder, precision)
    if found is not None:
        return found
    folder.mkdir(parents=True, exist_ok=True)
    with (folder / ".minilm-onnx.lock").open("w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        found = _current(folder, precision)
        if found is None:
            _make(folder)
            found = _current(folder, precision)
        if found is None:
            raise EmbeddingError(f"could not make the ONNX model in {folder}")
        return found


def _make(folder: Path) -> None:
    from onnxruntime.quantization import QuantType, quantize_dynamic

    from .minilm_torch import export_onnx

    log.info("exporting all-MiniLM-L6-v2 to ONNX in %s (once)", folder)
    partial = {p: folder / f".{name}.{os.getpid()}" for p, name in _FILES.items()}
    # The exporter's and the quantizer's advice (tracing, pre-processing) is for other models: the vectors
    # are checked against torch's instead (tests/test_embeddings.py).
    root = logging.getLogger()
    level = root.level
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        root.setLevel(logging.ERROR)
        try:
            export_onnx(partial["float32"])
            # Per channel: per-tensor int8 gave vectors at cosine 0.95 to float32's, per channel 0.99.
            quantize_dynamic(str(partial["float32"]), str(partial["int8"]), weight_type=QuantType.QInt8,
                             per_channel=True)
        finally:
            root.setLevel(level)
    files = {}
    for precision, path in partial.items():
        final = folder / _FILES[precision]
        path.replace(final)
        files[final.name] = file_sha256(final)
    (folder / _MANIFEST).write_text(json.dumps({"weights": MINILM_SHA256, "format": EXPORT_FORMAT, "files": files}),
                                    encoding="utf-8")


class OnnxEngine:
    """The encoder on onnxruntime's CPU provider; a session for each number of threads asked for (ingest
    lends a core to the PDF reader while it reads)."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self._sessions: dict[int, object] = {}
        self._threads = os.cpu_count() or 1

    def use_threads(self, threads: int) -> None:
        self._threads = threads

    def _session(self):
        import onnxruntime

        threads = self._threads
        if threads not in self._sessions:
            options = onnxruntime.SessionOptions()
            options.intra_op_num_threads = threads
            options.inter_op_num_threads = 1
            options.log_severity_level = 3
            self._sessions[threads] = onnxruntime.InferenceSession(str(self.path), options,
                                                                   providers=["CPUExecutionProvider"])
        return self._sessions[threads]

    def token_vectors(self, ids: np.ndarray, mask: np.ndarray, types: np.ndarray) -> np.ndarray:
        return self._session().run(None, {"input_ids": ids, "attention_mask": mask, "token_type_ids": types})[0]
