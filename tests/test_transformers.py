"""Transformers (accelsim.transformers): shapes and sizes, prefill and decode with a KV cache, per-tensor
W/A/KV bits, the special-function unit, and the decode roofline on the ideal machine."""

from __future__ import annotations

import math

import pytest
from cli_util import run_cli

from accelsim import simulate
from accelsim.errors import AccelsimInputError
from accelsim.fabrics import load_arch
from accelsim.transformers import MODELS, build, kv_bytes_per_token, kv_cache_bytes
from accelsim.workload import parse_bits_kv


def _block_params(cfg) -> int:
    d, H, KVH, dh, ff = cfg.d_model, cfg.heads, cfg.kv_heads, cfg.head_dim, cfg.d_ff
    ffn = (3 if cfg.ffn == "swiglu" else 2) * d * ff
    return d * H * dh + 2 * d * KVH * dh + H * dh * d + ffn


@pytest.mark.parametrize("model", sorted(MODELS))
def test_parameters_are_embedding_plus_blocks(model):
    """Matrix parameters: the embedding table plus per block Q, K, V, O and the FFN (norm gains and biases
    are not modelled; the LM head is tied to the embedding)."""
    cfg = MODELS[model]
    net = build(model)
    assert net.total_params == cfg.vocab * cfg.d_model + cfg.blocks * _block_params(cfg)


def test_model_sizes_match_the_published_ones():
    """GPT-2 small 124M and Llama-3.2-1B 1.24B parameters (recalled, not in a stored source), BERT-base
    110M (Devlin et al.): the matrices alone come within 2 % (biases, norms and position embeddings left
    out)."""
    assert build("gpt2-small").total_params == pytest.approx(124e6, rel=0.02)
    assert build("llama-1b").total_params == pytest.approx(1.24e9, rel=0.02)
    assert build("bert-base").total_params == pytest.approx(110e6, rel=0.02)


@pytest.mark.parametrize(("model", "L", "batch"), [("llama-1b", 4096, 1), ("gpt2-small", 512, 3)])
def test_decode_macs_and_kv_cache(model, L, batch):
    """Decode MACs per token = embedding-free matrices + attention over the cache (2·heads·head_dim·L per
    block) + the LM head; the cache matmuls' stored operand is the cache: B·L·kv_heads·head_dim per block
    and matrix."""
    cfg = MODELS[model]
    net = build(model, seq_len=L, phase="decode", batch=batch)
    per_token = cfg.blocks * (_block_params(cfg) + 2 * cfg.heads * cfg.head_dim * L) + cfg.d_model * cfg.vocab
    assert net.total_macs == batch * per_token
    cache = [x for x in net.layers if x.kv_cache]
    assert len(cache) == 2 * cfg.blocks
    assert all(x.weight_elems == batch * L * cfg.kv_heads * cfg.head_dim for x in cache)
    assert kv_cache_bytes(net, 4) == 2 * cfg.blocks * cfg.kv_heads * cfg.head_dim * L * batch * 4 / 8
    assert kv_bytes_per_token(net, 8) == 2 * cfg.blocks * cfg.kv_heads * cfg.head_dim


def test_prefill_attention_is_two_activation_matmuls():
    cfg = MODELS["llama-1b"]
    net = build("llama-1b", seq_len=64)
    scores = next(x for x in net.layers if x.name == "b0.scores")
    assert scores.weights_are_activations and scores.macs == 64 * 64 * cfg.heads * cfg.head_dim
    assert {x.name for x in net.layers if x.writes_kv_cache} >= {"b0.k", "b0.v"}


def test_ideal_decode_is_the_memory_roofline_exactly():
    """On the ideal machine with compute to spare every decode layer waits for memory: latency =
    Σ ceil(bytes / bandwidth) cycles, so tokens/s = bandwidth / bytes per token (up to one cycle per layer)."""
    arch = load_arch("ideal", macs_per_cycle=10**9, vector_lanes=10**9, **{"sfu.lanes": 10**9})
    rep = simulate("llama-1b", arch, bits="W4A8KV4", seq_len=1024, phase="decode")
    bw = arch.dram.bandwidth_bytes_per_cycle
    moved = [x.accesses["dram_read_bytes"] + x.accesses["dram_write_bytes"] for x in rep.layers]
    assert rep.totals.cycles == sum(math.ceil(b / bw) for b in moved)
    tokens_per_s = rep.transformer["tokens_per_s"]
    assert tokens_per_s == pytest.approx(bw * arch.frequency_hz / sum(moved), rel=1e-3)
    assert rep.totals.stall_cycles > 0.99 * rep.totals.cycles


def test_kv_bits_set_the_cache_traffic_exactly():
    arch = load_arch("ideal")
    kv4 = simulate("llama-1b", arch, bits="W4A8KV4", seq_len=512, phase="decode")
    kv8 = simulate("llama-1b", arch, bits="W4A8KV8", seq_len=512, phase="decode")
    read = lambda r: sum(x.accesses["dram_read_bytes"] for x in r.layers)  # noqa: E731
    net = build("llama-1b", seq_len=512, phase="decode")
    assert read(kv8) - read(kv4) == pytest.approx(kv_cache_bytes(net, 8) - kv_cache_bytes(net, 4))
    assert kv4.bits == "W4A8KV4" and kv4.transformer["kv_bits"] == 4


def test_sfu_layers_cost_ops_on_lanes():
    """softmax: ceil(elements·5 / lanes) cycles; each op priced as one a×a MAC."""
    net = build("gpt2-small", seq_len=128)
    arch = load_arch("tpu-v1")
    rep = simulate(net, arch)
    sm = next(x for x in rep.layers if x.name == "b0.softmax")
    layer = next(x for x in net.layers if x.name == "b0.softmax")
    assert sm.compute_cycles == math.ceil(layer.input_elems * 5 / arch.sfu.lanes)
    assert sm.energy_breakdown_pj["digital.sfu"] == pytest.approx(
        layer.input_elems * 5 * arch.action_energy_pj("digital.sfu", "mac", (8, 8, 32))
    )


def test_batch_folds_into_the_cache_matmuls():
    one = build("llama-1b", seq_len=256, phase="decode")
    four = one.with_batch(4)
    assert four.total_macs == 4 * one.total_macs and four.transformer["batch"] == 4
    assert four.total_params == one.total_params
    assert build("llama-1b", seq_len=256, phase="decode", batch=4).layers == four.layers


@pytest.mark.parametrize("arch", ["tpu-v1", "bitfusion", "eyeriss", "isaac"])
def test_done_when_command_runs_on_every_fabric_family(arch, capsys):
    code, out, err = run_cli(["simulate", "--network", "llama-1b", "--phase", "decode", "--seq-len", "4096",
                              "--arch", arch, "--bits", "W4A8KV4"], capsys)  # fmt: skip
    assert code == 0, err
    text = " ".join(out.split())
    assert "tokens/s" in text and "/token" in text and "KV cache 33.6 MB" in text


@pytest.mark.parametrize(
    ("args", "field"),
    [
        (["--network", "bert-base", "--phase", "decode"], "phase"),
        (["--network", "resnet18", "--seq-len", "64"], "--seq-len"),
        (["--network", "llama-1b", "--phase", "train"], "phase"),
        (["--network", "llama-1b", "--bits", "W4A8KV40"], "bits"),
    ],
)
def test_transformer_input_errors_are_one_line(args, field, capsys):
    code, _, err = run_cli(["simulate", *args, "--arch", "ideal"], capsys)
    assert code == 2 and field in err and len(err.strip().splitlines()) == 1, err


def test_bits_with_a_kv_width():
    assert parse_bits_kv("W4A8KV4") == (4, 8, 4)
    assert parse_bits_kv("w4a8") == (4, 8, None)
    assert parse_bits_kv("4/8") == (4, 8, None)
    with pytest.raises(AccelsimInputError):
        parse_bits_kv("W4A8KV0")


def test_cost_model_takes_kv_bits_and_agrees_with_simulate():
    """CostModel.network_cost over a decode network at (w, a, kv) = simulate at W4A8KV4."""
    from accelsim.cost import CostModel

    net = build("gpt2-small", seq_len=256, phase="decode")
    rep = simulate(net, "tpu-v1", bits="W4A8KV4")
    nc = CostModel("tpu-v1").network_cost(net, [(4, 8, 4)] * len(net.layers), mac_layers_only=False)
    assert nc.latency_cycles == rep.totals.cycles
    assert nc.energy_pj == pytest.approx(rep.totals.energy_pj, rel=1e-12)
    cm = CostModel("ideal")
    cache = next(x for x in net.layers if x.kv_cache)
    assert cm.layer_cost(cache, 4, 8, 2).weight_bytes == cache.weight_elems * 2 / 8
    assert cm.layer_cost(cache, 4, 8).weight_bytes == cache.weight_elems * 8 / 8  # kv defaults to a_bits


def test_generation_sums_prefill_and_growing_decode_steps():
    from accelsim.generation import generation

    g = generation("gpt2-small", "ideal", bits="W8A8KV4", prompt_len=64, new_tokens=4, batch=2)
    steps = [simulate("gpt2-small", "ideal", bits="W8A8KV4", seq_len=64 + i, phase="decode", batch=2)
             for i in range(4)]  # fmt: skip
    assert g["decode_s"] == pytest.approx(sum(r.totals.latency_s for r in steps), rel=1e-12)
    assert g["decode_tokens_per_s"] == pytest.approx(2 * 4 / g["decode_s"])
    prefill = simulate("gpt2-small", "ideal", bits="W8A8KV4", seq_len=64, batch=2)
    assert g["time_to_first_token_s"] == pytest.approx(prefill.totals.latency_s, rel=1e-12)
    assert g["bits"] == "W8A8KV4" and g["kv_cache_bytes_final"] == kv_cache_bytes(
        build("gpt2-small", seq_len=68, phase="decode", batch=2), 4
    )
