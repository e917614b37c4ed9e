"""Technology tables: energy and area per operation, 45 nm defaults, with node scaling.

Source: M. Horowitz, "Computing's energy problem (and what we can do about it)", ISSCC 2014 (the table in
``shared/REFERENCES.md``). Scaling rules used here, each a first-order model:

* integer multiplier energy ∝ product of operand widths: ``E = 0.2 pJ · (w·a)/(8·8)``
  (gives 3.2 pJ at 32×32 against the published 3.1 pJ);
* integer adder energy ∝ width, interpolated through the published points 8/16/32 bit =
  0.03/0.05/0.1 pJ and linear through zero below 8 bits;
* SRAM read energy ∝ word width, and a power law in capacity fitted through the published 64-bit reads
  (8 KB 10 pJ, 32 KB 20 pJ, 1 MB 100 pJ) by piecewise log-log interpolation (extrapolated with the
  8→32 KB slope, exponent 0.5, below 8 KB: register files and scratchpads);
* SRAM write energy = read energy (no separate published figure);
* DRAM: 640 pJ per 32-bit read = 20 pJ/bit, for reads and writes;
* node scaling: Stillmaker & Baas 2017 (:mod:`accelsim.scaling`), energy
  ``E(node) = E(45 nm) · F(node, V_ref)/F(45, V_ref)`` at the reference supply
  (:data:`accelsim.scaling.REFERENCE_VDD_V`) and area ``A(node) = A(45 nm) · area_factor(node)`` — the same
  model the pricing stage re-prices with (so a 65 nm preset re-priced at 45 nm costs what it would declared at
  45 nm). Until December 2026 this was the linear rule ``E ∝ node``, ``A ∝ node²``;
* register area: one D flip-flop per bit, the Nangate 45 nm open cell library's DFF_X1, 3.23 µm × 1.4 µm
  = 4.522 µm² (``flow/platforms/nangate45/lef/NangateOpenCellLibrary.macro.mod.lef`` of
  github.com/The-OpenROAD-Project/OpenROAD-flow-scripts, 8c009b0); its full adder FA_X1 (3.04 × 1.4 =
  4.256 µm²) puts an 8-bit ripple adder at 34 µm², beside Horowitz's 36 µm²;
* SRAM area and (CACTI-model) access energy as functions of capacity C (bytes), word width w (bits) and
  read/write ports p: a least-squares fit of ``ln y = c₀ + c₁·ln C + c₂·ln w + (p − 1)·(c₃ + c₄·ln C)`` to
  156 CACTI 7 runs at 45 nm (1 KB–4 MB, 8–256-bit words, 1–2 ports, one bank, itrs-hp cells, 350 K, no
  ECC; accelsim/data/cacti_sram_45nm.csv, tools/cacti_sram_sweep.py). Fit quality (prediction / CACTI):
  area 0.35–1.27 (geometric-mean error 10 %), read energy 0.44–1.65 (25 %: CACTI re-picks the array
  organisation at every point), write energy 0.56–1.37 (14 %). A second port roughly doubles the area
  (×2.0–2.2 in CACTI) and costs ×1.2–2.4 read energy, growing with capacity. CACTI's 64-bit reads come
  out at 0.53–0.75× Horowitz's published 8 KB / 32 KB / 1 MB points, which ``sram_access_energy_pj``
  (the presets' default) follows.

This module imports only :mod:`accelsim.scaling` of accelsim.
"""

from __future__ import annotations

import functools
import math

from accelsim import scaling

REFERENCE_NODE_NM = 45.0

#: Horowitz 45 nm energies in pJ, as published.
HOROWITZ_45NM_PJ: dict[str, float] = {
    "int8_add": 0.03,
    "int16_add": 0.05,
    "int32_add": 0.1,
    "fp16_add": 0.4,
    "fp32_add": 0.9,
    "int8_mult": 0.2,
    "int32_mult": 3.1,
    "fp16_mult": 1.1,
    "fp32_mult": 3.7,
    "sram64_read_8kb": 10.0,
    "sram64_read_32kb": 20.0,
    "sram64_read_1mb": 100.0,
    "sram32_read_8kb": 5.0,
    "dram32_read": 640.0,
}

#: Horowitz 45 nm areas in µm², as published.
HOROWITZ_45NM_AREA_UM2: dict[str, float] = {
    "int8_add": 36.0,
    "int32_add": 137.0,
    "fp16_add": 1360.0,
    "fp32_add": 4184.0,
    "int8_mult": 282.0,
    "int32_mult": 3495.0,
    "fp16_mult": 1640.0,
    "fp32_mult": 7700.0,
}

_ADD_POINTS = ((8, 0.03), (16, 0.05), (32, 0.1))
_SRAM64_POINTS = ((8 * 1024, 10.0), (32 * 1024, 20.0), (1024 * 1024, 100.0))
DRAM_PJ_PER_BIT = HOROWITZ_45NM_PJ["dram32_read"] / 32.0

#: DRAM energy per bit read or written, by interface (pJ/bit). As tabulated by Accelergy's CACTI plug-in
#: (github.com/Accelergy-Project/accelergy-cacti-plug-in, ``cacti_wrapper.py``, class CactiDRAM), with the
#: sources it gives: LPDDR4 "public data"; LPDDR Malladi et al., ISCA 2012; DDR3 Chatterjee et al., MICRO
#: 2017; GDDR5 and HBM2 (no source given there); HMC doi:10.1145/3093336.3037702. DDR4 (no stored source
#: tabulates it) is accelsim's own derivation, :mod:`accelsim.memory.dram_energy`: Micron's power-calculation
#: method (TN-40-07) on the Micron 4Gb DDR4-2400 x8 currents DRAMPower lists, streaming a page per
#: activation, plus CACTI-IO's DDR4-2400 link, the mean of a read and a write bit (29.3 pJ/bit: 11.5 core,
#: 17.8 link). The same derivation gives DDR3-1600 55.7 pJ/bit against this table's 70 (tests/test_dram_energy.py).
DRAM_PJ_PER_BIT_BY_TYPE: dict[str, float] = {
    "LPDDR4": 8.0, "LPDDR": 40.0, "DDR3": 70.0, "DDR4": 29.3, "GDDR5": 14.0, "HBM2": 3.9, "HMC": 4.2,
}  # fmt: skip


def node_energy_factor(node_nm: float) -> float:
    """E(node)/E(45 nm) = F(node, V_ref)/F(45, V_ref) (Stillmaker & Baas 2017, :mod:`accelsim.scaling`)."""
    return _node_energy_factor(float(node_nm))


@functools.lru_cache(maxsize=64)
def _node_energy_factor(node_nm: float) -> float:
    if node_nm == REFERENCE_NODE_NM:
        return 1.0
    v = scaling.REFERENCE_VDD_V
    return scaling.energy_factor(node_nm, v) / scaling.energy_factor(REFERENCE_NODE_NM, v)


def node_area_factor(node_nm: float) -> float:
    """A(node)/A(45 nm): the 45 nm row of Stillmaker & Baas's area scaling (:mod:`accelsim.scaling`)."""
    return 1.0 if node_nm == REFERENCE_NODE_NM else scaling.area_factor(float(node_nm))


def int_mult_energy_pj(w_bits: int, a_bits: int, node_nm: float = 45.0) -> float:
    """Integer multiply: 0.2 pJ·(w·a)/64 at 45 nm, scaled to ``node_nm``."""
    return 0.2 * (w_bits * a_bits) / 64.0 * node_energy_factor(node_nm)


def int_add_energy_pj(bits: int, node_nm: float = 45.0) -> float:
    """Integer add: piecewise-linear through 8/16/32-bit = 0.03/0.05/0.1 pJ (linear through 0 below 8)."""
    if bits <= _ADD_POINTS[0][0]:
        e = _ADD_POINTS[0][1] * bits / _ADD_POINTS[0][0]
    else:
        e = _piecewise_linear(bits, _ADD_POINTS)
    return e * node_energy_factor(node_nm)


def int_mac_energy_pj(w_bits: int, a_bits: int, acc_bits: int = 32, node_nm: float = 45.0) -> float:
    """One integer MAC = multiply (w×a) + accumulate (acc_bits-wide add)."""
    return int_mult_energy_pj(w_bits, a_bits, node_nm) + int_add_energy_pj(acc_bits, node_nm)


def int_mult_area_um2(w_bits: int, a_bits: int, node_nm: float = 45.0) -> float:
    """Array-multiplier area ∝ w·a: 282 µm² at 8×8 (45 nm)."""
    return 282.0 * (w_bits * a_bits) / 64.0 * node_area_factor(node_nm)


def int_add_area_um2(bits: int, node_nm: float = 45.0) -> float:
    """Adder area, linear in width through 8-bit 36 µm² and 32-bit 137 µm²."""
    a = 36.0 + (137.0 - 36.0) * (bits - 8) / 24.0 if bits >= 8 else 36.0 * bits / 8.0
    return a * node_area_factor(node_nm)


#: D flip-flop area at 45 nm (Nangate DFF_X1), µm² per register bit
DFF_AREA_UM2_45NM = 3.23 * 1.4
#: (c₀, c₁, c₂, c₃, c₄) of ln y = c₀ + c₁·ln C + c₂·ln w + (p − 1)·(c₃ + c₄·ln C), 45 nm CACTI 7 fit
#: (module docstring; tests/test_area.py recomputes them from accelsim/data/cacti_sram_45nm.csv)
SRAM_FIT_45NM: dict[str, tuple[float, float, float, float, float]] = {
    "area_mm2": (-12.49769459537751, 0.965994504936883, 0.06436283665398473, 0.8463834053438188,
                 -0.011503255809147028),
    "read_pj": (-4.327846982900786, 0.5041649128132566, 0.40015349451614607, -0.6499996267722549,
                0.09939396879187941),
    "write_pj": (-4.661626828962372, 0.4469581641689856, 0.6347347816876243, -0.6240671652561584,
                 0.09600020960147687),
}  # fmt: skip


def _sram_fit(which: str, capacity_bytes: float, word_bits: float, ports: int) -> float:
    c0, c1, c2, c3, c4 = SRAM_FIT_45NM[which]
    lc = math.log(capacity_bytes)
    return math.exp(c0 + c1 * lc + c2 * math.log(word_bits) + (ports - 1) * (c3 + c4 * lc))


def register_area_um2(bits: float, node_nm: float = 45.0) -> float:
    """Area of ``bits`` register bits: one flip-flop each."""
    return bits * DFF_AREA_UM2_45NM * node_area_factor(node_nm)


def sram_area_mm2(capacity_bytes: float, node_nm: float = 45.0, word_bits: int = 64, ports: int = 1) -> float:
    """Area of an SRAM of ``capacity_bytes`` with ``word_bits`` words and ``ports`` read/write ports: the
    45 nm CACTI fit (module docstring), scaled by node²."""
    return _sram_fit("area_mm2", capacity_bytes, word_bits, ports) * node_area_factor(node_nm)


def sram_cacti_energy_pj(
    word_bits: int, capacity_bytes: float, node_nm: float = 45.0, ports: int = 1, write: bool = False
) -> float:
    """One read (or write) of a ``word_bits`` word from an SRAM of ``capacity_bytes`` with ``ports``
    read/write ports: the 45 nm CACTI fit (module docstring), scaled to ``node_nm`` like every energy here."""
    return _sram_fit(
        "write_pj" if write else "read_pj", capacity_bytes, word_bits, ports
    ) * node_energy_factor(node_nm)


@functools.lru_cache(maxsize=4096, typed=True)
def sram_access_energy_pj(word_bits: int, capacity_bytes: float, node_nm: float = 45.0) -> float:
    """Energy of one SRAM read (or write) of ``word_bits`` from an array of ``capacity_bytes``.

    Pure function of its arguments, memoized (fabrics query the same few (bits, capacity, node) triples
    for every layer; the cache changes no value).

    64-bit read energy is interpolated log-log through (8 KB, 10 pJ), (32 KB, 20 pJ), (1 MB, 100 pJ),
    extrapolated at both ends with the nearest segment's exponent, then scaled linearly to the word width.
    """
    if capacity_bytes <= 0:
        raise ValueError("capacity_bytes must be > 0")
    pts = _SRAM64_POINTS
    logc = math.log(capacity_bytes)
    if capacity_bytes <= pts[1][0]:
        (c0, e0), (c1, e1) = pts[0], pts[1]
    else:
        (c0, e0), (c1, e1) = pts[1], pts[2]
    slope = (math.log(e1) - math.log(e0)) / (math.log(c1) - math.log(c0))
    e64 = math.exp(math.log(e0) + slope * (logc - math.log(c0)))
    return e64 * word_bits / 64.0 * node_energy_factor(node_nm)


def dram_energy_pj(bits: float, pj_per_bit: float = DRAM_PJ_PER_BIT) -> float:
    """DRAM transfer energy (read or write) of ``bits``."""
    return bits * pj_per_bit


def _piecewise_linear(x: float, points: tuple[tuple[float, float], ...]) -> float:
    for (x0, y0), (x1, y1) in zip(points, points[1:], strict=False):
        if x <= x1:
            return y0 + (y1 - y0) * (x - x0) / (x1 - x0)
    (x0, y0), (x1, y1) = points[-2], points[-1]
    return y1 + (y1 - y0) * (x - x1) / (x1 - x0)
