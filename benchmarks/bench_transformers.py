"""Transformer speed targets (issue 16): a Llama-3.2-1B-shaped decoder's prefill (L = 2048) plus 128 decode
steps on tpu-v1 (target ≤ 1 s), and fresh CostModel queries on decoder layers (target ≥ 10,000/s), with the
same work on ResNet-18 as the baseline measured in this run.

    .venv/bin/python benchmarks/bench_transformers.py
"""

from __future__ import annotations

import time

import accelsim
from accelsim.cost import CostModel
from accelsim.fabrics import load_arch
from accelsim.generation import generation
from accelsim.transformers import build


def main() -> None:
    arch = load_arch("tpu-v1")
    accelsim.simulate(build("llama-1b", seq_len=64, phase="decode"), arch, bits="W4A8KV4")  # warm-up
    t0 = time.perf_counter()
    accelsim.simulate(build("llama-1b", seq_len=2048), arch, bits="W4A8KV4")
    t1 = time.perf_counter()
    for i in range(128):
        accelsim.simulate(build("llama-1b", seq_len=2048 + i, phase="decode"), arch, bits="W4A8KV4")
    t2 = time.perf_counter()
    t3 = time.perf_counter()
    accelsim.simulate("resnet18", arch)
    t4 = time.perf_counter()
    total = t2 - t0
    print(f"simulate (per-layer reports): prefill L=2048 {t1 - t0:.3f} s + 128 decode steps {t2 - t1:.3f} s = "
          f"{total:.3f} s; ResNet-18 simulate {t4 - t3:.4f} s (ratio {total / (t4 - t3):.0f}x)")  # fmt: skip
    t0 = time.perf_counter()
    g = generation("llama-1b", arch, bits="W4A8KV4", prompt_len=2048, new_tokens=128)
    total = time.perf_counter() - t0
    print(f"accelsim.generation.generation (costs only): prefill L=2048 + 128 decode steps in {total:.3f} s "
          f"({'ok' if total <= 1 else 'ABOVE'} target 1 s): time to first token {g['time_to_first_token_s']:.4g} s, "
          f"{g['decode_tokens_per_s']:.4g} tokens/s, {g['j_per_token']:.4g} J/token")  # fmt: skip

    decode = build("llama-1b", seq_len=4096, phase="decode")
    layers = [x for x in decode.layers if x.has_macs and (x.name.startswith("b0.") or x.name == "lm_head")]
    cm = CostModel(arch)
    fresh = [x.with_batch(b) for b in range(1, 301) for x in layers]  # every shape new
    t0 = time.perf_counter()
    for x in fresh:
        cm.layer_cost(x, 4, 8)
    q = len(fresh) / (time.perf_counter() - t0)
    print(
        f"fresh CostModel queries on decoder layers: {q:,.0f}/s ({'ok' if q >= 1e4 else 'BELOW'} target 10,000)"
    )


if __name__ == "__main__":
    main()
