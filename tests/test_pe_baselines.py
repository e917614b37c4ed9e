"""The Bit Fusion paper's two baselines rebuilt in accelsim: Eyeriss (preset ``eyeriss-bitfusion-baseline``)
and Stripes (preset ``stripes-bitfusion-baseline``), against the paper's geometric means (Eyeriss 3.9×
speedup / 5.1× energy reduction, Stripes 2.6× / 3.9×) and, per layer, against the authors' precomputed
Eyeriss table. Tolerances are the ones reached (docs/precision-scalable.md explains each gap)."""

from __future__ import annotations

import csv

import pytest
from tolerances import assert_predicts

from accelsim.compare import EYERISS_TABLE, compare_suite, published_eyeriss_baseline
from accelsim.fabrics import get_fabric, load_arch
from accelsim.simulate import simulate
from accelsim.workload import Layer, Precision, load_network


@pytest.fixture(scope="module")
def eyeriss_same_graphs():
    return compare_suite("bitfusion", "bitfusion", "eyeriss-bitfusion-baseline", baseline_bits="16/16")


def test_eyeriss_baseline_same_graphs_matches_the_authors_table(eyeriss_same_graphs):
    """Same graphs on both sides (suite ``bitfusion``): the simulated baseline gives 5.52× / 7.08×, the
    authors' Eyeriss table on the same graphs 5.20× / 6.84× (+6 % / +4 %): peer parity."""
    table = compare_suite("bitfusion", "bitfusion", "bitfusion-paper-eyeriss")
    t = eyeriss_same_graphs
    assert_predicts(t.geomean_speedup, table.geomean_speedup, "speed-up vs the authors' table")
    assert_predicts(t.geomean_energy_ratio, table.geomean_energy_ratio, "energy vs the authors' table")


# simulated Eyeriss cycles (16-bit, batch 16) over the authors' table, measured: AlexNet 0.805, SVHN 1.033,
# CIFAR-10 1.025, LeNet-5 1.113, VGG-7 1.080, ResNet-18 0.878, RNN 1.349, LSTM 1.333
_TABLE_MISSES = {
    "AlexNet": "0.805× the table's cycles (-19.5 %)",
    "RNN": "1.349× the table's cycles (+35 %): DRAM-bound fc at 192 bit/cycle, which the table does not model",
    "LSTM": "1.333× the table's cycles (+33 %): DRAM-bound fc at 192 bit/cycle, as RNN",
}
_BENCHES = {
    "AlexNet": "bitfusion-alexnet", "SVHN": "bitfusion-svhn", "CIFAR10": "bitfusion-cifar10",
    "LeNet-5": "bitfusion-lenet-5", "VGG-7": "bitfusion-vgg-7", "RESNET-18": "bitfusion-resnet-18",
    "RNN": "bitfusion-rnn", "LSTM": "bitfusion-lstm",
}  # fmt: skip


@pytest.mark.parametrize(
    "bench",
    [
        pytest.param(b, marks=pytest.mark.xfail(strict=True, reason=f"known miss: {_TABLE_MISSES[b]}"))
        if b in _TABLE_MISSES
        else b
        for b in _BENCHES
    ],
)
def test_eyeriss_baseline_cycles_per_benchmark_against_the_table(bench):
    """Per benchmark, simulated Eyeriss cycles (16-bit, batch 16) against the authors' Eyeriss table."""
    cycles = simulate(_BENCHES[bench], load_arch("eyeriss-bitfusion-baseline"), bits="16/16").totals.cycles
    assert_predicts(cycles, published_eyeriss_baseline()[bench][0], f"{bench} Eyeriss cycles")


def test_pooling_on_the_array_equals_the_table():
    """Pooling on the array: window elements / PEs; equals the table's cycles where the graph's window is
    the table's (SVHN, CIFAR-10, LeNet-5)."""
    rows = {(r["Benchmark"], r["Layer"]): int(r["time(ms)"]) for r in _table_rows()}
    arch = load_arch("eyeriss-bitfusion-baseline")
    for net, bench in (
        ("bitfusion-svhn", "SVHN"),
        ("bitfusion-cifar10", "CIFAR10"),
        ("bitfusion-lenet-5", "LeNet-5"),
    ):
        report = simulate(net, arch, bits="16/16")
        pools = [x for x in report.layers if x.op == "pool"]
        assert pools
        for x in pools:
            assert x.cycles == rows[(bench, x.name)]
    assert simulate("bitfusion-svhn", load_arch("eyeriss"), bits="16/16").layers[2].cycles == 0  # host


def _table_rows():
    with EYERISS_TABLE.open() as fh:
        return list(csv.DictReader(line for line in fh if not line.startswith("#")))


def test_filter_load_overlap_hides_filter_loads_on_fc():
    """fc at batch 16 needs 16 filter words/cycle on 256 PEs; with overlap the filter bus is hidden."""
    fc = load_network("bitfusion-svhn").layers[-2]
    assert fc.op == "fc"
    arch = load_arch("eyeriss-bitfusion-baseline")
    arch = arch.model_copy(update={"dram": arch.dram.model_copy(update={"bandwidth_bytes_per_cycle": None})})
    p = Precision(w_bits=16, a_bits=16)
    ev = get_fabric("eyeriss").evaluate_layer
    on = ev(fc, p, arch)
    off = ev(fc, p, arch.model_copy(update={"filter_load_overlap": False}))
    assert on.cycles < off.cycles
    assert on.mapping["filter_load_cycles"] < off.mapping["filter_load_cycles"]
    assert on.cycles <= 1.15 * fc.macs / arch.num_pes  # measured 1.13 (psum chain cycles)


def test_stripes_weights_are_stored_at_16_bits():
    layer = Layer(name="c", op="conv2d", batch=16, in_channels=64, out_channels=64, in_h=8, in_w=8,
                  kernel=3, padding=1, inputs=["x"])  # fmt: skip
    arch = load_arch("stripes-bitfusion-baseline")
    ev = get_fabric("stripes").evaluate_layer
    low = ev(layer, Precision(w_bits=2, a_bits=4), arch)
    full = ev(layer, Precision(w_bits=16, a_bits=4), arch)
    assert low.accesses == full.accesses and low.cycles == full.cycles
    plain = ev(layer, Precision(w_bits=2, a_bits=4), arch.model_copy(update={"weight_storage_bits": None}))
    assert plain.accesses["wbuf_write_bits"] < low.accesses["wbuf_write_bits"]
