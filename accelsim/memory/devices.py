"""Memory-cell (device) model of a crossbar: conductance levels and the non-idealities, all off by default.

A cell at level ``ℓ ∈ 0..L−1`` (``L = 2^cell_bits``) is programmed to ``G = g_min + ℓ·Δg`` with
``Δg = (g_max − g_min)/(L − 1)``; the periphery reads ``(G − g_min)/Δg`` (a reference column removes
``g_min``), so an ideal cell reads back exactly ``ℓ``. Non-idealities, applied in this order, each seeded:

1. limited conductance levels: the target is snapped to the nearest of ``conductance_levels`` levels
   evenly spaced over [g_min, g_max] (fewer than L levels loses information);
2. programming variation (once per programming): ``gaussian`` G + N(0, σ·g_max); ``lognormal``
   G·exp(N(0, σ)); ``pcm`` G + N(0, σ_pcm(g)) with aihwkit's PCM polynomial
   ``σ_pcm = scale · (0.26348 + 1.9650·g − 1.1731·g²) µS``, ``g = G/G_max``, G_max = 25 µS (REFERENCES);
   negative conductances clip to 0;
3. stuck-at faults: each device independently stuck at g_min (SA0, rate ``stuck_at_0_rate``) or g_max
   (SA1, rate ``stuck_at_1_rate``);
4. drift (PCM): ``G(t) = G(t0)·(t/t0)^(−ν)``, ν ~ N(drift_nu, drift_nu_std) clipped at 0 per device;
   optional global compensation multiplies all of an array's conductances by
   ``α = ΣG(t0) / ΣG(t)`` (the ratio of the responses to an all-ones read, one scalar per layer);
5. read noise (per read, in the kernel): every device adds N(0, read_noise_sigma·g_max) on each read, so
   a column read with inputs x_r has noise std ``read_noise_sigma·(g_max/Δg)·sqrt(n_dev·Σ x_r²)`` in
   level units (n_dev = 2 for differential pairs);
6. IR drop (first-order, in the kernel): a cell at row r, column n of an R×C tile contributes
   ``x·ℓ·(1 − ρ·d(r,n)·I_col/I_max)`` with ``d = ((n+1)/C + (R−r)/R)/2`` its normalized wire distance from
   the drivers and the sense end, ``I_col/I_max`` the column's ideal value over the worst-case column
   value, ``ρ = ir_drop`` the attenuation of the farthest cell at full column current.
"""

from __future__ import annotations

from typing import Literal

import numpy as np
from pydantic import Field

from accelsim.workload import StrictModel

PCM_G_MAX_US = 25.0
PCM_POLY_US = (0.26348, 1.9650, -1.1731)


class DeviceConfig(StrictModel):
    """Cell technology and non-idealities (each off by default)."""

    technology: Literal["rram", "pcm", "sram", "other"] = Field("rram", description="cell technology")
    g_min_us: float = Field(1.0, ge=0, description="lowest programmed conductance in µS")
    g_max_us: float = Field(25.0, gt=0, description="highest programmed conductance in µS")
    conductance_levels: int | None = Field(
        None, ge=2, description="distinct programmable levels; null = exactly 2^cell_bits"
    )
    programming_noise: Literal["none", "gaussian", "lognormal", "pcm"] = Field(
        "none", description="programming-variation model"
    )
    programming_sigma: float = Field(
        0.0, ge=0, description="gaussian: σ/g_max; lognormal: σ of ln G; pcm: scale of the polynomial"
    )
    read_noise_sigma: float = Field(0.0, ge=0, description="per-read noise std per device, fraction of g_max")
    stuck_at_0_rate: float = Field(0.0, ge=0, le=1, description="fraction of devices stuck at g_min")
    stuck_at_1_rate: float = Field(0.0, ge=0, le=1, description="fraction of devices stuck at g_max")
    drift_nu: float = Field(0.0, ge=0, description="mean drift exponent ν (PCM ≈ 0.05)")
    drift_nu_std: float = Field(0.0, ge=0, description="device-to-device std of ν")
    drift_t_s: float = Field(20.0, gt=0, description="time since programming at which inference runs, s")
    drift_t0_s: float = Field(20.0, gt=0, description="drift reference time t0 in s")
    drift_compensation: bool = Field(False, description="global drift compensation (one scalar per layer)")
    ir_drop: float = Field(0.0, ge=0, lt=1, description="first-order IR-drop attenuation ρ (0 = none)")
    read_voltage_v: float = Field(0.2, gt=0, description="read voltage across a cell in V")
    read_time_s: float = Field(1e-8, gt=0, description="duration of one crossbar read in s")

    @property
    def programming_is_ideal(self) -> bool:
        """True when programmed conductances read back exactly as their levels."""
        return (
            self.conductance_levels is None
            and (self.programming_noise == "none" or self.programming_sigma == 0)
            and self.stuck_at_0_rate == 0
            and self.stuck_at_1_rate == 0
            and (self.drift_t_s <= self.drift_t0_s or (self.drift_nu == 0 and self.drift_nu_std == 0))
        )

    @property
    def is_ideal(self) -> bool:
        return self.programming_is_ideal and self.read_noise_sigma == 0 and self.ir_drop == 0

    def delta_g_us(self, cell_bits: int) -> float:
        return (self.g_max_us - self.g_min_us) / (2**cell_bits - 1)

    def read_noise_levels(self, cell_bits: int) -> float:
        """Per-device read-noise std in level units: read_noise_sigma · g_max / Δg."""
        return self.read_noise_sigma * self.g_max_us / self.delta_g_us(cell_bits)

    def read_energy_pj(self, level_sum: float, cell_bits: int) -> float:
        """V²·G·t summed over cells, with G = g_min + ℓ·Δg; ``level_sum`` = Σ ℓ over the cells read, and
        the g_min part added per cell by :func:`crossbar_read_energy_pj`."""
        return (
            self.read_voltage_v**2 * level_sum * self.delta_g_us(cell_bits) * 1e-6 * self.read_time_s * 1e12
        )


def crossbar_read_energy_pj(device: DeviceConfig, cells: float, mean_level: float, cell_bits: int) -> float:
    """Energy of one read of ``cells`` cells at mean level ``mean_level`` with every row driven: V²·G·t."""
    g_mean_us = device.g_min_us + mean_level * device.delta_g_us(cell_bits)
    return device.read_voltage_v**2 * g_mean_us * 1e-6 * device.read_time_s * cells * 1e12


def program_levels(
    levels: np.ndarray, cell_bits: int, device: DeviceConfig, rng: np.random.Generator
) -> np.ndarray:
    """Programmed-and-drifted conductances of cells at integer ``levels``, read back in level units
    ``(G − g_min)/Δg`` (float32, computed in float32). Returns ``levels`` unchanged (as float32) when
    programming is ideal."""
    lv = np.asarray(levels)
    if device.programming_is_ideal:
        return lv.astype(np.float32)
    g_min, g_max = device.g_min_us, device.g_max_us
    dg = device.delta_g_us(cell_bits)
    g = (g_min + lv.astype(np.float32) * np.float32(dg)).astype(np.float32)
    if device.conductance_levels is not None:
        step = (g_max - g_min) / (device.conductance_levels - 1)
        g = g_min + np.rint((g - g_min) / step) * step
    sigma = device.programming_sigma
    if device.programming_noise == "gaussian" and sigma > 0:
        g += np.float32(sigma * g_max) * rng.standard_normal(size=g.shape, dtype=np.float32)
    elif device.programming_noise == "lognormal" and sigma > 0:
        g *= np.exp(np.float32(sigma) * rng.standard_normal(size=g.shape, dtype=np.float32))
    elif device.programming_noise == "pcm" and sigma > 0:
        gn = g / PCM_G_MAX_US
        s = sigma * (PCM_POLY_US[0] + PCM_POLY_US[1] * gn + PCM_POLY_US[2] * gn * gn)
        g += rng.standard_normal(size=g.shape, dtype=np.float32) * np.maximum(s, 0.0).astype(np.float32)
    g = np.maximum(g, 0.0)
    if device.stuck_at_0_rate > 0 or device.stuck_at_1_rate > 0:
        r = rng.random(size=g.shape, dtype=np.float32)
        g = np.where(r < device.stuck_at_0_rate, g_min, g)
        g = np.where(
            (r >= device.stuck_at_0_rate) & (r < device.stuck_at_0_rate + device.stuck_at_1_rate), g_max, g
        )
    if device.drift_t_s > device.drift_t0_s and (device.drift_nu > 0 or device.drift_nu_std > 0):
        nu = np.maximum(rng.normal(device.drift_nu, device.drift_nu_std, size=g.shape), 0.0)
        g0 = g
        g = (g * (device.drift_t_s / device.drift_t0_s) ** (-nu)).astype(np.float32)
        if device.drift_compensation and g.sum(dtype=np.float64) > 0:
            g = g * np.float32(g0.sum(dtype=np.float64) / g.sum(dtype=np.float64))
    return ((g - np.float32(g_min)) / np.float32(dg)).astype(np.float32)
