"""FPGA power (accelsim.fpga.power): the Vivado reports it is fitted to, the leave-one-out check of its
per-resource coefficients, and the streaming fabric's energy = that power over the run, priced by the cost
stage."""

from __future__ import annotations

import pytest

from accelsim import simulate
from accelsim.fabrics import load_arch
from accelsim.fpga import power
from accelsim.fpga.devices import DEVICES


def test_reports_add_up():
    """Every transcribed report: total = dynamic + static (to Vivado's 3 decimals), the fabric rows and the
    processing system are part of the dynamic power, and each names its repository, path and commit."""
    import csv

    with power.DATA.open() as f:
        rows = list(csv.DictReader(f))
    assert len(rows) == len(power.load_reports()) == 27
    for row, r in zip(rows, power.load_reports(), strict=True):
        assert float(row["total_w"]) == pytest.approx(float(row["dynamic_w"]) + r.device_static_w, abs=1.5e-3)
        assert r.fabric_w + r.ps_w <= float(row["dynamic_w"]) + 2e-3
        assert r.repo.count("/") == 1 and r.path.endswith(".rpt") and len(r.commit) == 40
    assert len({(r.repo, r.path) for r in power.load_reports()}) == 27


def test_the_fit_uses_single_clock_designs_of_2000_luts_or_more():
    """The rule: one frequency after dropping debug-hub and PLL-feedback clocks, and at least 2,000 LUTs.
    17 of the 27 reports (8 7-series, 9 UltraScale+)."""
    fitted = [r for r in power.load_reports() if power.fits_coefficients(r)]
    assert len(fitted) == 17
    assert sum(r.family == "7series" for r in fitted) == 8 and sum(r.family == "usplus" for r in fitted) == 9
    assert all(r.clock_mhz and r.lut >= power.MIN_FIT_LUTS for r in fitted)
    for fam in ("7series", "usplus"):
        c = power.coefficients(fam)
        assert c.logic_w_per_lut_mhz > 0 and c.bram_w_per_ramb18_mhz > 0 and c.dsp_w_per_dsp_mhz > 0


#: leave-one-out predictions outside the project's 0.15 for predictions, by (repository, path), with the
#: measured error (the tolerance was the project's before the model was run; these are its known misses)
LOO_MISSES = {
    ("JustABear1210/conv-64", "project_1"): "+373 %",
    ("JustABear1210/64-conv-ecg-LSTM-GRU", ""): "+425 %",
    ("theCow61/AES-Accelerator", "project_1"): "-65 %",
    ("hsiang0103/piyan-FPGA", ""): "+154 %",
    ("uyw4687/hsd", ""): "-64 %",
    ("a3d2ddk/Binary-CNN-Accelerator", ""): "-42 %",
    ("dlareau/643_final_project", ""): "+216 %",
    ("mzybest/MDC-NTT", "reports"): "-83 % (a post-synthesis report)",
    ("I-am-VarunM/ZCU104_src_power", "project_2"): "-23 %",
    ("I-am-VarunM/ZCU104_src_EMA", ""): "+29 %",
    ("I-am-VarunM/ZCU102_src", "project_2"): "-16 %",
    ("mfkiwl/FSRCNN_ZCU102_accelerator", "ip_repo/Expanding_Layer"): "-22 %",
    ("mfkiwl/FSRCNN_ZCU102_accelerator", "ip_repo/Shrinking_Layer"): "-26 %",
    ("Risamp/ELEN90096-Group-2", "project_1"): "+48 %",
    ("Risamp/ELEN90096-Group-2", "project_2"): "+61 %",
    ("stateless-loop-58/ai-chip-starter", ""): "+33 %",
}


def _miss(report) -> str | None:
    for (repo, prefix), measured in LOO_MISSES.items():
        if report.repo == repo and report.path.startswith(prefix):
            return measured
    return None


def _loo_cases():
    out = []
    for p in power.leave_one_out():
        miss = _miss(p.report)
        marks = [pytest.mark.xfail(strict=True, reason=f"known miss: measured {miss}")] if miss else []
        out.append(pytest.param(p, id=f"{p.report.repo}:{p.report.path}", marks=marks))
    return out


def test_leave_one_out_covers_every_fitted_report():
    assert len(power.leave_one_out()) == 17


@pytest.mark.parametrize("prediction", _loo_cases())
def test_leave_one_out_prediction(prediction):
    """Each fitted report's fabric power (clocks, logic, signals, block RAM, DSP) from the coefficients of
    the others of its family, within 0.15."""
    assert prediction.predicted_w == pytest.approx(prediction.report.fabric_w, rel=0.15)


def test_static_power_of_a_device_without_a_report_is_scaled_by_its_luts():
    w, how = power.static_w("xc7z045", DEVICES["zc706"].budget()["lut"])
    assert "per available LUT" in how and w > 0
    w20, how20 = power.static_w("xc7z020", 53200)
    assert "median of 13" in how20 and w20 == pytest.approx(0.146)
    assert power.ps_w("xc7k325t") == 0 and power.ps_w("xczu9eg") > power.ps_w("xc7z020") > 0


@pytest.mark.parametrize("preset,net,bits", [("finn-cnv-zc706", "bnn-pynq-cnv", None),
                                             ("sun2022-mobilenetv2-zcu102", "mobilenetv2", "4/5")])  # fmt: skip
def test_streaming_energy_is_the_power_over_the_run(preset, net, bits):
    rep = simulate(net, preset, bits=bits, batch=3)
    p = rep.pipeline
    dev = DEVICES[p["device"]]
    want = power.power_breakdown_w(
        p["total_resources"], load_arch(preset).frequency_hz, dev.silicon, dev.budget()["lut"]
    )
    assert p["power_w"] == pytest.approx(want)
    fpga = sum(v for k, v in rep.totals.energy_breakdown_pj.items() if k.startswith("fpga."))
    assert fpga == pytest.approx(p["power_total_w"] * rep.totals.latency_s * 1e12, rel=1e-9)
    dram = rep.totals.energy_breakdown_pj.get("dram", 0.0)
    bits_read = p["external_weight_bytes_per_frame"] * 8 * 3
    assert dram == pytest.approx(bits_read * load_arch(preset).dram.energy_pj_per_bit, rel=1e-12)


@pytest.mark.parametrize(
    "preset,net", [("finn-sfc-zc706", "bnn-pynq-sfc"), ("finn-cnv-zc706", "bnn-pynq-cnv")]
)
def test_finn_zc706_designs_stay_under_the_papers_system_power(preset, net):
    """FINN's abstract: "a ZC706 embedded FPGA platform drawing less than 25 W total system power" — an upper
    bound for the chip's share (measured: SFC 5.81 W, CNV 3.81 W on chip)."""
    assert simulate(net, preset).pipeline["power_total_w"] < 25
