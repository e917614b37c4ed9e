"""Cycles and resources of FINN's streaming units, as FINN's own estimators compute them.

Source: github.com/Xilinx/finn at 39f0c9a6b7675f62d47390fbf9a591707bcbac9b, ``src/finn/custom_op/
fpgadataflow/``: ``matrixvectoractivation.py`` (MVAU: ``calc_wmem`` l.337, ``calc_tmem`` l.348,
``uram_estimation`` l.357, ``bram_estimation`` l.378, ``get_exp_cycles`` l.445) with
``hls/matrixvectoractivation_hls.py`` (``lut_estimation`` l.58, ``dsp_estimation`` l.121);
``vectorvectoractivation.py`` (VVAU: ``calc_wmem`` l.291, ``uram_estimation`` l.309, ``bram_estimation``
l.328, ``get_exp_cycles`` l.389) with ``hls/vectorvectoractivation_hls.py`` (l.51, l.115);
``hls/convolutioninputgenerator_hls.py`` (2-D sliding-window generator: ``get_exp_cycles`` l.135,
``bram_estimation`` l.183); ``streamingmaxpool.py`` (2-D ``get_exp_cycles`` l.135; FINN itself marks it
"TODO: adjust inaccurate formula" and has no resource estimate for it); ``thresholding.py``
(``calc_tmem`` l.262, ``get_exp_cycles`` l.193) with ``hls/thresholding_hls.py`` (``bram_estimation``
l.86, ``lut_estimation`` l.99). FINN-R (Blott et al., 2018) is where the BRAM and LUT models come from.

The formulas, in FINN's words (P = PE, Q = SIMD, W/A = weight/input bits):

* MVAU cycles ``(MH/P)·(MW/Q)·Π numInputVectors``; weight memory depth ω = MW·MH/(P·Q), width P·Q·W;
  RAMB18 count by width band (1: ⌈ω/16384⌉, 2: ⌈ω/8192⌉, ≤4: ⌈ω/4096⌉·⌈w/4⌉, ≤9: ⌈ω/2048⌉·⌈w/9⌉,
  ≤18 or ω > 512: ⌈ω/1024⌉·⌈w/18⌉, else ⌈ω/512⌉·⌈w/36⌉; VVAU divides by 4/8/16/32 instead), 0 for
  distributed/ultra memories, small embedded ones (ω ≤ 128) and external weights; URAM
  ⌈w/72⌉·⌈ω/4096⌉ only for ``ram_style: ultra``; LUT 300 + 1.1·P·(multipliers + adder tree +
  accumulator + thresholds + comparators) + LUTRAM weights; DSP P·Q·⌈(W+A)/48⌉ with ``resType: dsp``.
* Sliding-window generator (2-D) cycles ``W_in·k_h·d_h·C/Q + H_out·max(W_out·k_w·k_h·C/Q, s_w·W_in·C/Q)``,
  BRAM ``(k + s)·⌈Q·A/ram_width⌉·⌈W_in·C/Q/ram_depth⌉`` with ram_width by depth band.
* Thresholding cycles ``Π numInputVectors · C/P``; BRAM ``⌈A·P/16⌉·⌈tmem/1024⌉`` (block), LUT
  ``A·P + P·A·⌈tmem/64⌉`` (distributed).
* StreamingMaxPool (2-D, square) cycles ``⌊W_in²·(1 + 1/k²)⌋``.

tests/test_finn_estimates.py checks every value against FINN's own functions run on the same cases
(tests/data/finn/estimates.json, produced by tools/finn_parity.py from that FINN commit).
"""

from __future__ import annotations

import functools
import math
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

import numpy as np

MemMode = Literal["internal_embedded", "internal_decoupled", "external"]
RamStyle = Literal["auto", "block", "distributed", "ultra"]


#: Yosys synth_xilinx (7-series, no DSP) LUTs of one w×a multiply and of one log2-code "multiply" (a barrel
#: shift and a conditional negation), tools/yosys_mac_luts.py -> accelsim/data/yosys_mac_luts.csv
_YOSYS_MAC_LUTS = Path(__file__).resolve().parent.parent / "data" / "yosys_mac_luts.csv"


@functools.cache
def _shift_to_mult_luts() -> dict[tuple[int, int], float]:
    """(w_bits, a_bits) -> LUTs of a log2-code shift / LUTs of a multiply, as Yosys maps them."""
    rows = [
        line.split(",") for line in _YOSYS_MAC_LUTS.read_text().splitlines() if line and line[0].isdigit()
    ]
    return {(int(r[0]), int(r[1])): int(r[5]) / int(r[2]) for r in rows}


def shift_lut_ratio(w_bits: int, a_bits: int) -> float:
    """LUTs of a log2-weight shift relative to a multiply at the same widths: the Yosys table, linear in
    log2(a) between its activation widths and clamped at its ends (weights 2-5 bits, activations 2-16)."""
    table = _shift_to_mult_luts()
    ws = sorted({w for w, _ in table})
    a_list = sorted({a for _, a in table})
    w = min(max(w_bits, ws[0]), ws[-1])
    a = min(max(a_bits, a_list[0]), a_list[-1])
    lo = max(x for x in a_list if x <= a)
    hi = min(x for x in a_list if x >= a)
    if lo == hi:
        return table[(w, lo)]
    t = (math.log2(a) - math.log2(lo)) / (math.log2(hi) - math.log2(lo))
    return table[(w, lo)] + t * (table[(w, hi)] - table[(w, lo)])


#: Yosys synth_xilinx LUTs of one shift requantizer (tools/yosys_requant_luts.py), the check of
#: :func:`shift_requant_luts`
YOSYS_REQUANT_LUTS = Path(__file__).resolve().parent.parent / "data" / "yosys_requant_luts.csv"


def shift_requant_luts(acc_bits: int, out_bits: int) -> int:
    """LUTs of one fixed-point requantizer (:mod:`accelsim.fpga.requant`; not a FINN unit): one LUT per output
    bit for the saturating multiplexer plus one LUT6 per 6 of the ``acc − out`` dropped bits for the overflow
    test, ``O + ⌈(A − O)/6⌉`` (the rounding adder maps to the carry chain). Against Yosys 0.23's
    ``synth_xilinx`` of the unit (accelsim/data/yosys_requant_luts.csv, 18 widths A 12-32 × O 2-16, the
    worst of three shifts each): −2 to +1 LUTs."""
    return out_bits + max(0, math.ceil((acc_bits - out_bits) / 6))


def _mac_luts(q: int, w: int, a: int, res_type: str, weight_code: str) -> tuple[float, float, int]:
    """(multiplier LUTs, adder-tree LUTs, product bits) of one PE with ``q`` lanes: FINN's LUT multiplier
    ``q·(2⌈(w+a)/6⌉ − 1)·(w+a)`` (0 on DSPs) and adder tree ``(w+a)·(2q − 1)``; for log2 weight codes the
    multiplier is scaled by :func:`shift_lut_ratio` and the products are ``a + 2^(w−1)`` bits wide."""
    bits = w + a if weight_code == "int" else a + 2 ** (w - 1)
    mult = 0.0 if res_type == "dsp" else q * (2 * math.ceil((w + a) / 6) - 1) * (w + a)
    if weight_code == "log2":
        mult *= shift_lut_ratio(w, a)
    return mult, bits * (2 * q - 1), bits


@dataclass(frozen=True, kw_only=True)
class _WeightedUnit:
    """What FINN's MVAU and VVAU share: folding (PE, SIMD), operand widths, activation, weight memory and
    multiplier options; the FINN formulas that differ between the two stay in each class."""

    pe: int
    simd: int
    w_bits: int
    a_bits: int
    a_signed: bool = False
    out_bits: int = 1
    acc_bits: int = 32
    no_activation: bool = False
    mem_mode: MemMode = "internal_decoupled"
    ram_style: RamStyle = "auto"
    res_type: Literal["auto", "lut", "dsp"] = "auto"
    #: ``log2``: power-of-two weight codes (accelsim.quant ``log2``), multiplies done as shifts in LUTs —
    #: FINN's multiplier LUTs scaled by the Yosys-measured shift/multiply ratio (:func:`shift_lut_ratio`)
    #: and products ``a + 2^(w−1)`` bits wide in the adder tree and accumulator (not a FINN estimate)
    weight_code: Literal["int", "log2"] = "int"
    #: ``thresholds``: FINN's fused multi-threshold activation; ``shift``: a fixed-point requantizer per PE
    #: (:mod:`accelsim.fpga.requant`, :func:`shift_requant_luts`; not a FINN estimate) — no threshold memory,
    #: for wide activations whose ``2^out_bits − 1`` thresholds per channel no design would store
    activation_impl: Literal["thresholds", "shift"] = "thresholds"

    def fan_in(self) -> int:
        """Products summed into one output (MW of an MVAU, k_h·k_w of a VVAU)."""
        raise NotImplementedError

    def wmem(self) -> int:
        raise NotImplementedError

    def _acc_width(self) -> float:
        """FINN's minimized accumulator width (the ``alpha`` bound of the LUT model)."""
        w_eff = self.w_bits if self.weight_code == "int" else 2 ** (self.w_bits - 1)
        alpha = math.log(self.fan_in(), 2) + w_eff + self.a_bits - 1 - int(self.a_signed)
        return min(self.acc_bits, np.ceil(alpha + math.log(1 + pow(2, -alpha), 2) + 1))

    def _lutram_weight_luts(self) -> int:
        """LUTs of weights kept in LUTRAM (distributed decoupled memory, or small embedded ones)."""
        if (self.mem_mode == "internal_decoupled" and self.ram_style == "distributed") or (
            self.mem_mode == "internal_embedded" and self.wmem() <= 128
        ):
            return (self.pe * self.simd * self.w_bits) * math.ceil(self.wmem() / 64)
        return 0

    def _shift_requant(self) -> bool:
        return self.activation_impl == "shift" and not self.no_activation

    def _activation_luts(self, acc: float, tmem_ceil: bool, counted: bool) -> float:
        """Per-PE activation LUTs: FINN's threshold memory and comparators (``counted``: when FINN counts
        them), or the shift requantizer."""
        if self.no_activation:
            return 0.0
        if self._shift_requant():
            return float(shift_requant_luts(int(acc), self.out_bits))
        if not counted:
            return 0.0
        n = 2**self.out_bits - 1
        t = math.ceil(self.tmem() / 64) if tmem_ceil else self.tmem() / 64
        return n * acc * t + n * acc


@dataclass(frozen=True)
class Mvau(_WeightedUnit):
    """A matrix-vector unit: MW inputs × MH outputs, folded by PE (outputs) and SIMD (inputs)."""

    mw: int
    mh: int
    num_input_vectors: tuple[int, ...] = (1,)
    ram_style_thresholds: Literal["auto", "block", "distributed"] = "auto"
    #: ``hls``: FINN's HLS MVAU (thresholds fused); ``rtl``: FINN's RTL MVU (``rtl/matrixvectoractivation_rtl.py``
    #: at 39f0c9a), which packs multiplies into DSP slices — DSP48: ``⌈P/4⌉·Q`` (l.137-146), DSP58 (Versal):
    #: ``P·⌈Q/3⌉`` — with no LUT estimate of its own (FINN returns 0, l.134) and no fused thresholds: its
    #: activation is a separate Thresholding unit, here folded with the MVU's PE (FINN's Thresholding
    #: estimates on the accumulator width; it never needs more cycles than the MVU). FINN's RTL cores take
    #: ``resType: dsp`` and at most 8-bit operands (``mvu_4sx4u`` up to 4 bits, ``mvu_8sx8u``; 9 on DSP58).
    impl: Literal["hls", "rtl"] = "hls"
    dsp_block: Literal["DSP48E1", "DSP48E2", "DSP58"] = "DSP48E2"

    def fan_in(self) -> int:
        return self.mw

    def __post_init__(self) -> None:
        if self.mh % self.pe or self.mw % self.simd:
            raise ValueError(
                f"MVAU folding: MH {self.mh} % PE {self.pe} and MW {self.mw} % SIMD {self.simd} must be 0"
            )
        if self.impl == "rtl":
            limit = 9 if self.dsp_block == "DSP58" else 8
            if self.res_type != "dsp" or max(self.w_bits, self.a_bits) > limit or self.weight_code != "int":
                raise ValueError(
                    f"FINN's RTL MVU needs res_type dsp and integer operands of at most {limit} bits"
                )

    def thresholds(self) -> Thresholding | None:
        """The RTL MVU's separate Thresholding unit (None for the HLS MVAU or without activation)."""
        if self.impl != "rtl" or self.no_activation or self._shift_requant():
            return None
        return Thresholding(channels=self.mh, pe=self.pe, a_bits=int(self._acc_width()),
                            num_input_vectors=tuple(self.num_input_vectors), ram_style="distributed")  # fmt: skip

    def wmem(self) -> int:
        return self.mw * self.mh // (self.pe * self.simd)

    def tmem(self) -> int:
        return 0 if self.no_activation or self._shift_requant() else self.mh // self.pe

    def cycles(self) -> int:
        return int((self.mh / self.pe) * (self.mw / self.simd) * np.prod(self.num_input_vectors) / 1)

    def uram(self) -> int:
        omega = (self.mw * self.mh) / (self.simd * self.pe)
        width = self.simd * self.w_bits * self.pe
        if (
            (self.mem_mode == "internal_decoupled" and self.ram_style != "ultra")
            or (self.mem_mode == "internal_embedded" and self.wmem() <= 128)
            or self.mem_mode == "external"
        ):
            return 0
        return math.ceil(width / 72) * math.ceil(omega / 4096)

    def bram18(self) -> int:
        omega = (self.mw * self.mh) / (self.simd * self.pe)
        width = self.simd * self.w_bits * self.pe
        if (
            (self.mem_mode == "internal_decoupled" and self.ram_style in ("distributed", "ultra"))
            or (self.mem_mode == "internal_embedded" and self.wmem() <= 128)
            or self.mem_mode == "external"
        ):
            return 0
        return bram_bands(omega, width, (9, 18, 36))

    def lut(self) -> int:
        if self.impl == "rtl":
            if self._shift_requant():
                return int(1.1 * self.pe * shift_requant_luts(int(self._acc_width()), self.out_bits))
            thr = self.thresholds()
            return 0 if thr is None else thr.lut()
        p, q, w, a = self.pe, self.simd, self.w_bits, self.a_bits
        c2 = self._lutram_weight_luts()
        mult, addertree, _ = _mac_luts(q, w, a, self.res_type, self.weight_code)
        acc = self._acc_width()
        act = self._activation_luts(acc, tmem_ceil=True, counted=self.ram_style_thresholds == "distributed")
        return int(300 + 1.1 * (p * (mult + addertree + acc + act)) + c2)

    def dsp(self) -> int:
        if self.impl == "rtl":
            if self.dsp_block == "DSP58":
                return int(self.pe * np.ceil(self.simd / 3))
            return int(np.ceil(self.pe / 4) * self.simd)
        if self.res_type != "dsp":
            return 0
        return int(self.pe * self.simd * np.ceil((self.w_bits + self.a_bits) / 48))


@dataclass(frozen=True)
class Vvau(_WeightedUnit):
    """A vector-vector (depthwise) unit: Channels × k_h·k_w weights over Dim output pixels."""

    channels: int
    kernel: tuple[int, int]
    dim: tuple[int, int]

    def fan_in(self) -> int:
        return self.kernel[0] * self.kernel[1]

    def wmem(self) -> int:
        k_h, k_w = self.kernel
        return (k_h * k_w * self.channels // self.pe) // self.simd

    def tmem(self) -> int:
        return 0 if self.no_activation or self._shift_requant() else self.channels // self.pe

    def cycles(self) -> int:
        k_h, k_w = self.kernel
        dim_h, dim_w = self.dim
        return int(((self.channels * k_h * k_w) / self.pe / self.simd) * 1 * (dim_h * dim_w) / 1)

    def uram(self) -> int:
        if (self.mem_mode == "internal_decoupled" and self.ram_style != "ultra") or self.mem_mode in (
            "internal_embedded",
            "external",
        ):
            return 0
        return math.ceil(self.simd * self.w_bits * self.pe / 72) * math.ceil(self.wmem() / 4096)

    def bram18(self) -> int:
        omega = self.wmem()
        width = self.simd * self.w_bits * self.pe
        if (
            (self.mem_mode == "internal_decoupled" and self.ram_style in ("distributed", "ultra"))
            or (self.ram_style == "auto" and omega <= 128)
            or (self.mem_mode == "internal_embedded" and omega <= 128)
            or self.mem_mode == "external"
        ):
            return 0
        return bram_bands(omega, width, (8, 16, 32))

    def lut(self) -> int:
        p, q, w, a = self.pe, self.simd, self.w_bits, self.a_bits
        c2 = self._lutram_weight_luts()
        mult, addertree, _ = _mac_luts(q, w, a, self.res_type, self.weight_code)
        acc = self._acc_width()
        act = self._activation_luts(acc, tmem_ceil=False, counted=True)
        return int(300 + 1.1 * (p * (mult + addertree + acc + act)) + c2)

    def dsp(self) -> int:
        if self.res_type != "dsp":
            return 0
        return int(self.pe * np.ceil((self.w_bits + self.a_bits) / 48))


@dataclass(frozen=True)
class _WindowGenerator:
    """What every 2-D sliding-window generator of FINN is given: geometry, SIMD, input bits, RAM style."""

    channels: int
    ifm_dim: tuple[int, int]
    ofm_dim: tuple[int, int]
    kernel: tuple[int, int]
    stride: tuple[int, int]
    simd: int
    a_bits: int
    dilation: tuple[int, int] = (1, 1)
    ram_style: Literal["auto", "block", "distributed", "ultra"] = "auto"

    def __post_init__(self) -> None:
        if self.channels % self.simd:
            raise ValueError(f"SWG folding: SIMD {self.simd} must divide the channels {self.channels}")


@dataclass(frozen=True)
class SlidingWindow2D(_WindowGenerator):
    """FINN's HLS 2-D convolution input generator (square kernel, stride and input for the BRAM model)."""

    def cycles(self) -> int:
        c, q = self.channels, self.simd
        k_h, k_w = self.kernel
        ifm_h, ifm_w = self.ifm_dim
        ofm_h, ofm_w = self.ofm_dim
        write = (ofm_w * k_w * k_h * (c / q)) / 1
        read = self.stride[1] * ifm_w * (c / q)
        return int(ifm_w * k_h * self.dilation[0] * (c / q) + ofm_h * max(write, read))

    def bram18(self) -> int:
        if self.ram_style not in ("block", "auto"):
            return 0
        ifm, k, s = self.ifm_dim[0], self.kernel[0], self.stride[0]
        depth = ifm * self.channels / self.simd
        width_mul = math.ceil(self.simd * self.a_bits / _ram_width_for_depth(depth))
        depth_mul = math.ceil(ifm * self.channels / self.simd / depth)
        return int((k + s) * width_mul * depth_mul)


def _ram_width_for_depth(depth: float) -> int:
    """Bits per BRAM18 at a memory depth, FINN's band table (36 up to 512 deep ... 1 beyond 8,192)."""
    for limit, width in ((512, 36), (1024, 18), (2048, 9), (4096, 4), (8192, 2)):
        if depth <= limit:
            return width
    return 1


@dataclass(frozen=True)
class SlidingWindow2DRtl(_WindowGenerator):
    """FINN's RTL 2-D convolution input generator (``rtl/convolutioninputgenerator_rtl.py`` at 39f0c9a:
    ``get_buffer_depth`` l.90, ``get_exp_cycles`` l.132, ``bram_estimation`` l.189, ``lut_estimation``
    l.249, ``uram_estimation`` l.260, ``select_impl_style`` l.811).

    Implementation style: ``parallel`` when ``parallel_window`` (the whole k_h·k_w window leaves per cycle;
    SIMD must equal the channels unless depthwise) or for a 1×1 kernel, else ``default``.

    * cycles, parallel: the input values, ``H_in·W_in·C/Q + 2``; default: ``B + H_out·max(W_out·k_w·k_h·C/Q,
      s_w·W_in·C/Q)`` with the buffer ``B = ((k_h−1)·d_h·W_in + (k_w−1)·d_w + 1)·C/Q`` (depthwise adds
      ``W_out·(s_w−1)·(C/Q−1)`` per output row and ``(s_h−1)·W_in·C/Q``);
    * buffer depth, default: ``B`` plus stride pre-load room; parallel: ``((k_h−1)·d_h·W_in + (k_w−1)·d_w)·C/Q
      + 2``;
    * BRAM18 (block/auto): ``(⌈depth/16384⌉·⌈Q·A/ram_width⌉ − cascade savings)·count`` with the parallel
      style's ``k_h − 1`` line buffers of depth ``W_in − k_w_eff + W_in·(d_h − 1)``; URAM (ultra) likewise
      with 4096×72 blocks; LUT ``300 + Q·A·⌈depth/38⌉`` for distributed memory, else 300.
    """

    parallel_window: bool = False
    depthwise: bool = False

    def __post_init__(self) -> None:
        super().__post_init__()
        if self.parallel_window and not self.depthwise and self.simd != self.channels:
            raise ValueError("SWG parallel_window: SIMD must equal the channels")

    def impl_style(self) -> str:
        return "parallel" if self.parallel_window or self.kernel == (1, 1) else "default"

    def buffer_depth(self) -> int:
        k_h, k_w = self.kernel
        w = self.ifm_dim[1]
        s_h, s_w = self.stride
        d_h, d_w = self.dilation
        cf = self.channels // self.simd
        if self.impl_style() == "parallel":
            return ((k_h - 1) * d_h * w + (k_w - 1) * d_w) * cf + 2
        base = ((k_h - 1) * d_h * w + (k_w - 1) * d_w + 1) * cf
        return base + max(0, ((s_w - 1) - k_h * k_w) * cf) + max(0, ((s_h - 1) * w - k_h * k_w) * cf)

    def cycles(self) -> int:
        h, w = self.ifm_dim
        cf = self.channels // self.simd
        if self.impl_style() == "parallel":
            return h * w * cf + 2
        k_h, k_w = self.kernel
        s_h, s_w = self.stride
        d_h, d_w = self.dilation
        oh, ow = self.ofm_dim
        base = ((k_h - 1) * d_h * w + (k_w - 1) * d_w + 1) * cf
        most = max(ow * k_w * k_h * cf, s_w * w * cf)
        if self.depthwise:
            most += ow * (s_w - 1) * (cf - 1)
        out = base + oh * most
        if self.depthwise:
            out += (s_h - 1) * w * cf
        return int(out)

    def _buffers(self) -> tuple[int, int]:
        """(depth, count) of the line buffers the RAM estimates count."""
        if self.impl_style() == "default":
            return self.buffer_depth(), 1
        k_h, k_w = self.kernel
        w = self.ifm_dim[1]
        d_h, d_w = self.dilation
        return (w - ((k_w - 1) * d_w + 1)) + w * (d_h - 1), k_h - 1

    def bram18(self) -> int:
        if self.ram_style not in ("block", "auto"):
            return 0
        if self.impl_style() == "parallel" and 1 in self.ifm_dim:
            return 0
        depth, count = self._buffers()
        width = self.simd * self.a_bits
        cascade_depth = math.ceil(depth / 16384)
        cascade_width = math.ceil(width / _ram_width_for_depth(depth))
        savings = 0
        if depth > 16384:
            savings = cascade_width - math.ceil(width / _ram_width_for_depth(depth % 16384))
        return int((cascade_depth * cascade_width - savings) * count)

    def uram(self) -> int:
        if self.ram_style != "ultra" or (self.impl_style() == "parallel" and 1 in self.ifm_dim):
            return 0
        depth, count = self._buffers()
        return int(math.ceil(depth / 4096) * math.ceil(self.simd * self.a_bits / 72) * count)

    def lut(self) -> int:
        ram = (
            self.simd * self.a_bits * math.ceil(self.buffer_depth() / 38)
            if self.ram_style == "distributed"
            else 0
        )
        return 300 + int(ram)


@dataclass(frozen=True)
class Thresholding:
    """A thresholding unit (the quantized activation as comparisons), folded by PE."""

    channels: int
    pe: int
    a_bits: int
    num_input_vectors: tuple[int, ...] = (1,)
    ram_style: Literal["distributed", "block"] = "distributed"

    def tmem(self) -> int:
        return self.channels // self.pe

    def cycles(self) -> int:
        return int(np.prod((*self.num_input_vectors, self.tmem())))

    def bram18(self) -> int:
        t = self.tmem()
        if self.ram_style == "block" and t > 1:
            return int(math.ceil(self.a_bits * self.pe / 16)) * int(math.ceil(t / 1024))
        return 0

    def lut(self) -> int:
        t = self.tmem()
        lutram = (
            self.pe * self.a_bits * int(math.ceil(t / 64)) if self.ram_style == "distributed" and t > 1 else 0
        )
        return self.a_bits * self.pe + lutram


class PeOverChannels:
    """A unit folded by PE over its ``channels`` alone (FINN asserts PE | channels; SetFolding steps PE through
    the divisors of the channels): AddStreams, DuplicateStreams, GlobalAccPool, Pool."""

    channels: int
    pe: int

    def __post_init__(self) -> None:
        if self.channels % self.pe:
            raise ValueError(
                f"{type(self).__name__} folding: channels {self.channels} % PE {self.pe} must be 0"
            )


@dataclass(frozen=True)
class _ChannelStream(PeOverChannels):
    """A stream of ``channels`` per pixel over ``num_input_vectors`` pixels in ``pe`` lanes:
    ``Π numInputVectors · C/PE`` cycles. FINN estimates no resources for these units (``HWCustomOp``'s
    estimates return 0) and folds them as ``pe_ops`` in SetFolding."""

    channels: int
    num_input_vectors: tuple[int, ...] = (1,)
    pe: int = 1

    def cycles(self) -> int:
        return int(np.prod((*self.num_input_vectors, self.channels // self.pe)))


@dataclass(frozen=True)
class AddStreams(_ChannelStream):
    """FINN's AddStreams (``addstreams.py``, ``get_exp_cycles`` l.139): two streams summed element by element."""


@dataclass(frozen=True)
class DuplicateStreams(_ChannelStream):
    """FINN's DuplicateStreams (``duplicatestreams.py``, ``get_exp_cycles`` l.142), which FINN inserts where a
    tensor is read by several layers (``InsertDuplicateStreams``): the stream copied to ``outputs`` streams."""

    outputs: int = 2


@dataclass(frozen=True)
class GlobalAccPool(_ChannelStream):
    """FINN's GlobalAccPool (``globalaccpool.py``, ``get_exp_cycles`` l.147): a global average pool's sums over
    the input's pixels (``numInputVectors``), the stream's cycles plus ``C/PE`` to emit them."""

    def cycles(self) -> int:
        return super().cycles() + self.channels // self.pe


@dataclass(frozen=True)
class StreamingConcat:
    """FINN's StreamingConcat (``concat.py``, ``get_exp_cycles`` l.126): the inputs' channels joined into
    one output vector per pixel, ``Π numInputVectors`` cycles (its folded shape is the normal one: a whole
    vector per cycle). No resource estimate (FINN's 0)."""

    channels: int
    num_input_vectors: tuple[int, ...] = (1,)

    def cycles(self) -> int:
        return int(np.prod(self.num_input_vectors))


@dataclass(frozen=True)
class Pool(PeOverChannels):
    """FINN's Pool (``pool.py``, ``get_exp_cycles`` l.138): the pooling of a depthwise sliding window (FINN's
    ``InferPool`` turns an average pool, or a max pool whose kernel exceeds its stride or that pads, into
    Im2Col + Pool), ``(C·k_h·k_w / PE) · H_out·W_out`` cycles, PE | C. No resource estimate (FINN's 0);
    SetFolding steps its PE through the divisors of ``Channels`` (``depthwise_op_exceptions``)."""

    channels: int
    kernel: tuple[int, int]
    ofm_dim: tuple[int, int]
    pe: int = 1

    def cycles(self) -> int:
        k = self.kernel[0] * self.kernel[1]
        return int(self.channels * k / self.pe * self.ofm_dim[0] * self.ofm_dim[1])


def maxpool2d_cycles(ifm_dim: int, kernel: int) -> int:
    """StreamingMaxPool (2-D, square): ⌊W_in²·(1 + 1/k²)⌋ (FINN: "TODO: adjust inaccurate formula")."""
    return int(ifm_dim * ifm_dim * (1 + 1 / (kernel * kernel)))


def bram_bands(omega: float, width: int, divisors: tuple[int, int, int]) -> int:
    """FINN-R's RAMB18 count of an ω-deep, ``width``-bit memory (MVAU divisors 9/18/36, VVAU 8/16/32)."""
    d9, d18, d36 = divisors
    if width == 1:
        return math.ceil(omega / 16384)
    if width == 2:
        return math.ceil(omega / 8192)
    if width <= 4:
        return math.ceil(omega / 4096) * math.ceil(width / 4)
    if width <= 9:
        return math.ceil(omega / 2048) * math.ceil(width / d9)
    if width <= 18 or omega > 512:
        return math.ceil(omega / 1024) * math.ceil(width / d18)
    return math.ceil(omega / 512) * math.ceil(width / d36)
