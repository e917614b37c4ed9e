"""Workload IR: conv arithmetic, MACs, GEMM view, validation errors."""

import pytest
from hypothesis import given
from hypothesis import strategies as st

from accelsim.errors import AccelsimInputError
from accelsim.workload import Layer, Network, load_network, parse_bits


def conv(**kw):
    base = dict(name="c", op="conv2d", in_channels=3, out_channels=8, in_h=32, in_w=32, kernel=3)
    base.update(kw)
    return Layer(**base)


def test_output_size_standard_arithmetic():
    layer = conv(in_h=224, in_w=224, kernel=7, stride=2, padding=3, out_channels=64)
    assert (layer.P, layer.Q) == (112, 112)
    assert layer.macs == 64 * 112 * 112 * 7 * 7 * 3


def test_dilation_and_asymmetric_padding():
    layer = conv(in_h=10, in_w=12, kernel=3, dilation=2, padding=[0, 1, 2, 3])
    # P = floor((10 + 1 - 2*2 - 1)/1) + 1 = 7 ; Q = floor((12 + 5 - 4 - 1)/1) + 1 = 13
    assert (layer.P, layer.Q) == (7, 13)


def test_depthwise_defaults_groups_to_channels():
    layer = Layer(name="dw", op="depthwise_conv2d", in_channels=32, out_channels=32, in_h=8, in_w=8,
                  kernel=3, padding=1)  # fmt: skip
    assert layer.groups == 32
    assert layer.macs == 32 * 8 * 8 * 9
    g = layer.gemm()
    assert (g.M, g.N, g.K, g.groups) == (64, 1, 9, 32)


def test_matmul_and_fc():
    fc = Layer(name="fc", op="fc", in_channels=512, out_channels=1000, batch=4)
    assert fc.macs == 4 * 512 * 1000
    mm = Layer(
        name="qk", op="matmul", in_channels=64, out_channels=128, in_h=128, weights_are_activations=True
    )
    assert mm.macs == 128 * 64 * 128
    assert mm.weight_elems == 0


@given(
    h=st.integers(1, 40), k=st.integers(1, 7), s=st.integers(1, 4), p=st.integers(0, 3), d=st.integers(1, 3)
)
def test_output_size_matches_sliding_window_count(h, k, s, p, d):
    eff = d * (k - 1) + 1
    if eff > h + 2 * p:
        with pytest.raises(ValueError):
            conv(in_h=h, in_w=h, kernel=k, stride=s, padding=p, dilation=d)
        return
    layer = conv(in_h=h, in_w=h, kernel=k, stride=s, padding=p, dilation=d)
    positions = [x for x in range(0, h + 2 * p) if x + eff <= h + 2 * p and x % s == 0]
    assert layer.P == len(positions)


@pytest.mark.parametrize(
    "kw, field",
    [
        (dict(in_channels=0), "in_channels"),
        (dict(in_h=-1), "in_h"),
        (dict(kernel=40), "kernel_h"),
        (dict(groups=2, in_channels=3), "groups"),
        (dict(stride=0), "stride"),
    ],
)
def test_bad_shapes_raise(kw, field):
    with pytest.raises(ValueError, match=field):
        conv(**kw)


def test_extra_keys_forbidden():
    with pytest.raises(ValueError, match="extra"):
        conv(bogus=1)


def test_parse_bits():
    assert parse_bits("4/8") == (4, 8)
    assert parse_bits("8") == (8, 8)
    for bad in ("0/4", "33/8", "a/b", "1/2/3"):
        with pytest.raises(AccelsimInputError):
            parse_bits(bad)


def test_unknown_network_suggests():
    with pytest.raises(AccelsimInputError, match="did you mean 'lenet5'"):
        load_network("lenet6")


def test_with_bits_and_batch():
    net = load_network("lenet5").with_bits(4, 2).with_batch(3)
    assert isinstance(net, Network)
    assert net.batch == 3
    assert all(net.precision_of(x).w_bits == 4 and net.precision_of(x).a_bits == 2 for x in net.layers)
    assert net.total_macs == 3 * 416520
