"""Text generation on an architecture: a prompt's prefill, then ``new_tokens`` decode steps each attending
to a KV cache one position longer (:mod:`accelsim.transformers`), costed with :class:`~accelsim.cost.CostModel`
(layers repeated across blocks and steps are costed once; only the attention over the growing cache is new
at every step).

``time_to_first_token_s`` = the prefill's latency; ``decode_tokens_per_s`` = batch·new_tokens / Σ decode
step latencies; ``j_per_token`` = decode energy / (batch·new_tokens).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from accelsim.arch.base import ArchitectureBase
from accelsim.cost import CostModel
from accelsim.errors import AccelsimInputError
from accelsim.transformers import build, kv_cache_bytes
from accelsim.workload import parse_bits_kv


def generation(
    model: str,
    arch: ArchitectureBase | str | Path,
    bits: str = "8/8",
    prompt_len: int | None = None,
    new_tokens: int = 128,
    batch: int = 1,
) -> dict[str, Any]:
    """Cost of generating ``new_tokens`` tokens after a prompt of ``prompt_len`` tokens (module docstring)."""
    if new_tokens < 1:
        raise AccelsimInputError("new_tokens", f"must be >= 1, got {new_tokens}")
    cm = CostModel(arch)
    w, a, kv = parse_bits_kv(bits)
    kv_w = a if kv is None else kv

    def cost(net):
        return cm.network_cost(net, [(w, a, kv)] * len(net.layers), mac_layers_only=False)

    prefill = build(model, seq_len=prompt_len, batch=batch, phase="prefill")
    L = prefill.transformer["seq_len"]  # type: ignore[index]
    first = cost(prefill)
    decode_s = decode_pj = 0.0
    for i in range(new_tokens):
        step = cost(build(model, seq_len=L + i, batch=batch, phase="decode"))
        decode_s += step.latency_s
        decode_pj += step.energy_pj
    final = build(model, seq_len=L + new_tokens, batch=batch, phase="decode")
    return {
        "model": model,
        "arch": cm.arch.name,
        "bits": f"W{w}A{a}KV{kv_w}",
        "prompt_len": L,
        "new_tokens": new_tokens,
        "batch": batch,
        "time_to_first_token_s": first.latency_s,
        "prefill_energy_j": first.energy_pj * 1e-12,
        "decode_s": decode_s,
        "decode_tokens_per_s": batch * new_tokens / decode_s,
        "j_per_token": decode_pj * 1e-12 / (batch * new_tokens),
        "kv_cache_bytes_final": kv_cache_bytes(final, kv_w),
        "priced_at": cm.priced_at,
    }
