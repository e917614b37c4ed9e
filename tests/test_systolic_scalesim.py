"""SCALE-Sim 3.0.0 parity of the systolic engine's SCALE-Sim mode, over every committed golden case.

Goldens: tests/data/scalesim/<case>/golden.json (produced by the real SCALE-Sim, see its README).
Per layer, exactly: cycles == "Total Cycles" + 1 (CALC = unlimited bandwidth; USER cases: compute
cycles == Total − Stall + 1), SRAM IFMAP/Filter reads, SRAM OFMAP writes (with SCALE-Sim's os double
count), mapping efficiency; DRAM ifmap reads (words the windows touch) and DRAM filter reads whenever
the filters fit the active half of SCALE-Sim's filter SRAM (it refetches otherwise; accelsim does not).
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from accelsim.errors import AccelsimInputError
from accelsim.io.scalesim import read_config, read_topology
from accelsim.io.scalesim_mode import simulate_scalesim

DATA = Path(__file__).parent / "data" / "scalesim"
CASES = sorted(p.parent.name for p in DATA.glob("*/golden.json"))


def test_golden_cases_exist():
    assert len(CASES) >= 30  # 12 synthetic + 12 gemm + 3 USER-bandwidth + 3 ResNet-18


@pytest.mark.parametrize("case", CASES)
def test_scalesim_parity(case):
    folder = DATA / case
    golden = json.loads((folder / "golden.json").read_text())
    input_type = golden.get("input_type", "conv")
    report = simulate_scalesim(folder / "topology.csv", folder / "config.cfg", input_type)
    cfg = read_config(folder / "config.cfg")
    shapes = read_topology(folder / "topology.csv", input_type)
    calc = golden["config"]["InterfaceBandwidth"] == "CALC"
    assert len(report.layers) == len(golden["layers"])
    for layer, gold, shape in zip(report.layers, golden["layers"], shapes, strict=True):
        acc = layer.accesses
        where = f"{case}/{gold['layer_name']}"
        assert layer.compute_cycles == gold["Total Cycles"] - gold["Stall Cycles"] + 1, where
        if calc:
            assert layer.stall_cycles == 0, where
            assert layer.cycles == gold["Total Cycles"] + 1, where
        assert acc["ifmap_sram_reads"] == gold["SRAM IFMAP Reads"], where
        assert acc["filter_sram_reads"] == gold["SRAM Filter Reads"], where
        assert acc["ofmap_sram_writes"] == gold["SRAM OFMAP Writes"], where
        assert layer.mapping_efficiency * 100 == pytest.approx(gold["Mapping Efficiency %"], abs=1e-9), where
        if calc:
            assert acc["dram_ifmap_read_bytes"] == gold["DRAM IFMAP Reads"], where
            g = shape.gemm()
            if g.K * g.N <= cfg.filter_sram_kb * 1024 / 2:
                assert acc["dram_filter_read_bytes"] == gold["DRAM Filter Reads"], where


def test_missing_trailing_comma_is_a_clear_error(tmp_path):
    topo = tmp_path / "t.csv"
    topo.write_text("Layer name, IFMAP Height, IFMAP Width, Filter Height, Filter Width, Channels, Num Filter, "
                    "Strides,\nconv, 10, 10, 3, 3, 4, 8, 1\n")  # fmt: skip
    with pytest.raises(AccelsimInputError):
        simulate_scalesim(topo, DATA / "synthetic_os_8x8" / "config.cfg")
