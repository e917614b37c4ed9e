"""Transformer networks (encoders and decoders) in prefill or decode, with a KV cache.

``build(model, seq_len=..., batch=..., phase=...)`` returns a :class:`~accelsim.workload.Network` of one
model of :data:`MODELS`. Per block (pre-norm; BERT post-norm has the same layers):

* norm (``layernorm`` or ``rmsnorm``); Q, K, V projections (``matmul``; K and V heads = ``kv_heads``,
  grouped-query attention when fewer than ``heads``); ``rotary`` on Q and K (Llama);
* attention scores Q·Kᵀ and context S·V per KV head (each KV head serves ``g = heads / kv_heads`` query
  heads: its ``g`` query rows share one K and one V), ``softmax`` over the scores;
* output projection, residual ``add``, norm, the FFN (``gelu`` MLP, or SwiGLU: gate and up projections,
  ``silu``, elementwise ``mul``, down projection), residual ``add``;
* before the blocks an ``embedding`` lookup; after them a final norm and (decoders) the LM head on the
  last position only.

Phases:

* ``prefill``: ``seq_len`` tokens per sequence; Q·Kᵀ and S·V are matmuls of two activations (both made on
  chip), computed whole (``seq_len × seq_len``: a causal mask saves no tile of a dense array); the K and V
  projections are appended to the KV cache (``writes_kv_cache``: written at ``kv_bits``);
* ``decode``: one new token per sequence attending to a cache of ``seq_len`` positions: Q·Kᵀ and S·V read
  the cache from memory as their stored operand (``kv_cache``: at ``kv_bits``), one cache per sequence
  (``kv_sequences``: the batch is folded into the groups).

MACs per token and block (decode): ``d·(heads + 2·kv_heads)·head_dim`` (Q, K, V) +
``2·heads·head_dim·seq_len`` (attention over the cache) + ``heads·head_dim·d`` (output) + the FFN (2 or 3
matrices of ``d·d_ff``); tests/test_transformers.py checks them against these formulas and the parameter
counts against the published model sizes.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any, Literal

from accelsim.errors import AccelsimInputError, unknown_choice
from accelsim.workload import Network, Precision

Phase = Literal["prefill", "decode"]


@dataclass(frozen=True)
class TransformerConfig:
    """A transformer's shape (sources in :data:`MODELS`)."""

    name: str
    description: str
    source: str
    blocks: int
    d_model: int
    heads: int
    kv_heads: int
    d_ff: int
    vocab: int
    norm: Literal["layernorm", "rmsnorm"]
    ffn: Literal["gelu", "swiglu"]
    rotary: bool
    decoder: bool
    default_seq_len: int

    @property
    def head_dim(self) -> int:
        return self.d_model // self.heads


MODELS: dict[str, TransformerConfig] = {
    "bert-base": TransformerConfig(
        "bert-base", "BERT-base encoder: 12 blocks, d 768, 12 heads, FFN 3072, GELU, LayerNorm",
        "Devlin et al., BERT, NAACL 2019 (BERT-base: L=12, H=768, A=12)", 12, 768, 12, 12, 3072, 30522,
        "layernorm", "gelu", False, False, 128,
    ),
    "gpt2-small": TransformerConfig(
        "gpt2-small", "GPT-2 small decoder: 12 blocks, d 768, 12 heads, FFN 3072, GELU, LayerNorm",
        "Radford et al., 2019 (GPT-2 124M: 12 layers, d_model 768, 12 heads, vocab 50257)", 12, 768, 12, 12,
        3072, 50257, "layernorm", "gelu", False, True, 1024,
    ),
    "llama-1b": TransformerConfig(
        "llama-1b", "Llama-3.2-1B-shaped decoder: 16 blocks, d 2048, 32 heads, 8 KV heads, SwiGLU FFN 8192, "
        "RMSNorm, rotary", "Llama-3.2-1B shapes (as given in issue 16: 16 layers, d=2048, 32 heads, 8 KV "
        "heads, FFN 8192, vocab 128,256)", 16, 2048, 32, 8, 8192, 128256, "rmsnorm", "swiglu", True, True, 2048,
    ),
    "tiny-llama": TransformerConfig(
        "tiny-llama", "a 2-block Llama-style decoder (d 64, 4 heads, 2 KV heads, SwiGLU 128, vocab 256) for "
        "tests and worked examples", "accelsim (not a published model)", 2, 64, 4, 2, 128, 256, "rmsnorm",
        "swiglu", True, True, 64,
    ),
}  # fmt: skip


def available_models() -> list[str]:
    return sorted(MODELS)


def build(
    model: str, seq_len: int | None = None, batch: int = 1, phase: Phase = "prefill",
    precision: Precision | None = None,
) -> Network:  # fmt: skip
    """The network of ``model`` in ``phase`` (see the module docstring)."""
    if model not in MODELS:
        raise unknown_choice("network", model, MODELS)
    cfg = MODELS[model]
    if phase not in ("prefill", "decode"):
        raise AccelsimInputError("phase", f"unknown phase {phase!r}; allowed: prefill, decode")
    if phase == "decode" and not cfg.decoder:
        raise AccelsimInputError("phase", f"{model} is an encoder: it has no decode phase")
    L = cfg.default_seq_len if seq_len is None else int(seq_len)
    if not 1 <= L <= 1 << 20:
        raise AccelsimInputError("seq_len", f"must be 1..1048576, got {seq_len}")
    if batch < 1:
        raise AccelsimInputError("batch", f"must be >= 1, got {batch}")
    layers = _layers(cfg, L, phase)
    meta: dict[str, Any] = {
        "model": model, "phase": phase, "seq_len": L, "kv_len": L, "batch": 1, "blocks": cfg.blocks,
        "kv_heads": cfg.kv_heads, "head_dim": cfg.head_dim, "config": asdict(cfg),
    }  # fmt: skip
    net = Network(
        name=f"{model}-{phase}" if phase == "decode" else model,
        description=f"{cfg.description}; {phase}, "
        + (f"KV cache {L}" if phase == "decode" else f"{L} tokens"),
        source=cfg.source,
        precision=precision or Precision(),
        layers=layers,
        transformer=meta,
    )
    return net.with_batch(batch) if batch != 1 else net


def _layers(cfg: TransformerConfig, L: int, phase: Phase) -> list[dict]:
    d, H, KVH, dh, ff = cfg.d_model, cfg.heads, cfg.kv_heads, cfg.head_dim, cfg.d_ff
    g = H // KVH
    T = L if phase == "prefill" else 1  # new tokens per sequence
    out: list[dict] = [
        {"name": "embed", "op": "embedding", "in_channels": cfg.vocab, "out_channels": d, "in_h": T}
    ]
    prev = "embed"
    for b in range(cfg.blocks):
        p = f"b{b}."
        out += [
            {"name": p + "norm1", "op": cfg.norm, "in_channels": d, "in_h": T, "inputs": [prev]},
            {"name": p + "q", "op": "matmul", "in_channels": d, "out_channels": H * dh, "in_h": T},
            {"name": p + "k", "op": "matmul", "in_channels": d, "out_channels": KVH * dh, "in_h": T,
             "inputs": [p + "norm1"], "writes_kv_cache": True},
            {"name": p + "v", "op": "matmul", "in_channels": d, "out_channels": KVH * dh, "in_h": T,
             "inputs": [p + "norm1"], "writes_kv_cache": True},
        ]  # fmt: skip
        q_src = p + "q"
        if cfg.rotary:
            out.append({"name": p + "rotary", "op": "rotary", "in_channels": (H + KVH) * dh, "in_h": T,
                        "inputs": [p + "q", p + "k"]})  # fmt: skip
            q_src = p + "rotary"
        if (
            phase == "prefill"
        ):  # per KV head: [T·g × dh]·[dh × L] and [T·g × L]·[L × dh], both operands on chip
            out += [
                {"name": p + "scores", "op": "matmul", "in_channels": KVH * dh, "out_channels": KVH * L,
                 "in_h": T * g, "groups": KVH, "weights_are_activations": True, "rhs_transposed": True,
                 "inputs": [q_src, p + "k"]},
                {"name": p + "softmax", "op": "softmax", "in_channels": KVH * L, "in_h": T * g},
                {"name": p + "context", "op": "matmul", "in_channels": KVH * L, "out_channels": KVH * dh,
                 "in_h": T * g, "groups": KVH, "weights_are_activations": True, "inputs": [p + "softmax", p + "v"]},
            ]  # fmt: skip
        else:  # decode: the cache is the stored operand, one per sequence (kv_sequences)
            out += [
                {"name": p + "scores", "op": "matmul", "in_channels": KVH * dh, "out_channels": KVH * L,
                 "in_h": g, "groups": KVH, "kv_cache": True, "rhs_transposed": True, "inputs": [q_src]},
                {"name": p + "softmax", "op": "softmax", "in_channels": KVH * L, "in_h": g},
                {"name": p + "context", "op": "matmul", "in_channels": KVH * L, "out_channels": KVH * dh,
                 "in_h": g, "groups": KVH, "kv_cache": True, "inputs": [p + "softmax"]},
            ]  # fmt: skip
        out += [
            {"name": p + "o", "op": "matmul", "in_channels": H * dh, "out_channels": d, "in_h": T},
            {"name": p + "residual1", "op": "add", "in_channels": d, "in_h": T, "inputs": [p + "o", prev]},
            {"name": p + "norm2", "op": cfg.norm, "in_channels": d, "in_h": T},
        ]
        if cfg.ffn == "gelu":
            out += [
                {"name": p + "fc1", "op": "matmul", "in_channels": d, "out_channels": ff, "in_h": T},
                {"name": p + "gelu", "op": "gelu", "in_channels": ff, "in_h": T},
                {"name": p + "fc2", "op": "matmul", "in_channels": ff, "out_channels": d, "in_h": T},
            ]
        else:
            out += [
                {"name": p + "gate", "op": "matmul", "in_channels": d, "out_channels": ff, "in_h": T},
                {"name": p + "silu", "op": "silu", "in_channels": ff, "in_h": T},
                {"name": p + "up", "op": "matmul", "in_channels": d, "out_channels": ff, "in_h": T,
                 "inputs": [p + "norm2"]},
                {"name": p + "mul", "op": "mul", "in_channels": ff, "in_h": T, "inputs": [p + "silu", p + "up"]},
                {"name": p + "down", "op": "matmul", "in_channels": ff, "out_channels": d, "in_h": T},
            ]  # fmt: skip
        out.append({"name": p + "residual2", "op": "add", "in_channels": d, "in_h": T,
                    "inputs": [out[-1]["name"], p + "residual1"]})  # fmt: skip
        prev = p + "residual2"
    out.append({"name": "norm_f", "op": cfg.norm, "in_channels": d, "in_h": T})
    if cfg.decoder:  # logits of the last position only
        out.append(
            # GPT-2 and Llama-3.2-1B tie the LM head to the embedding table: read, not counted twice
            {"name": "lm_head", "op": "matmul", "in_channels": d, "out_channels": cfg.vocab, "in_h": 1,
             "tied_weights": True}
        )  # fmt: skip
    return out


def kv_cache_bytes(net: Network, kv_bits: int) -> float:
    """KV-cache bytes the network's sequences hold after this phase: 2·blocks·kv_heads·head_dim·kv_len
    values per sequence at ``kv_bits``."""
    t = net.transformer
    if t is None:
        raise AccelsimInputError("network", f"{net.name} is not a transformer network")
    return 2 * t["blocks"] * t["kv_heads"] * t["head_dim"] * t["kv_len"] * t["batch"] * kv_bits / 8


def kv_bytes_per_token(net: Network, kv_bits: int) -> float:
    """KV-cache bytes one token of one sequence adds."""
    t = net.transformer
    if t is None:
        raise AccelsimInputError("network", f"{net.name} is not a transformer network")
    return 2 * t["blocks"] * t["kv_heads"] * t["head_dim"] * kv_bits / 8
