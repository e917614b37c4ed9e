"""The systolic fabric plug-in: presets, peak figures, bad input, precision, energy, published rows."""

from __future__ import annotations

import pytest
from priced import priced

from accelsim.errors import AccelsimInputError
from accelsim.fabrics import load_arch
from accelsim.simulate import simulate
from accelsim.workload import Layer, Network, Precision

CONV = Layer(name="c", op="conv2d", in_channels=16, out_channels=40, in_h=14, in_w=14, kernel=3, padding=1)


def _eval(layer, arch, precision=None):
    return priced(layer, precision or Precision(), arch)


def test_tpu_v1_peak_is_92_tops():
    peak = load_arch("tpu-v1").peak(8, 8)
    assert peak.macs_per_cycle == 65536
    assert peak.gops == pytest.approx(2 * 65536 * 700e6 / 1e9)  # 91 750.4 GOPS
    assert round(peak.gops / 1e3) == 92


def test_tpu_v1_dram_bandwidth_is_34_gbps():
    arch = load_arch("tpu-v1")
    assert arch.dram.bandwidth_bytes_per_cycle * arch.frequency_hz == pytest.approx(34e9)


def test_dataflow_typo_one_line_with_allowed_values():
    with pytest.raises(AccelsimInputError) as exc:
        load_arch("scalesim-32x32-os", dataflow="wss")
    msg = str(exc.value)
    assert "dataflow" in msg and "'os'" in msg and "'ws'" in msg and "'is'" in msg
    assert "\n" not in msg


def test_zero_rows_rejected():
    with pytest.raises(AccelsimInputError, match="rows"):
        load_arch("scalesim-32x32-os", rows=0)


def test_buffer_smaller_than_a_tile_row():
    arch = load_arch("scalesim-32x32-os", **{"buffers.filter.capacity_bytes": 16})
    with pytest.raises(AccelsimInputError, match=r"buffers\.filter\.capacity_bytes"):
        _eval(CONV, arch)


@pytest.mark.parametrize("dataflow", ["os", "ws", "is"])
def test_unlimited_bandwidth_no_stall_and_utilization(dataflow):
    arch = load_arch(f"scalesim-32x32-{dataflow}", mode="native", **{"dram.bandwidth_bytes_per_cycle": None})
    net = Network(name="n", layers=[CONV, CONV.model_copy(update={"name": "d", "groups": 8})])
    report = simulate(net, arch)
    for layer in report.layers:
        assert layer.stall_cycles == 0
        assert layer.utilization == pytest.approx(layer.macs / (layer.cycles * 32 * 32))
        assert 0 < layer.mapping_efficiency <= 1


@pytest.mark.parametrize("preset", ["scalesim-32x32-ws", "systolic-vwa", "tpu-v1"])
def test_finite_bandwidth_stalls_simpy_equals_recurrence(preset):
    arch = load_arch(preset, mode="native", **{"dram.bandwidth_bytes_per_cycle": 0.5})
    layers = [
        CONV,
        CONV.model_copy(update={"name": "g", "groups": 4}),
        Layer(name="f", op="fc", in_channels=300, out_channels=50),
    ]
    for layer in layers:
        for precision in (Precision(), Precision(w_bits=16, a_bits=24)):  # tpu-v1: 2 × 3 operand passes
            fast = _eval(layer, arch, precision)
            event = _eval(layer, arch.model_copy(update={"stall_model": "simpy"}), precision)
            assert fast.stall_cycles > 0
            assert fast.stall_cycles == event.stall_cycles


def test_precision_sets_bytes_and_mac_energy():
    arch = load_arch("scalesim-32x32-os", mode="native")
    r8 = _eval(CONV, arch, Precision(w_bits=8, a_bits=8))
    r4 = _eval(CONV, arch, Precision(w_bits=4, a_bits=4))
    assert r4.accesses["dram_ifmap_read_bytes"] == pytest.approx(r8.accesses["dram_ifmap_read_bytes"] / 2)
    assert r4.accesses["dram_filter_read_bytes"] == pytest.approx(r8.accesses["dram_filter_read_bytes"] / 2)
    assert r4.energy_breakdown_pj["mac"] < r8.energy_breakdown_pj["mac"]
    assert r4.compute_cycles == r8.compute_cycles
    wide = _eval(CONV, arch.model_copy(update={"acc_bits": 48}), Precision())
    assert wide.energy_breakdown_pj["mac"] > r8.energy_breakdown_pj["mac"]
    assert wide.energy_breakdown_pj["register"] > r8.energy_breakdown_pj["register"]


def test_energy_breakdown_components():
    res = _eval(CONV, load_arch("tpu-v1"))
    assert set(res.energy_breakdown_pj) == {
        "mac",
        "register",
        "noc",
        "sram.ifmap",
        "sram.filter",
        "sram.ofmap",
        "dram",
    }
    assert all(v > 0 for v in res.energy_breakdown_pj.values())


def test_native_vs_scalesim_output_size_and_padding():
    layer = Layer(name="s", op="conv2d", in_channels=3, out_channels=8, in_h=14, in_w=14, kernel=3, stride=2)
    native = _eval(layer, load_arch("scalesim-32x32-os", mode="native"))
    ss = _eval(layer, load_arch("scalesim-32x32-os"))
    assert native.mapping["M"] == 6 * 6  # floor((14 - 3)/2) + 1
    assert ss.mapping["M"] == 7 * 7  # SCALE-Sim: ceil((14 - 3 + 2)/2)


def test_cli_peak_tpu_v1_and_dataflow_typo_exit_2(capsys):
    import json

    from typer.testing import CliRunner

    from accelsim.cli.app import build_app

    ok = CliRunner().invoke(build_app(), ["arch", "peak", "tpu-v1", "--bits", "8/8", "--json"])
    assert ok.exit_code == 0, ok.output
    assert json.loads(ok.output)["gops"] / 1e3 == pytest.approx(91.75, abs=0.001)
    from accelsim.cli.app import main

    with pytest.raises(SystemExit) as exc:
        main(["arch", "peak", "tpu-v1", "--set", "dataflow=wss"])
    assert exc.value.code == 2
    assert "'os', 'ws' or 'is'" in capsys.readouterr().err


# ---- operands wider than the native MAC width (TPU v1: 8-bit MACs) ----------------------------------------


def test_tpu_v1_peak_half_and_quarter_speed_above_8_bits():
    """Jouppi et al. ISCA'17 (as quoted in issue 3): 8×16-bit at half speed, 16×16-bit at quarter speed."""
    arch = load_arch("tpu-v1")
    assert arch.native_operand_bits == 8
    full = arch.peak(8, 8).gops
    assert full == pytest.approx(91_750.4)
    assert arch.peak(4, 4).gops == full  # narrower operands: no speed-up on an 8-bit array
    assert arch.peak(8, 16).gops == pytest.approx(full / 2)
    assert arch.peak(16, 8).gops == pytest.approx(full / 2)
    assert arch.peak(16, 16).gops == pytest.approx(full / 4)
    assert arch.peak(32, 32).gops == pytest.approx(full / 16)
    # each PE still does one 8-bit slice MAC per cycle: same power, TOPS/W divided like the throughput
    assert arch.peak(16, 16).power_w == pytest.approx(arch.peak(8, 8).power_w)
    assert arch.peak(16, 16).tops_per_w == pytest.approx(arch.peak(8, 8).tops_per_w / 4)


def test_width_limits_and_width_independent_presets():
    with pytest.raises(AccelsimInputError, match="w_bits"):
        load_arch("tpu-v1").peak(33, 8)
    with pytest.raises(AccelsimInputError, match="a_bits"):
        load_arch("scalesim-32x32-os").peak(8, 64)
    with pytest.raises(Exception, match="native_operand_bits"):
        load_arch("tpu-v1", native_operand_bits=0)
    for name in ("scalesim-32x32-os", "scalesim-32x32-ws", "scalesim-32x32-is"):
        arch = load_arch(name)
        assert arch.native_operand_bits is None
        assert arch.peak(32, 32).gops == arch.peak(8, 8).gops
        r8, r32 = _eval(CONV, arch), _eval(CONV, arch, Precision(w_bits=32, a_bits=32))
        assert r32.compute_cycles == r8.compute_cycles and "operand_passes" not in r32.mapping


@pytest.mark.parametrize("dataflow", ["ws", "os", "is"])
def test_tpu_v1_wide_operands_take_passes(dataflow):
    """A layer at 16/16 on the 8-bit array: 4 passes (cycles = the closed form with 2 stream × 2 stationary
    slices, or 4 stream slices for os), peak MACs/cycle /4, MAC-unit energy = 4 slice MACs; 8/8 and 4/4
    unchanged by the field (= an array with native_operand_bits null)."""
    from accelsim.dataflow.systolic import plan_gemm, total_cycles

    arch = load_arch("tpu-v1", dataflow=dataflow, **{"dram.bandwidth_bytes_per_cycle": None})
    free = arch.model_copy(update={"native_operand_bits": None})
    for bits in ((8, 8), (4, 4), (8, 2)):
        p = Precision(w_bits=bits[0], a_bits=bits[1])
        assert _eval(CONV, arch, p) == _eval(CONV, free, p)
    p16 = Precision(w_bits=16, a_bits=16, out_bits=16)
    r8, r16 = _eval(CONV, arch, Precision(out_bits=16)), _eval(CONV, arch, p16)
    m = r16.mapping
    assert m["operand_passes"] == 4
    slices = (4, 1) if dataflow == "os" else (2, 2)
    assert (m["stream_slices"], m["stationary_slices"]) == slices
    plan = plan_gemm(m["M"], m["N"], m["K"], 256, 256, dataflow, m["groups"],
                     stream_slices=slices[0], stationary_slices=slices[1])  # fmt: skip
    assert r16.compute_cycles == total_cycles(plan, "native")
    assert m["folds"] == 1  # one fold: os T + ov → 4T + ov; ws/is T + ov → 2·(2T + ov)
    T = m["T"]
    want = r8.compute_cycles + 3 * T if dataflow == "os" else 2 * (r8.compute_cycles + T)
    assert r16.compute_cycles == want
    assert r16.peak_macs_per_cycle == 65536 / 4
    from accelsim import tech

    assert r16.energy_breakdown_pj["mac"] == pytest.approx(
        4 * CONV.macs * tech.int_mac_energy_pj(8, 8, 32, 28)
    )
    assert r16.accesses["dram_filter_read_bytes"] == pytest.approx(2 * r8.accesses["dram_filter_read_bytes"])


def test_simulate_resnet18_tpu_v1_16_bits_not_full_speed():
    arch = load_arch("tpu-v1")
    t8 = simulate("resnet18", arch, bits="8/8").totals
    t16 = simulate("resnet18", arch, bits="16/16").totals
    t816 = simulate("resnet18", arch, bits="8/16").totals
    assert t16.compute_cycles > 2.5 * t8.compute_cycles
    assert t8.compute_cycles < t816.compute_cycles < t16.compute_cycles


def test_systolic_vwa_native_16_bits():
    arch = load_arch("systolic-vwa")
    assert arch.native_operand_bits == 16
    assert arch.peak(16, 16).gops == arch.peak(8, 8).gops == pytest.approx(168.0)
    assert arch.peak(32, 16).gops == pytest.approx(84.0)
    assert arch.peak(32, 32).gops == pytest.approx(42.0)
