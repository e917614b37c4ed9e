"""Whole-network integer execution, PTQ and mismatch metrics (accelsim.functional.executor/ptq/metrics)."""

from __future__ import annotations

import numpy as np
import pytest
from fuzzing import examples
from hypothesis import given, settings
from hypothesis import strategies as st

from accelsim.accuracy import accuracy_report
from accelsim.errors import AccelsimInputError
from accelsim.functional import int_conv2d
from accelsim.functional.executor import conv2d_float, pool_float, run_fake, run_integer
from accelsim.functional.metrics import compare, shipped_model, sqnr_db
from accelsim.functional.ptq import ptq, random_weights
from accelsim.workload import Layer, Network, load_network


@pytest.fixture(scope="module")
def lenet():
    net = load_network("lenet5-digits")
    w, b, x, y, cal = shipped_model(net)
    return net, w, b, x, y, cal


def test_lenet_8bit_integer_accuracy_within_one_point_of_float(lenet):
    net, w, b, x, y, cal = lenet
    model = ptq(net, w, cal, b, w_bits=8, a_bits=8, method="minmax")
    o = compare(model, x, y)["overall"]
    # measured: float 0.9796, fake 0.9796, integer 0.9796 (540 test images)
    assert o["accuracy_float"] == pytest.approx(0.9796, abs=5e-4)
    assert o["accuracy_int"] >= o["accuracy_float"] - 0.01
    assert o["top1_agreement_int_vs_fake"] >= 0.99
    # per-layer local bound (same integer inputs): gemmlowp requant differs from round-half-even of the
    # exact product by at most 1 LSB; measured 99.93 % of all outputs bit-exact, 99.66 % end to end
    assert o["local_max_err_lsb_int_vs_fake"] <= 1.0
    assert o["local_frac_bit_exact_int_vs_fake"] >= 0.995
    assert o["all_layers_frac_bit_exact_int_vs_fake"] >= 0.99


@pytest.mark.parametrize("bits", [8, 4, 2])
def test_half_even_requant_is_bit_exact_with_fake_quant_per_layer(lenet, bits):
    net, w, b, x, y, cal = lenet
    model = ptq(net, w, cal, b, w_bits=bits, a_bits=bits)
    model.rounding = "half_even"
    r = compare(model, x[:200], y[:200])
    # one exact rounding of acc·M0·2^-(31+n) vs rint(acc·M) in float64: only the 2^-31 multiplier
    # approximation can differ, and it did not on any output (measured 100 %).
    assert r["overall"]["local_frac_bit_exact_int_vs_fake"] == 1.0
    assert r["overall"]["local_max_err_lsb_int_vs_fake"] == 0.0


def test_accuracy_vs_bits_is_monotone_where_robust(lenet):
    net, w, b, x, y, cal = lenet
    acc = {}
    for bits in (8, 4, 2):
        model = ptq(net, w, cal, b, w_bits=bits, a_bits=bits, method="minmax")
        acc[bits] = compare(model, x, y)["overall"]["accuracy_int"]
    # measured (minmax, per-channel): 8/8 0.980, 4/4 0.967, 2/2 0.111
    assert acc[8] >= acc[4] - 0.005
    assert acc[4] > acc[2] + 0.5


def _fold_net(pad: int, act: str) -> Network:
    return Network(
        name="t",
        input={"channels": 3, "height": 6, "width": 6},
        layers=[
            Layer(
                name="c1", op="conv2d", in_channels=3, out_channels=4, in_h=6, in_w=6, kernel=3, padding=pad
            ),
            Layer(
                name="c2",
                op="conv2d",
                in_channels=4,
                out_channels=4,
                in_h=6 + 2 * pad - 2,
                in_w=6 + 2 * pad - 2,
                kernel=1,
                activation=act,
            ),
            Layer(
                name="add",
                op="add",
                in_channels=4,
                in_h=6 + 2 * pad - 2,
                in_w=6 + 2 * pad - 2,
                inputs=["c1", "c2"],
                activation="relu",
            ),
            Layer(
                name="p",
                op="pool",
                pool_type="avg",
                in_channels=4,
                in_h=6 + 2 * pad - 2,
                in_w=6 + 2 * pad - 2,
                kernel=2,
                stride=2,
            ),
            Layer(name="fc", op="fc", in_channels=4 * ((6 + 2 * pad - 2) // 2) ** 2, out_channels=5),
        ],
    )


def _plain_functional(x0, w, layer, precision, arch, seed):
    """A fabric datapath that is exact: the plain kernel on zero-point-free inputs (the fabric contract)."""
    if layer.op == "fc":
        return x0 @ w.T, {}
    r = int_conv2d(x0, w, layer.stride, layer.padding, layer.dilation, layer.groups, 48)
    return r.out, {"calls": 1}


@settings(max_examples=examples(12), deadline=None)
@given(
    pad=st.integers(0, 2),
    act=st.sampled_from(["none", "relu", "relu6"]),
    seed=st.integers(0, 1000),
    bits=st.integers(3, 8),
    offset=st.sampled_from([-1.0, -0.5, 0.25]),
)
def test_zero_point_folding_equals_zero_point_removal(pad, act, seed, bits, offset):
    """Folding z_x into the bias (padding filled with z_x) gives the same integers as feeding x − z_x."""
    net = _fold_net(pad, act)
    w, b = random_weights(net, seed)
    rng = np.random.default_rng(seed)
    x = rng.random((3, 3, 6, 6)) + offset  # asymmetric input range: non-zero input zero point
    model = ptq(net, w, x, b, w_bits=bits, a_bits=bits, per_channel=bool(seed % 2))
    assert (model.input_q.zero_point != 0) == (offset < 0)
    folded = run_integer(model, x)
    removed = run_integer(model, x, functional=_plain_functional)
    for name in ("c1", "c2", "add", "p", "fc"):
        np.testing.assert_array_equal(folded.tensors[name], removed.tensors[name])
    # local bound against fake quantization: at most 1 LSB per layer
    r = compare(model, x)
    assert r["overall"]["local_max_err_lsb_int_vs_fake"] <= 1.0


@settings(max_examples=examples(15), deadline=None)
@given(
    seed=st.integers(0, 10_000),
    groups=st.sampled_from([1, 2]),
    stride=st.integers(1, 2),
    pad=st.integers(0, 2),
    dil=st.integers(1, 2),
)
def test_float_conv_and_pool_match_integer_kernels_on_integer_values(seed, groups, stride, pad, dil):
    rng = np.random.default_rng(seed)
    layer = Layer(
        name="c",
        op="conv2d",
        in_channels=4,
        out_channels=6,
        in_h=7,
        in_w=6,
        kernel=3,
        stride=stride,
        padding=pad,
        dilation=dil,
        groups=groups,
    )
    x = rng.integers(-8, 8, (2, 4, 7, 6))
    w = rng.integers(-8, 8, (6, 4 // groups, 3, 3))
    ref = int_conv2d(x, w, stride, pad, dil, groups).out
    np.testing.assert_array_equal(conv2d_float(x, w, layer), ref)
    pl = Layer(
        name="p",
        op="pool",
        pool_type="max",
        in_channels=4,
        in_h=7,
        in_w=6,
        kernel=2,
        stride=stride,
        padding=min(pad, 1),
    )
    from accelsim.functional import int_pool2d

    np.testing.assert_array_equal(pool_float(x, pl), int_pool2d(x, 2, "max", stride, min(pad, 1)))


def test_metric_definitions_on_hand_values():
    ref = np.array([3.0, 4.0])
    assert sqnr_db(ref, ref) == float("inf")
    assert sqnr_db(ref, ref + np.array([0.0, 0.5])) == pytest.approx(10 * np.log10(25 / 0.25))


def test_zoo_network_with_random_weights_runs_integer_only():
    net = load_network("resnet20")
    w, b = random_weights(net, seed=3)
    x = np.random.default_rng(0).random((1, 3, 32, 32))
    model = ptq(net, w, x, b, w_bits=8, a_bits=8)
    r = compare(model, x)
    assert r["overall"]["local_max_err_lsb_int_vs_fake"] <= 1.0
    assert r["overall"]["top1_agreement_int_vs_fake"] == 1.0
    w2, _ = random_weights(net, seed=3)
    assert all(np.array_equal(w[k], w2[k]) for k in w)  # same seed, same weights


def test_accuracy_report_combines_simulation_and_metrics():
    r = accuracy_report("lenet5-digits", "ideal", bits="8/8", max_images=100)
    assert r["performance"]["totals"]["cycles"] > 0
    assert r["accuracy"]["overall"]["images"] == 100
    assert r["accuracy"]["overall"]["accuracy_int"] >= 0.95


@pytest.mark.parametrize("drop_bits", [0, 8])
def test_fabric_functional_layer_path_and_fabric_vs_ideal(monkeypatch, drop_bits):
    """A fabric datapath that truncates the accumulator's low bits is reported against the exact one."""
    import accelsim.accuracy as accuracy_module

    def lossy(x0, w, layer, precision, arch, seed):
        acc, st = _plain_functional(x0, w, layer, precision, arch, seed)
        out = (acc >> drop_bits) << drop_bits
        return out, {"changed": int(np.sum(out != acc))}

    monkeypatch.setattr(accuracy_module, "get_functional_layer", lambda name: lossy)
    r = accuracy_report("lenet5-digits", "ideal", bits="8/8", max_images=60)
    o = r["accuracy"]["overall"]
    changed = sum(row["stats"].get("changed", 0) for row in r["accuracy"]["layers"])
    if drop_bits == 0:
        assert o["output_frac_bit_exact_fabric_vs_ideal"] == 1.0 and changed == 0
    else:
        assert changed > 0
        assert o["output_frac_bit_exact_fabric_vs_ideal"] < 1.0


def test_bad_inputs(lenet):
    net, w, b, x, y, cal = lenet
    with pytest.raises(AccelsimInputError, match="bits"):
        ptq(net, w, cal, b, w_bits=1, a_bits=8)
    with pytest.raises(AccelsimInputError, match="method"):
        ptq(net, w, cal, b, method="nope")
    model = ptq(net, w, cal, b)
    with pytest.raises(AccelsimInputError, match="data"):
        run_integer(model, np.zeros((2, 1, 9, 9)))
    with pytest.raises(AccelsimInputError, match="weights"):
        ptq(net, {k: v for k, v in w.items() if k != "fc2"}, cal, b)
    with pytest.raises(AccelsimInputError, match="not quantized"):
        from accelsim.functional.ptq import QuantizedModel

        run_fake(QuantizedModel(net, w, b), x)


def test_concat_depthwise_relu6_avgpool_graph_local_bound_and_half_even_exactness():
    L = Layer
    net = Network(
        name="cat",
        input={"channels": 3, "height": 6, "width": 6},
        layers=[
            L(name="a", op="conv2d", in_channels=3, out_channels=4, in_h=6, in_w=6, kernel=3, padding=1,
              activation="relu6"),
            L(name="b", op="conv2d", in_channels=3, out_channels=2, in_h=6, in_w=6, kernel=1, inputs=["input"]),
            L(name="cat", op="concat", in_channels=6, in_h=6, in_w=6, inputs=["a", "b"], out_channels=6),
            L(name="dw", op="depthwise_conv2d", in_channels=6, out_channels=6, in_h=6, in_w=6, kernel=3,
              padding=1, activation="relu"),
            L(name="gap", op="pool", pool_type="avg", in_channels=6, in_h=6, in_w=6, kernel=6),
            L(name="fc", op="fc", in_channels=6, out_channels=3),
        ],
    )  # fmt: skip
    w, b = random_weights(net, 5)
    x = np.random.default_rng(5).standard_normal((4, 3, 6, 6)) * 3
    model = ptq(net, w, x, b, w_bits=6, a_bits=6, method="percentile")
    r = compare(model, x)
    assert r["overall"]["local_max_err_lsb_int_vs_fake"] <= 1.0
    fl = r["layers"][-1]["int_vs_float"]["sqnr_db"]
    assert fl > 20.0  # measured 32.5 dB at 6/6 (percentile)
    model.rounding = "half_even"
    assert compare(model, x)["overall"]["local_frac_bit_exact_int_vs_fake"] == 1.0


def test_wide_out_bits_on_the_output_layer_keep_the_raw_accumulator(lenet):
    net, w, b, x, y, cal = lenet
    from accelsim.workload import Precision

    last = net.layers[-1].model_copy(update={"precision": Precision(out_bits=32)})
    wide = net.model_copy(update={"layers": net.layers[:-1] + [last]})
    model = ptq(wide, w, cal, b, w_bits=4, a_bits=4)
    assert model.layers["fc3"].output is None
    r = compare(model, x[:100], y[:100])
    row = r["layers"][-1]
    # accumulator outputs equal the fake-quant float result divided by s_x·s_w exactly
    assert row["local_int_vs_fake"]["max_err_lsb"] == 0.0
    assert r["overall"]["accuracy_int"] >= 0.95  # measured 0.98 on these 100 images at 4/4


def test_per_layer_bits_and_keep_first_last(lenet):
    net, w, b, x, y, cal = lenet
    model = ptq(net, w, cal, b, w_bits={"fc1": 3}, a_bits=6, keep_first_last_bits=8)
    got = {n: (lq.w_bits, lq.a_bits) for n, lq in model.layers.items() if lq.w_q is not None}
    assert got == {"conv1": (8, 8), "conv2": (8, 6), "fc1": (3, 6), "fc2": (8, 6), "fc3": (8, 8)}
    assert model.input_q.bits == 8  # read by conv1 at 8 bits
    assert model.layers["conv1"].output.bits == 6  # read by pool1 → conv2 at 6 bits
    assert int(np.abs(model.layers["fc1"].w_q).max()) <= 3  # 3-bit restricted range
    assert compare(model, x[:100], y[:100])["overall"]["accuracy_int"] >= 0.9


# ---- two-activation matmuls (attention Q·Kᵀ and P·V) --------------------------------------------------


def _attention_net(M: int, D: int, G: int, act: str = "none") -> Network:
    """q/k/v projections, scores = Q·Kᵀ per head (rhs_transposed), context = S·V per head, out projection."""

    def mm(name, c, k, inputs=None, **kw):
        return Layer(name=name, op="matmul", in_channels=c, out_channels=k, in_h=M, inputs=inputs, **kw)

    return Network(
        name="attn",
        input={"channels": D, "height": M, "width": 1},
        layers=[
            mm("q", D, D, ["input"]),
            mm("k", D, D, ["input"]),
            mm("v", D, D, ["input"]),
            mm("scores", D, G * M, ["q", "k"], groups=G, weights_are_activations=True, rhs_transposed=True),
            mm("context", G * M, D, ["scores", "v"], groups=G, weights_are_activations=True, activation=act),
            mm("out", D, D),
        ],
    )


def _heads_qkT(q, k, G):
    """Per head h: Q_h·K_hᵀ with Q_h, K_h the column blocks h·D/G … of (N, M, D) tensors."""
    d = q.shape[2] // G
    return np.concatenate(
        [q[:, :, h * d : (h + 1) * d] @ k[:, :, h * d : (h + 1) * d].transpose(0, 2, 1) for h in range(G)],
        axis=2,
    )


def _heads_sv(s, v, G):
    """Per head h: S_h·V_h with S_h the column block h·M … of (N, M, G·M) and V_h that of (N, M, D)."""
    M, d = s.shape[2] // G, v.shape[2] // G
    return np.concatenate(
        [s[:, :, h * M : (h + 1) * M] @ v[:, :, h * d : (h + 1) * d] for h in range(G)], axis=2
    )


@settings(max_examples=examples(8), deadline=None)
@given(
    seed=st.integers(0, 10_000),
    M=st.integers(1, 5),
    d=st.integers(1, 4),
    G=st.sampled_from([1, 2, 3]),
    bits=st.sampled_from([8, 5, 3]),
    act=st.sampled_from(["none", "relu"]),
)
def test_two_activation_matmuls_bit_exact_against_int64_reference(seed, M, d, G, bits, act):
    from accelsim.functional.executor import run_float
    from accelsim.quant.requant import requantize

    net = _attention_net(M, G * d, G, act)
    rng = np.random.default_rng(seed)
    w, b = random_weights(net, seed)
    x = rng.standard_normal((6, M, G * d))
    model = ptq(net, w, x[:4], b, w_bits=bits, a_bits=bits)
    # float: the grouped / transposed layouts equal per-head products taken by explicit slicing
    fl = run_float(model, x)
    s_ref = _heads_qkT(fl["q"], fl["k"], G)
    np.testing.assert_allclose(fl["scores"], s_ref, rtol=1e-12, atol=1e-12)
    o_ref = _heads_sv(s_ref, fl["v"], G)
    np.testing.assert_allclose(fl["context"], np.maximum(o_ref, 0) if act == "relu" else o_ref, rtol=1e-10)
    # integer: Σ (x − z_x)(r − z_r) per head in int64, then the same requantization, bit for bit
    it = run_integer(model, x)
    for name, (a, r), ref in (("scores", ("q", "k"), _heads_qkT), ("context", ("scores", "v"), _heads_sv)):
        lq = model.layers[name]
        acc = ref(it.tensors[a] - lq.inputs[0].zero_point, it.tensors[r] - lq.inputs[1].zero_point, G)
        out = lq.output
        q = requantize(acc, lq.m0, lq.shift, out.zero_point, out.bits, out.signed, axis=2, mult_bits=31)
        if name == "context" and act == "relu":
            q = np.maximum(q, out.zero_point)
        np.testing.assert_array_equal(it.tensors[name], q)
        assert it.stats[name]["overflow_events"] == 0
    # fake quantization: within 1 LSB per layer given equal inputs (gemmlowp), exact with half_even
    assert compare(model, x, None)["overall"]["local_max_err_lsb_int_vs_fake"] <= 1.0
    model.rounding = "half_even"
    assert compare(model, x, None)["overall"]["local_max_err_lsb_int_vs_fake"] == 0.0


# ---- weight formats of accelsim.quant in the whole-network path ---------------------------------------

INTEGER_FORMATS = [
    ("uniform", 4),
    ("qnn", 4),
    ("dorefa", 3),
    ("dorefa", 1),
    ("bwn", 1),
    ("twn", 2),
    ("ttq", 2),
]
INTEGER_FORMATS += [("log2", 4), ("log4", 4)]


@pytest.mark.parametrize(("name", "wb"), INTEGER_FORMATS)
def test_integer_weight_formats_integer_equals_fake(lenet, name, wb):
    from accelsim.functional.ptq import weight_format
    from accelsim.quant import get_quantizer

    net, w, b, x, y, cal = lenet
    # the integer form (codes × per-channel scale) reproduces the quantizer's own real values
    conv2 = net.mac_layers()[1]
    wl = np.asarray(w[conv2.name], np.float64)
    fmt = weight_format(name, wl, conv2, wb, True, "minmax")
    assert fmt.w_q is not None and fmt.w_q.dtype == np.int64
    spec = get_quantizer(name)
    if name == "dorefa" and wb > 1:
        alpha = np.abs(wl).max(axis=(1, 2, 3)).reshape(-1, 1, 1, 1)
        own = alpha * spec.quantize_weights(wl, wb, axis=0).dequantize()
    elif name in ("bwn", "twn", "dorefa"):
        own = spec.quantize_weights(wl, wb, axis=0).dequantize()
    elif name == "log4":
        own = spec.quantize_weights(wl, wb, scale=np.abs(wl).max() / 64).dequantize()
    elif name == "uniform":
        own = fmt.w_fake
    else:
        own = spec.quantize_weights(wl, wb).dequantize()
    np.testing.assert_allclose(fmt.w_fake, own, rtol=1e-12, atol=1e-15)
    if fmt.ttq is None:
        np.testing.assert_allclose(fmt.w_q * fmt.w_scale.reshape(-1, 1, 1, 1), own, rtol=1e-12, atol=1e-15)
    if name.startswith("log"):  # powers of two: products are shifts
        mag = np.abs(fmt.w_q[fmt.w_q != 0])
        assert np.all(mag & (mag - 1) == 0)
    # integer-only vs fake: same inputs → at most 1 LSB (gemmlowp), bit-exact with one exact rounding
    model = ptq(net, w, cal, b, w_bits=wb, a_bits=4, quantizer=name)
    r = compare(model, x[:120], y[:120])["overall"]
    assert r["local_max_err_lsb_int_vs_fake"] <= 1.0
    assert abs(r["accuracy_int"] - r["accuracy_fake"]) <= 0.05
    model.rounding = "half_even"
    assert compare(model, x[:120], y[:120])["overall"]["local_max_err_lsb_int_vs_fake"] == 0.0


@pytest.mark.parametrize(("name", "wb"), [("fp8", 8), ("kmeans", 3)])
def test_non_integer_formats_run_fake_only(lenet, name, wb):
    net, w, b, x, y, cal = lenet
    model = ptq(net, w, cal, b, w_bits=wb, a_bits=8, quantizer=name)
    fk = run_fake(model, x[:50])
    assert fk.output.shape == (50, 10)
    first = net.mac_layers()[0].name
    with pytest.raises(AccelsimInputError, match=f"layer '{first}': {name} weights"):
        run_integer(model, x[:5])
    # per-layer: only the first layer in the format, the rest uniform → that layer names itself
    m2 = ptq(net, w, cal, b, w_bits={first: wb}, a_bits=8, quantizer={first: name})
    with pytest.raises(AccelsimInputError, match=f"'{first}'"):
        run_integer(m2, x[:5])


def test_quantizer_arguments_and_pact(lenet):
    net, w, b, x, y, cal = lenet
    with pytest.raises(AccelsimInputError, match="quantizer"):
        ptq(net, w, cal, b, quantizer="nope")
    with pytest.raises(AccelsimInputError, match="w_bits"):
        ptq(net, w, cal, b, w_bits=4, quantizer="bwn")  # BWN is 1-bit
    with pytest.raises(AccelsimInputError, match="act_quantizer"):
        ptq(net, w, cal, b, act_quantizer="dorefa")
    # PACT with α = the minmax top equals the uniform quantizer on ReLU outputs (z = 0): same codes
    u = run_integer(ptq(net, w, cal, b, w_bits=4, a_bits=4), x[:100])
    p = run_integer(ptq(net, w, cal, b, w_bits=4, a_bits=4, act_quantizer="pact"), x[:100])
    np.testing.assert_array_equal(u.output, p.output)
    # keep_first_last_bits keeps those layers uniform
    m = ptq(net, w, cal, b, w_bits=1, a_bits=4, quantizer="bwn", keep_first_last_bits=8)
    macs = net.mac_layers()
    assert m.layers[macs[0].name].extra["quantizer"] == "uniform"
    assert m.layers[macs[1].name].extra["quantizer"] == "bwn"


def test_accuracy_report_runs_an_attention_network_on_default_token_inputs():
    net = _attention_net(4, 6, 2)
    r = accuracy_report(net, "ideal", quantizer="dorefa", bits="4/8")
    o = r["accuracy"]["overall"]
    assert r["quantizer"] == "dorefa" and r["weights"] == "random(seed=0)"
    assert o["images"] == 2 and o["local_max_err_lsb_int_vs_fake"] <= 1.0
    scores = next(la for la in r["accuracy"]["layers"] if la["name"] == "scores")
    assert scores["stats"]["overflow_events"] == 0


def test_log2_weights_equal_the_shift_pe_products(lenet):
    """log2 integer weights ±2^e: the exact kernels' products equal the log PE's shifts (accelsim.pe.logpe)."""
    from accelsim.functional.ptq import weight_format
    from accelsim.pe.logpe import shift_gemm

    net, w, b, x, y, cal = lenet
    fc = next(la for la in net.mac_layers() if la.op == "fc")
    fmt = weight_format("log2", np.asarray(w[fc.name], np.float64), fc, 4, True, "minmax")
    wq = fmt.w_q.T  # (C, K)
    zero = wq == 0
    sign = (wq < 0).astype(np.int64)
    exp = np.where(zero, 0, np.log2(np.maximum(np.abs(wq), 1)).astype(np.int64))
    assert np.array_equal(np.where(zero, 0, np.where(sign == 1, -1, 1) << exp), wq)
    xq = np.random.default_rng(0).integers(0, 256, (7, fc.C)).astype(np.int64)
    # shift_gemm has no zero code: zero weights are run as +2^0 and their x subtracted again
    shifts = shift_gemm(xq, sign, exp) - xq @ zero.astype(np.int64)
    np.testing.assert_array_equal(shifts, xq @ wq)


@settings(max_examples=examples(10), deadline=None)
@given(
    pad=st.integers(0, 2),
    seed=st.integers(0, 1000),
    name=st.sampled_from(["dorefa", "ttq", "twn", "bwn", "qnn", "log2"]),
    per_channel=st.booleans(),
)
def test_weight_formats_with_nonzero_input_zero_points_and_padding(pad, seed, name, per_channel):
    """Asymmetric inputs (z_x ≠ 0, padding filled with z_x) through every integer weight format: folded
    integers equal zero-point removal, and equal fake quantization given the same inputs (half_even)."""
    net = _fold_net(pad, "none")
    w, b = random_weights(net, seed)
    x = np.random.default_rng(seed).random((3, 3, 6, 6)) - 0.5
    wb = {"ttq": 2, "twn": 2, "bwn": 1}.get(name, 4)
    model = ptq(net, w, x, b, w_bits=wb, a_bits=6, per_channel=per_channel, quantizer=name)
    assert model.input_q.zero_point != 0 and model.layers["c2"].inputs[0].zero_point != 0
    folded = run_integer(model, x)
    removed = run_integer(model, x, functional=_plain_functional)
    for layer in ("c1", "c2", "fc"):
        np.testing.assert_array_equal(folded.tensors[layer], removed.tensors[layer])
    model.rounding = "half_even"
    local = {la["name"]: la["local_int_vs_fake"]["max_err_lsb"] for la in compare(model, x)["layers"]}
    # MAC layers: exact (the 2x2 average pool may differ by 1 LSB at exact .5 ties, float64 fake rounding)
    assert local["c1"] == local["c2"] == local["fc"] == 0.0
