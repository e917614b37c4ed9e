"""FPGA power of a streaming design: device static + per-resource dynamic power at the design's clock, plus
the processing system of a Zynq device.

Model (per device family: 7-series at 28 nm, UltraScale+ at 16 nm)::

    P = P_static(device) + P_PS(device) + f_MHz · (c_logic·LUT + c_bram·RAMB18 + c_dsp·DSP)

* ``c_logic`` (W per LUT per MHz) carries the clock tree, the CLB logic and the routing signals of the design
  (Vivado's "Clocks", "Slice/CLB Logic" and "Signals" rows), per LUT used as logic; ``c_bram`` per RAMB18
  (Vivado counts 36 Kb tiles: two RAMB18 each); ``c_dsp`` per DSP slice.
* The coefficients are the medians, per family, over Vivado ``report_power`` outputs of public designs
  (accelsim/data/fpga_power_reports.csv: repository, path and commit of each, found with the project's code
  search) that run one design clock — a report with several clock frequencies (after dropping debug-hub and
  PLL-feedback clocks) does not say which clock its logic runs at — and use at least 2,000 LUTs (smaller
  designs' power is mostly the clock tree and I/O); the other reports count only for static power. All
  the reports are vectorless (Vivado's default toggle rates), which is how most FPGA accelerator papers
  report power, so the model predicts Vivado's estimate, not a board measurement.
* ``P_static``: the median "Device Static" over the reports of the same silicon; for silicon without a
  report, the family's median static power per available LUT times the device's LUTs (``static_source``
  says which).
* ``P_PS``: a Zynq device's processing system (PS7 / PS8 rows, median per family); 0 for other parts.

:func:`leave_one_out` predicts each single-clock report's fabric power from the coefficients fitted on the
others of its family: that is the model's validation (docs/fpga.md gives the errors).
"""

from __future__ import annotations

import csv
import functools
import re
import statistics
from dataclasses import dataclass
from pathlib import Path

DATA = Path(__file__).resolve().parent.parent / "data" / "fpga_power_reports.csv"
_DEBUG_OR_FEEDBACK = re.compile(r"bscan|tck|drck|update|clkfbout|fbclk", re.IGNORECASE)


def family(silicon: str) -> str:
    """``7series`` (xc7...) or ``usplus`` (xczu..., xcu..., xcvu...)."""
    if silicon.startswith("xc7"):
        return "7series"
    if silicon.startswith(("xczu", "xcu", "xcvu", "xck")):  # xck: Kria modules (a Zynq UltraScale+ die)
        return "usplus"
    raise ValueError(f"no power model for the family of {silicon!r}")


@dataclass(frozen=True)
class PowerReport:
    """One Vivado report_power summary (W) with the resources it counts."""

    repo: str
    path: str
    commit: str
    silicon: str
    device_luts: int
    clocks: str
    device_static_w: float
    clocks_w: float
    logic_w: float
    signals_w: float
    lut: int
    bram_w: float
    bram18: float
    dsp_w: float
    dsp: int
    ps_w: float

    @property
    def family(self) -> str:
        return family(self.silicon)

    @property
    def clock_mhz(self) -> float | None:
        """The design clock when the report has exactly one frequency (debug and feedback clocks dropped)."""
        freqs = {
            float(f)
            for name, f in (c.rsplit(":", 1) for c in self.clocks.split(";") if c)
            if not _DEBUG_OR_FEEDBACK.search(name)
        }
        return freqs.pop() if len(freqs) == 1 else None

    @property
    def fabric_w(self) -> float:
        """Clocks + logic + signals + block RAM + DSP: what the per-resource model predicts."""
        return self.clocks_w + self.logic_w + self.signals_w + self.bram_w + self.dsp_w


def _f(x: str) -> float:
    return float(x) if x else 0.0


@functools.cache
def load_reports() -> tuple[PowerReport, ...]:
    with DATA.open() as f:
        return tuple(
            PowerReport(
                repo=r["repo"], path=r["path"], commit=r["commit"], silicon=r["silicon"],
                device_luts=int(r["device_luts"]), clocks=r["clocks"], device_static_w=_f(r["device_static_w"]),
                clocks_w=_f(r["clocks_w"]), logic_w=_f(r["slice_logic_w"]), signals_w=_f(r["signals_w"]),
                lut=int(_f(r["lut_logic_used"])), bram_w=_f(r["bram_w"]), bram18=2 * _f(r["bram_tiles"]),
                dsp_w=_f(r["dsp_w"]), dsp=int(_f(r["dsp_used"])), ps_w=_f(r["ps_w"]),
            )
            for r in csv.DictReader(f)
        )  # fmt: skip


@dataclass(frozen=True)
class Coefficients:
    """W per used resource per MHz of the design clock."""

    logic_w_per_lut_mhz: float
    bram_w_per_ramb18_mhz: float
    dsp_w_per_dsp_mhz: float
    reports: int


#: reports smaller than this (LUTs as logic) are not used for the coefficients: their power is mostly the
#: design-independent clock tree and I/O, not per-LUT logic
MIN_FIT_LUTS = 2000


def fits_coefficients(r: PowerReport) -> bool:
    """A report the coefficients are fitted on: one design clock, at least :data:`MIN_FIT_LUTS` LUTs."""
    return bool(r.clock_mhz) and r.lut >= MIN_FIT_LUTS


def fit(reports: tuple[PowerReport, ...] | list[PowerReport], fam: str) -> Coefficients:
    """Median coefficients over the family's reports that :func:`fits_coefficients` (a resource's median over
    the reports that use it)."""
    used = [r for r in reports if r.family == fam and fits_coefficients(r)]
    if not used:
        raise ValueError(f"no single-clock power report for {fam}")

    def median(values: list[float]) -> float:
        return statistics.median(values) if values else 0.0

    return Coefficients(
        median([(r.clocks_w + r.logic_w + r.signals_w) / (r.lut * r.clock_mhz) for r in used if r.lut]),
        median([r.bram_w / (r.bram18 * r.clock_mhz) for r in used if r.bram18]),
        median([r.dsp_w / (r.dsp * r.clock_mhz) for r in used if r.dsp]),
        len(used),
    )


@functools.cache
def coefficients(fam: str) -> Coefficients:
    return fit(load_reports(), fam)


def static_w(silicon: str, device_luts: int) -> tuple[float, str]:
    """(W, source): the median of the reports of this silicon, else the family's median per available LUT
    times ``device_luts``."""
    same = [r.device_static_w for r in load_reports() if r.silicon == silicon]
    if same:
        return statistics.median(same), f"median of {len(same)} Vivado report(s) of {silicon}"
    fam = family(silicon)
    per_lut = statistics.median(
        [statistics.median([r.device_static_w for r in load_reports() if r.silicon == s]) / lut
         for s, lut in {(r.silicon, r.device_luts) for r in load_reports() if r.family == fam}]
    )  # fmt: skip
    return (
        per_lut * device_luts,
        f"{fam} median static per available LUT × {device_luts:,} LUTs (no report of {silicon})",
    )


def ps_w(silicon: str) -> float:
    """A Zynq device's processing system (median PS7 / PS8 power of the family's reports; Kria's XCK parts
    are Zynq UltraScale+ dies with a PS8); 0 otherwise."""
    if not silicon.startswith(("xc7z", "xczu", "xck")):
        return 0.0
    fam = family(silicon)
    return statistics.median([r.ps_w for r in load_reports() if r.family == fam and r.ps_w])


def power_breakdown_w(
    resources: dict[str, float], clock_hz: float, silicon: str, device_luts: int
) -> dict[str, float]:
    """The model's power (W) of a design using ``resources`` (lut, bram18, dsp) at ``clock_hz`` on
    ``silicon``: ``lut`` (logic, clocks and signals), ``bram18``, ``dsp``, ``static``, ``ps``."""
    c = coefficients(family(silicon))
    mhz = clock_hz / 1e6
    return {
        "lut": c.logic_w_per_lut_mhz * resources.get("lut", 0) * mhz,
        "bram18": c.bram_w_per_ramb18_mhz * resources.get("bram18", 0) * mhz,
        "dsp": c.dsp_w_per_dsp_mhz * resources.get("dsp", 0) * mhz,
        "static": static_w(silicon, device_luts)[0],
        "ps": ps_w(silicon),
    }


@dataclass(frozen=True)
class Prediction:
    report: PowerReport
    predicted_w: float

    @property
    def error(self) -> float:
        return self.predicted_w / self.report.fabric_w - 1.0


def leave_one_out() -> list[Prediction]:
    """Each single-clock report's fabric power predicted from the coefficients of the other reports of its
    family (a family with one report is skipped)."""
    reports = load_reports()
    out = []
    for i, r in enumerate(reports):
        if not fits_coefficients(r):
            continue
        others = [x for j, x in enumerate(reports) if j != i]
        if not any(x.family == r.family and fits_coefficients(x) for x in others):
            continue
        c = fit(others, r.family)
        p = r.clock_mhz * (
            c.logic_w_per_lut_mhz * r.lut + c.bram_w_per_ramb18_mhz * r.bram18 + c.dsp_w_per_dsp_mhz * r.dsp
        )
        out.append(Prediction(r, p))
    return out
