"""examples/llama_wkv_milp.py: the ILP's weight/KV bits are the brute-force optimum on a small decoder,
meet the tokens/s budget, and the example runs as documented."""

from __future__ import annotations

import importlib.util
import itertools
from pathlib import Path

import numpy as np
import pytest

from accelsim.errors import AccelsimInputError

spec = importlib.util.spec_from_file_location(
    "llama_wkv_milp", Path(__file__).parent.parent / "examples" / "llama_wkv_milp.py"
)
example = importlib.util.module_from_spec(spec)
spec.loader.exec_module(example)


@pytest.mark.parametrize(("arch", "fraction"), [("ideal", 0.7), ("ideal", 0.85), ("tpu-v1", 0.95)])
def test_ilp_equals_brute_force_on_tiny_llama(arch, fraction):
    prob = example.problem("tiny-llama", arch, 512)
    out = example.solve("tiny-llama", arch, 512, fraction, prob)
    lat, noise, fixed = prob["lat"], prob["noise"], prob["fixed"]
    n = lat.shape[0]
    picks = np.array(list(itertools.product((0, 1), repeat=n)))
    rows = np.arange(n)
    lats = fixed + lat[rows, picks].sum(1)
    noises = noise[rows, picks].sum(1)
    feasible = lats <= out["budget_s"] * (1 + 1e-9)
    best = noises[feasible].min()
    assert out["noise"] == pytest.approx(best, rel=1e-9)
    assert out["latency_s"] <= out["budget_s"] * (1 + 1e-9)


def test_unreachable_budget_is_an_input_error():
    with pytest.raises(AccelsimInputError, match="smallest reachable"):
        example.solve("tiny-llama", "tpu-v1", 512, 0.05)


def test_front_and_plot(tmp_path):
    rows = example.front("tiny-llama", "ideal", 256, [0.6, 0.8, 1.0], str(tmp_path / "f.png"))
    assert rows and (tmp_path / "f.png").stat().st_size > 1000
    lat = [r["latency_s"] for r in rows]
    noise = [r["noise"] for r in rows]
    assert lat == sorted(lat) and noise == sorted(noise, reverse=True)  # more time buys less noise
