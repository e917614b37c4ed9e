"""Compute-in-memory crossbar: configuration and the functional (bit-level) GEMM through tiles.

Datapath of ``y = x · w`` (x [M×K] integers of ``a_bits``, w [K×N] integers of ``w_bits``):

* weights are bit-sliced over ``S = ceil(bits / cell_bits)`` columns per weight, slice s holding bits
  ``s·cell_bits ..``; signed weights use one of three encodings (``encoding``):
  ``offset`` — store ``w + 2^(w_bits−1)`` (unsigned) and subtract ``2^(w_bits−1)·Σ_k x_k`` digitally;
  ``differential`` — a pair of devices per cell holds ``max(w,0)`` and ``max(−w,0)`` (``w_bits``
  magnitude bits), the column currents are subtracted before the ADC (signed ADC);
  ``flipped`` (ISAAC) — offset encoding, and every column slice of a row tile whose level sum exceeds
  half its maximum is stored complemented (``L−1−ℓ``) with a flag; the digital side computes
  ``(L−1)·Σ_r x_r − ADC(column)``. The worst-case column value halves: one ADC bit less;
* the K rows are cut into row tiles of ``rows``; every input chunk (``dac.slice_inputs``: bit-serial
  when ``dac_bits < a_bits``) drives one row tile at a time, each column value is converted by the ADC
  (``adc.py``: range, offset, INL, DNL; read noise and IR drop from ``devices.py`` before it);
* digital shift-add: ``y = Σ_chunks 2^(j·dac_bits) Σ_slices 2^(s·cell_bits) Σ_row-tiles ADC(...)``
  (+ the encoding's correction), accumulated in float64 (exact below 2^53, checked).

The analog column sums are float32 GEMMs per (input chunk, row tile), exact whenever the worst-case
column value is below 2^24 (checked; float64 otherwise). With lossless settings (ADC step 1 and range
covering the worst case, ideal devices and converters) the result equals the integer GEMM bit-exactly.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Literal

import numba
import numpy as np
from pydantic import Field
from scipy.special import ndtri

from accelsim.errors import AccelsimInputError
from accelsim.memory.adc import AdcConfig, code_range, dnl_thresholds, max_mode_step
from accelsim.memory.dac import DacConfig, apply_dac_nonlinearity, slice_inputs
from accelsim.memory.devices import DeviceConfig, program_levels
from accelsim.workload import StrictModel


class CrossbarConfig(StrictModel):
    """One crossbar tile and its periphery."""

    rows: int = Field(128, ge=1, description="word lines (inputs) per tile")
    cols: int = Field(128, ge=1, description="bit lines (physical columns) per tile")
    cell_bits: int = Field(2, ge=1, le=8, description="bits stored per cell (2^cell_bits levels)")
    encoding: Literal["offset", "differential", "flipped"] = Field(
        "offset", description="signed-weight encoding: offset, differential pairs, or ISAAC flipped"
    )
    cols_per_adc: int = Field(128, ge=1, description="columns sharing one ADC (time-multiplexed)")
    sense: Literal["adc", "sense_amp"] = Field(
        "adc", description="column read-out: multi-bit ADC or 1-bit sense amplifier (binary designs)"
    )
    sense_amp_energy_pj: float = Field(0.01, ge=0, description="energy per sense-amplifier decision in pJ")
    sense_amp_area_mm2: float = Field(1e-5, ge=0, description="area of one sense amplifier in mm²")
    adc: AdcConfig = Field(default_factory=AdcConfig, description="column ADC")
    dac: DacConfig = Field(default_factory=DacConfig, description="row DACs")
    device: DeviceConfig = Field(default_factory=DeviceConfig, description="cell device and non-idealities")

    @property
    def devices_per_cell(self) -> int:
        return 2 if self.encoding == "differential" else 1

    def weight_slices(self, w_bits: int, w_signed: bool) -> int:
        """Cells (columns) per weight and per device: ceil(stored bits / cell_bits)."""
        return -(-w_bits // self.cell_bits)

    def columns_per_weight(self, w_bits: int, w_signed: bool) -> int:
        """Physical columns one weight occupies (slices × devices per cell)."""
        return self.weight_slices(w_bits, w_signed) * self.devices_per_cell

    def adc_signed(self, a_signed: bool) -> bool:
        """Column values can be negative: differential pairs or a signed (two's-complement) input chunk."""
        return self.encoding == "differential" or a_signed

    def worst_case_column(self, a_bits: int, a_signed: bool) -> float:
        """Largest |column value| (unit-cell counts) of one full tile read: rows·max|chunk|·(L−1)
        (flipped: floor(rows·(L−1)/2)·max|chunk|)."""
        lmax = 2**self.cell_bits - 1
        n = -(-a_bits // self.dac.bits)
        top = a_bits - (n - 1) * self.dac.bits
        max_chunk = 2**self.dac.bits - 1 if n > 1 else 0
        max_chunk = max(max_chunk, 2 ** (top - 1) if a_signed else 2**top - 1)
        if self.encoding == "flipped":
            return float((self.rows * lmax) // 2 * max_chunk)
        return float(self.rows * lmax * max_chunk)

    def adc_bits_needed(self, a_bits: int, a_signed: bool) -> int:
        """ADC bits for a lossless conversion of the worst-case column value."""
        worst = self.worst_case_column(a_bits, a_signed)
        bits = 1
        while code_range(bits, self.adc_signed(a_signed))[1] < worst:
            bits += 1
        return bits


@dataclass
class EncodedWeights:
    """Weights as effective cell levels per plane: ``E`` [K × P] (P = slices·N, p = s·N + n)."""

    levels: np.ndarray  # [K, P] float32 effective level (after device model; pos − neg if differential)
    ideal_levels: np.ndarray  # [K, P] float32 ideal levels (flipped where flagged)
    flip: np.ndarray  # [T, P] bool, flipped columns per row tile
    col_shift: np.ndarray  # [P] float64, 2^(s·cell_bits)
    col_n: np.ndarray  # [P] int64, output column of plane p
    offset: int  # digital correction: y −= offset·Σ_k x_k
    n_slices: int


def encode_weights(
    w_int: np.ndarray, w_bits: int, w_signed: bool, xbar: CrossbarConfig, rng: np.random.Generator | None
) -> EncodedWeights:
    """Bit-slice and encode w [K×N]; program the devices (``rng`` None = ideal devices)."""
    w = np.asarray(w_int, dtype=np.int64 if w_bits > 30 else np.int32)
    lo, hi = (-(2 ** (w_bits - 1)), 2 ** (w_bits - 1) - 1) if w_signed else (0, 2**w_bits - 1)
    if w.size and (w.min() < lo or w.max() > hi):
        raise AccelsimInputError(
            "w_int",
            f"weights outside the {w_bits}-bit {'signed' if w_signed else 'unsigned'} range [{lo}, {hi}]",
        )
    k, n = w.shape
    cb = xbar.cell_bits
    lmax = 2**cb - 1
    s_count = xbar.weight_slices(w_bits, w_signed)
    t_count = -(-k // xbar.rows)
    col_shift = np.repeat(2.0 ** (cb * np.arange(s_count)), n)
    col_n = np.tile(np.arange(n, dtype=np.int64), s_count)

    def planes(u: np.ndarray) -> np.ndarray:
        return np.concatenate([(u >> (cb * s)) & lmax for s in range(s_count)], axis=1)

    flip = np.zeros((t_count, s_count * n), dtype=np.bool_)
    offset = 0
    if xbar.encoding == "differential":
        pos = planes(np.maximum(w, 0))
        neg = planes(np.maximum(-w, 0))
        ideal = (pos - neg).astype(np.float32)
        if rng is None or xbar.device.programming_is_ideal:
            eff = ideal
        else:
            eff = program_levels(pos, cb, xbar.device, rng) - program_levels(neg, cb, xbar.device, rng)
    else:
        offset = 2 ** (w_bits - 1) if w_signed else 0
        lv = planes(w + offset)
        if xbar.encoding == "flipped":
            for t in range(t_count):
                r0, r1 = t * xbar.rows, min(k, (t + 1) * xbar.rows)
                f = 2 * lv[r0:r1].sum(axis=0) > (r1 - r0) * lmax
                flip[t] = f
                lv[r0:r1, f] = lmax - lv[r0:r1, f]
        ideal = lv.astype(np.float32)
        eff = (
            ideal
            if rng is None or xbar.device.programming_is_ideal
            else program_levels(lv, cb, xbar.device, rng)
        )
    return EncodedWeights(eff, ideal, flip, col_shift, col_n, offset, s_count)


#: Standard-normal quantiles at (k + ½)/2^16, k = 0..65535 (the read-noise draws of the kernel).
NORMAL_TABLE = ndtri((np.arange(65536, dtype=np.float64) + 0.5) / 65536.0)

_M1 = np.uint64(0xBF58476D1CE4E5B9)
_M2 = np.uint64(0x94D049BB133111EB)
_GOLDEN = np.uint64(0x9E3779B97F4A7C15)


@numba.njit(cache=True, inline="always")
def _splitmix(z):  # pragma: no cover - compiled
    """splitmix64 finaliser: a counter-based hash, so noise does not depend on thread scheduling."""
    z = (z ^ (z >> np.uint64(30))) * _M1
    z = (z ^ (z >> np.uint64(27))) * _M2
    return z ^ (z >> np.uint64(31))


@numba.njit(cache=True, parallel=True)
def _convert_accumulate(
    a,
    out,
    noise_std,
    noise_seed,
    step,
    lo,
    hi,
    offset,
    inl,
    dnl,
    adc_idx,
    flip,
    rowsum,
    lmax,
    col_shift,
    col_n,
    weight,
    normal_table,
    sign_only,
):  # pragma: no cover - compiled
    """Read noise + ADC (offset, INL, DNL, clip) + flipped correction + shift-add, fused, for one chunk.

    a [T, M, P] analog column values; out [M, N] accumulator (+=). Read noise: a standard normal per
    (t, m, p) = ``normal_table[k]``, k a 16-bit field of a splitmix64 hash of (noise_seed, t, m, p//4)
    (four draws per hash): the exact normal quantiles at (k + ½)/2^16, i.e. a Gaussian discretized to 2^16
    equiprobable values and truncated at ±4.33σ. Parallel over m; results do not depend on the thread
    count. Returns the number of clipped codes."""
    t_count, m_count, p_count = a.shape
    use_noise = noise_std.shape[0] > 0
    use_dnl = dnl.shape[2] > 0
    has_flip = flip.shape[0] > 0
    inv_step = 1.0 / step
    span = hi - lo
    seed = np.uint64(noise_seed) * _GOLDEN
    clips = 0
    for m in numba.prange(m_count):
        for t in range(t_count):
            sd = noise_std[t, m] if use_noise else 0.0
            rs = rowsum[t, m] if has_flip else 0.0
            base = seed + np.uint64((t * m_count + m) * ((p_count + 3) // 4)) * _GOLDEN
            z = np.uint64(0)
            for p in range(p_count):
                v = np.float64(a[t, m, p])
                if sd > 0.0:
                    if p % 4 == 0:
                        z = _splitmix(base + np.uint64(p // 4) * _GOLDEN)
                    k = (z >> np.uint64(16 * (p % 4))) & np.uint64(0xFFFF)
                    v += sd * normal_table[k]
                u = v * inv_step + offset
                if inl != 0.0:
                    xx = 2.0 * (u - lo) / span - 1.0
                    u += inl * (1.0 - xx * xx)
                c = np.rint(u)
                if sign_only:  # a sense amplifier on a signed (differential) column: ±1
                    c = 1.0 if u >= 0.0 else -1.0
                elif use_dnl:
                    row = dnl[t, adc_idx[p]]
                    k0 = min(max(c, lo), hi + 1) - lo
                    if u < c - 0.5 + row[int(k0)]:
                        c -= 1.0
                    else:
                        k1 = min(max(c + 1.0, lo), hi + 1) - lo
                        if u >= c + 0.5 + row[int(k1)]:
                            c += 1.0
                if c < lo:
                    c = lo
                    clips += 1
                elif c > hi:
                    c = hi
                    clips += 1
                d = c * step
                if has_flip and flip[t, p]:
                    d = lmax * rs - d
                out[m, col_n[p]] += weight * col_shift[p] * d
    return clips


@dataclass
class CrossbarGemmResult:
    """Output of :func:`crossbar_gemm`: y in integer-product units, its rounding, and what changed."""

    y: np.ndarray
    y_int: np.ndarray
    metrics: dict[str, Any] = field(default_factory=dict)
    reference: np.ndarray | None = None  # the exact integer GEMM
    adc_dnl: np.ndarray | None = None  # DNL threshold shifts [row tile, ADC, code] used


def _tile_rows(x: np.ndarray, rows: int, t_count: int, dtype: Any) -> np.ndarray:
    """[M, K] -> [T, M, rows] (zero-padded)."""
    m, k = x.shape
    xp = np.zeros((m, t_count * rows), dtype=dtype)
    xp[:, :k] = x
    return np.ascontiguousarray(xp.reshape(m, t_count, rows).transpose(1, 0, 2))


def ideal_gemm(x_int: np.ndarray, w_int: np.ndarray) -> np.ndarray:
    """Exact integer GEMM: float64 BLAS when K·max|x|·max|w| < 2^53, else int64 matmul."""
    x = np.asarray(x_int, dtype=np.int64)
    w = np.asarray(w_int, dtype=np.int64)
    bound = x.shape[1] * (int(np.abs(x).max(initial=0)) * int(np.abs(w).max(initial=0)))
    if bound < 2**53:
        return (x.astype(np.float64) @ w.astype(np.float64)).astype(np.int64)
    return x @ w


def crossbar_gemm(
    x_int: np.ndarray,
    w_int: np.ndarray,
    xbar: CrossbarConfig,
    w_bits: int,
    a_bits: int,
    w_signed: bool = True,
    a_signed: bool = False,
    seed: int = 0,
    calibration_x: np.ndarray | None = None,
    read_seed: int | None = None,
    encoded: EncodedWeights | None = None,
) -> CrossbarGemmResult:
    """y ≈ x_int [M×K] · w_int [K×N] through crossbar tiles (module docstring); seeded non-idealities.

    ``seed`` draws the programmed devices, the ADC DNL and (unless ``read_seed`` is given) the read
    noise; pass the same ``seed`` and a new ``read_seed`` per batch to model one programmed chip read many
    times. ``calibration_x`` feeds ``adc.range_mode = calibrated`` (default: x itself). ``metrics`` reports
    ``lossless`` (the configuration is exact by construction), ADC step/bits/clips, and the mismatch
    against the exact integer GEMM."""
    x = np.asarray(x_int, dtype=np.int64)
    if x.ndim != 2 or np.ndim(w_int) != 2 or x.shape[1] != np.shape(w_int)[0]:
        raise AccelsimInputError(
            "x_int", f"shapes {x.shape} and {np.shape(w_int)} do not form a GEMM [M×K]·[K×N]"
        )
    rng = np.random.default_rng(seed)
    dev_rng, dnl_rng, noise_rng = (np.random.default_rng(s) for s in rng.integers(0, 2**63 - 1, size=3))
    if read_seed is not None:
        noise_rng = np.random.default_rng([read_seed, 0x5EED])
    enc = encoded if encoded is not None else encode_weights(w_int, w_bits, w_signed, xbar, dev_rng)
    m, k = x.shape
    n = np.shape(w_int)[1]
    rows = xbar.rows
    t_count = -(-k // rows)
    p_count = enc.levels.shape[1]
    lmax = float(2**xbar.cell_bits - 1)
    signed_adc = xbar.adc_signed(a_signed)
    bits = 1 if xbar.sense == "sense_amp" else xbar.adc.bits
    lo, hi = code_range(bits, signed_adc)
    sign_only = xbar.sense == "sense_amp" and signed_adc
    if sign_only:  # comparator against zero: ±1 · full scale
        lo, hi = -1, 1
    worst = xbar.worst_case_column(a_bits, a_signed)
    dtype = np.float32 if worst * (1 + xbar.device.ir_drop) < 2**24 else np.float64
    e_t = np.zeros((t_count * rows, p_count), dtype=dtype)
    e_t[:k] = enc.levels
    e_t = e_t.reshape(t_count, rows, p_count)
    small = np.int16 if a_bits <= 15 else np.int64
    chunks = slice_inputs(
        _tile_rows(x, rows, t_count, small), a_bits, a_signed, xbar.dac.bits
    )  # [T, M, rows]
    dac_ideal = xbar.dac.inl_lsb == 0 or xbar.dac.bits == 1
    device = xbar.device

    def analog(chunk: np.ndarray) -> np.ndarray:
        xt = apply_dac_nonlinearity(chunk, xbar.dac.bits, xbar.dac.inl_lsb).astype(dtype, copy=False)
        a = np.matmul(xt, e_t)
        if device.ir_drop > 0:
            rpos = ((rows - np.arange(rows)) / rows).astype(dtype)[None, :, None]
            b = np.matmul(xt, e_t * rpos)
            phys = (np.arange(p_count) * xbar.devices_per_cell) % xbar.cols
            cpos = ((phys + 1) / xbar.cols).astype(dtype)
            a = a - dtype(device.ir_drop / 2.0) * (np.abs(a) / dtype(worst)) * (cpos * a + b)
        return a

    mode = "sense_amp" if xbar.sense == "sense_amp" else xbar.adc.range_mode
    if mode == "max":
        step = max_mode_step(worst, bits, signed_adc)
    elif mode == "full_scale":
        assert xbar.adc.full_scale_counts is not None  # validated by AdcConfig
        step = xbar.adc.full_scale_counts / hi
    else:  # calibrated (or a sense amplifier: threshold at half the calibrated range)
        cx = x if calibration_x is None else np.asarray(calibration_x, dtype=np.int64)
        samples = []
        for ch in slice_inputs(
            _tile_rows(cx, rows, -(-cx.shape[1] // rows), small), a_bits, a_signed, xbar.dac.bits
        ):
            v = np.abs(analog(ch)).ravel()
            if v.size > 200_000:
                v = v[noise_rng.integers(0, v.size, size=200_000)]
            samples.append(v)
        fs = (
            float(np.percentile(np.concatenate(samples), xbar.adc.calibration_percentile)) if samples else 1.0
        )
        step = max(fs, 1e-12) / hi

    n_adcs = -(-xbar.cols // xbar.cols_per_adc)
    if bits > 1 and xbar.adc.dnl_lsb > 0:
        dnl = np.stack([dnl_thresholds(xbar.adc, n_adcs, signed_adc, dnl_rng) for _ in range(t_count)])
    else:
        dnl = np.zeros((t_count, n_adcs, 0))
    adc_idx = ((np.arange(p_count) * xbar.devices_per_cell) % xbar.cols) // xbar.cols_per_adc
    flip = enc.flip if xbar.encoding == "flipped" else np.zeros((0, p_count), dtype=np.bool_)
    sigma_lv = device.read_noise_levels(xbar.cell_bits)
    out = np.zeros((m, n), dtype=np.float64)
    clips = 0
    for j, chunk in enumerate(chunks):
        a = analog(chunk)
        if xbar.encoding == "flipped":
            rowsum = chunk.sum(axis=2, dtype=np.float64)
        else:
            rowsum = np.zeros((0, 0))
        if sigma_lv > 0:
            sq = np.einsum(
                "tmr,tmr->tm", chunk.astype(np.float32), chunk.astype(np.float32), dtype=np.float64
            )
            noise_std = sigma_lv * np.sqrt(xbar.devices_per_cell * sq)
        else:
            noise_std = np.zeros((0, 0))
        clips += _convert_accumulate(
            a, out, noise_std, int(noise_rng.integers(0, 2**31 - 1)), float(step), float(lo), float(hi),
            float(xbar.adc.offset_lsb), float(xbar.adc.inl_lsb), dnl, adc_idx, flip, rowsum, lmax,
            enc.col_shift, enc.col_n, float(2.0 ** (j * xbar.dac.bits)), NORMAL_TABLE, sign_only,
        )  # fmt: skip
    if enc.offset:
        out -= float(enc.offset) * x.sum(axis=1, dtype=np.int64).astype(np.float64)[:, None]
    y_bound = k * 2.0 ** (a_bits + w_bits + 2)
    lossless = (
        mode == "max"
        and step == 1.0
        and xbar.adc.is_ideal
        and device.is_ideal
        and dac_ideal
        and y_bound < 2**53
    )
    y_int = out.astype(np.int64) if lossless else np.rint(out).astype(np.int64)
    conversions = len(chunks) * t_count * m * p_count
    metrics: dict[str, Any] = {
        "lossless": bool(lossless),
        "adc_bits": bits,
        "adc_bits_needed": xbar.adc_bits_needed(a_bits, a_signed),
        "adc_step_counts": float(step),
        "adc_conversions": int(conversions),
        "adc_clip_fraction": clips / conversions if conversions else 0.0,
        "input_chunks": len(chunks),
        "row_tiles": t_count,
        "weight_slices": enc.n_slices,
    }
    ref = ideal_gemm(x, w_int)
    metrics.update(mismatch_metrics(out, ref, "int"))
    return CrossbarGemmResult(out, y_int, metrics, ref, dnl if dnl.shape[2] else None)


def mismatch_metrics(y: np.ndarray, ref: np.ndarray, tag: str) -> dict[str, float]:
    """max/mean absolute error, RMSE, RMSE normalized by the reference RMS, fraction of differing outputs."""
    y = np.asarray(y, dtype=np.float64)
    r = np.asarray(ref, dtype=np.float64)
    d = y - r
    if d.size == 0:
        return {
            f"{tag}_max_abs_err": 0.0,
            f"{tag}_rmse": 0.0,
            f"{tag}_nrmse": 0.0,
            f"{tag}_mismatch_fraction": 0.0,
        }
    rms_ref = float(np.sqrt(np.mean(r * r)))
    rmse = float(np.sqrt(np.mean(d * d)))
    return {
        f"{tag}_max_abs_err": float(np.abs(d).max()),
        f"{tag}_mean_abs_err": float(np.abs(d).mean()),
        f"{tag}_rmse": rmse,
        f"{tag}_nrmse": rmse / rms_ref if rms_ref > 0 else (0.0 if rmse == 0 else float("inf")),
        f"{tag}_mismatch_fraction": float(np.mean(np.rint(y) != r)),
    }
