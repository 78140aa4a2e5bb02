"""all-MiniLM-L6-v2 on torch: the reference float32 vectors, bfloat16 where asked for, and the one place that
exports the model to ONNX. Only imported where torch is wanted: a question never needs it."""
from __future__ import annotations

import os
import threading
from functools import lru_cache
from pathlib import Path

import numpy as np
import torch

from .embeddings import EmbeddingError, minilm_dir, minilm_tokenizer, verify_weights


def _encoder(model_dir: Path, attention: str | None = None):
    """The BERT encoder of sentence-transformers' all-MiniLM-L6-v2 (its modules.json: the encoder, then the
    mean of the token vectors, then L2 normalisation; the pooling is done by the caller), built from its
    config and given its weights directly (from_pretrained takes 2 s here for the same model). The
    checkpoint's pooler layer is not part of the sentence model."""
    from safetensors.torch import load_file
    from transformers import BertConfig, BertModel

    config = BertConfig.from_json_file(str(model_dir / "config.json"))
    if attention is not None:
        config._attn_implementation = attention
    encoder = BertModel(config, add_pooling_layer=False)
    missing, _ = encoder.load_state_dict(load_file(str(model_dir / "model.safetensors")), strict=False)
    if missing:
        raise EmbeddingError(f"the model's weights lack {', '.join(missing[:3])}")
    return encoder.eval()


class TorchEngine:
    """The encoder on torch, in float32 or in bfloat16 autocast (cosine 0.99998 to float32's vectors; with
    torch 2.13 slower than float32 even on an AVX512-BF16 CPU, docs/scale.md)."""

    def __init__(self, bfloat16: bool) -> None:
        self.bfloat16 = bfloat16
        self._encoder = _load_encoder()

    def use_threads(self, threads: int) -> None:
        if torch.get_num_threads() != threads:
            torch.set_num_threads(threads)

    def token_vectors(self, ids: np.ndarray, mask: np.ndarray, types: np.ndarray) -> np.ndarray:
        with torch.inference_mode(), torch.autocast("cpu", dtype=torch.bfloat16, enabled=self.bfloat16):
            out = self._encoder(input_ids=torch.from_numpy(ids), attention_mask=torch.from_numpy(mask),
                                token_type_ids=torch.from_numpy(types)).last_hidden_state
        return out.float().numpy()


_loading = threading.Lock()


def _load_encoder():
    """The encoder, loaded once per process however many engines (or threads) ask for it."""
    with _loading:
        return _load_encoder_once()


@lru_cache(maxsize=1)
def _load_encoder_once():
    """Never from a model hub: everything the model needs ships in the package, its weights checked first."""
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
    os.environ.setdefault("HF_HUB_DISABLE_PROGRESS_BARS", "1")
    os.environ.setdefault("TRANSFORMERS_VERBOSITY", "error")
    model_dir = minilm_dir()
    verify_weights(model_dir / "model.safetensors")
    return _encoder(model_dir)


class _LastHiddenState(torch.nn.Module):
    def __init__(self, encoder) -> None:
        super().__init__()
        self.encoder = encoder

    def forward(self, input_ids, attention_mask, token_type_ids):
        return self.encoder(input_ids=input_ids, attention_mask=attention_mask,
                            token_type_ids=token_type_ids).last_hidden_state


def export_onnx(target: Path) -> None:
    """The shipped weights as an ONNX graph of the encoder (word-piece vectors out, pooling left to the
    caller). Eager attention: transformers' default attention traces its mask with the example's shapes,
    which gave vectors at cosine 0.90-0.94 to torch's; eager's matches them (cosine 1.0)."""
    model_dir = minilm_dir()
    verify_weights(model_dir / "model.safetensors")
    encoder = _encoder(model_dir, attention="eager")
    tokenizer = minilm_tokenizer()
    example = tokenizer.encode_batch(["An example sentence to trace the model with.", "Another, shorter one."])
    width = max(len(e.ids) for e in example)

    def padded(values):
        return torch.tensor([list(v) + [0] * (width - len(v)) for v in values], dtype=torch.long)

    inputs = (padded([e.ids for e in example]), padded([e.attention_mask for e in example]),
              padded([e.type_ids for e in example]))
    axes = {"batch": 0, "pieces": 1}
    names = ["input_ids", "attention_mask", "token_type_ids"]
    torch.onnx.export(_LastHiddenState(encoder), inputs, str(target), input_names=names,
                      output_names=["last_hidden_state"], opset_version=17, dynamo=False,
                      dynamic_axes={name: {v: k for k, v in axes.items()} for name in [*names, "last_hidden_state"]})
