"""The ISCA'16 dataflow comparison: RS vs weight stationary (WS), output stationary (OS), no local reuse (NLR).

Chen, Emer, Sze, ISCA 2016, Sec. VI: every dataflow runs on the same spatial array (256 PEs) with the
same total storage ``256 × 512 B RF + 128 KB GLB = 256 KB``; NLR has no RF and gets all of it as GLB.
Energy is counted with the paper's analysis framework in normalized units (ALU 1, RF 1, array 2,
GLB 6, DRAM 200): a datum used ``a·b·c·d`` times costs ``a`` DRAM, ``a·b`` GLB, ``a·b·c`` array and
``a·b·c·d`` RF accesses; a psum accumulated ``a·b·c·d`` times costs ``2a−1`` DRAM, ``2a(b−1)`` GLB,
``ab(c−1)`` array, ``2abc(d−1)`` RF accesses. Each dataflow's reuse factors follow from its mapping:

* **RS**: :func:`accelsim.dataflow.row_stationary.search_mapping` on a 16 × 16 array with 224/12/24-word
  spads (≈ 512 B) and a 64 K-word GLB;
* **WS** (nn-X, NeuFlow): each PE holds one weight; the array holds ``Kt`` filters × ``CRSt`` reduction
  elements (``Kt·CRSt ≤ 256``). Weights: RF reuse over a whole output block (c = 1). Ifmaps: one GLB read
  multicast to the ``Kt`` PEs that need it, used once per delivery (d = 1). Psums: spatial accumulation over
  ``CRSt`` PEs (c), then read-modify-write in the GLB for every further ``CRSt`` (b = ceil(CRS/CRSt));
* **OS** (ShiDianNao-like): each PE accumulates one output in its RF (d = C·R·S). The array holds ``Kt``
  filters × ``Xt`` output pixels (an ``xr × xc`` tile); a weight is read once from the GLB and delivered
  to the ``Xt`` PEs of its filter; ifmaps are read once per pixel tile, filter tile and channel (the
  tile's input window) and then forwarded between neighbouring PEs (one array hop per use);
* **NLR** (DianNao-like): no RF. Weights are unicast from the GLB for every MAC, ifmaps multicast to
  ``Kt`` PEs, psums reduced over ``CRSt`` PEs (adder tree, array) then accumulated in the GLB.

DRAM (all but RS, which has its own strip/filter-group loop): outputs are processed in blocks of ``nt``
images × ``et`` output rows; the block's ifmap rows (all channels) stay in the GLB with the block's psums
of one filter tile (WS, NLR) — ifmaps come from DRAM once (plus halo rows), weights once per block,
outputs are written once. When no block fits, ifmaps are streamed once per filter tile.
Dense data, no compression, no zero gating (as in the paper's comparison).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from accelsim.dataflow.row_stationary import (
    NORMALIZED_COST,
    ConvShape,
    RSHardware,
    conv_shape,
    search_mapping,
)
from accelsim.errors import AccelsimInputError
from accelsim.workload import Network

DATAFLOWS: tuple[str, ...] = ("RS", "WS", "OS", "NLR")
LEVELS: tuple[str, ...] = ("alu", "rf", "array", "glb", "dram")


@dataclass(frozen=True)
class ComparisonHardware:
    """The ISCA'16 iso-area setup (words are 16-bit)."""

    pes: int = 256
    array_side: int = 16
    rf_bytes_per_pe: int = 512
    glb_bytes: int = 128 * 1024
    word_bytes: int = 2

    @property
    def total_storage_bytes(self) -> int:
        return self.pes * self.rf_bytes_per_pe + self.glb_bytes

    def glb_words(self, dataflow: str) -> int:
        total = self.glb_bytes if dataflow != "NLR" else self.total_storage_bytes
        return total // self.word_bytes


def _cdiv(a, b):
    return -(-a // b)


def _blocks(shape: ConvShape, glb_words: int, psum_tile_words_per_out: np.ndarray, staging: int):
    """DRAM traffic of the output-block loop for every candidate (vectorized over the filter tile).

    Returns (dram_weights, dram_ifmaps) minimized per candidate over (nt, et, resident).
    """
    s = shape
    best_w = np.full(psum_tile_words_per_out.shape, np.inf)
    best_i = np.full(psum_tile_words_per_out.shape, np.inf)
    best_e = np.full(psum_tile_words_per_out.shape, np.inf)
    for nt in range(1, s.N + 1):
        for et in np.unique(_cdiv(s.E, np.arange(1, s.E + 1))):
            et = int(_cdiv(s.E, et))
            rows = min((et - 1) * s.Uh + (s.R - 1) * s.dh + 1, s.H)
            blocks = _cdiv(s.N, nt) * _cdiv(s.E, et)
            ifm_block = nt * s.G * s.Cg * rows * s.W
            fp = ifm_block + psum_tile_words_per_out * nt * et * s.F + staging
            fits = fp <= glb_words
            dw = float(s.weights) * blocks
            di = float(s.N * s.G * s.Cg * s.W) * rows * _cdiv(s.E, et)
            energy = (dw + di) * NORMALIZED_COST["dram"]
            better = fits & (energy < best_e)
            best_e = np.where(better, energy, best_e)
            best_w = np.where(better, dw, best_w)
            best_i = np.where(better, di, best_i)
    return best_w, best_i


def _tiles(total: int, upper: int) -> np.ndarray:
    vals = np.arange(1, min(total, upper) + 1)
    return np.unique(_cdiv(total, _cdiv(total, vals)))


def _pick(parts: dict[str, np.ndarray]) -> dict[str, float]:
    total = sum(parts[k] * NORMALIZED_COST[k] for k in LEVELS)
    i = int(np.argmin(total))
    return {k: float(np.broadcast_to(parts[k], total.shape)[i] * NORMALIZED_COST[k]) for k in LEVELS}


def ws_energy(shape: ConvShape, hw: ComparisonHardware) -> dict[str, float]:
    """Weight stationary, normalized energy per level for the best (Kt, CRSt, block)."""
    s = shape
    M, n_out = float(s.macs), float(s.outputs)
    crs = s.Cg * s.R * s.S
    kt = _tiles(s.Kg, hw.pes)
    crst = np.minimum(hw.pes // kt, crs)
    b = _cdiv(crs, crst)
    dram_w, dram_i = _blocks(s, hw.glb_words("WS"), kt, 2 * hw.pes)
    fallback = ~np.isfinite(dram_w)
    dram_w = np.where(fallback, float(s.weights) * s.N * s.E, dram_w)
    dram_i = np.where(fallback, float(s.inputs) * _cdiv(s.Kg, kt), dram_i)
    parts = {
        "alu": np.full(kt.shape, M),
        "rf": np.full(kt.shape, 2 * M),  # weight read + ifmap read per MAC (d = 1 for ifmaps); psum d = 1
        "array": dram_w + M + n_out * b * (crst - 1),  # weight fills, ifmap deliveries, psum hops
        "glb": dram_w + M / kt + 2 * n_out * (b - 1),
        "dram": dram_w + dram_i + n_out,
    }
    return _pick(parts)


def os_energy(shape: ConvShape, hw: ComparisonHardware) -> dict[str, float]:
    """Output stationary (psum in the PE RF), best (Kt, xr × xc pixel tile, block)."""
    s = shape
    M, n_out = float(s.macs), float(s.outputs)
    out = []
    for kt in _tiles(s.Kg, hw.pes):
        xt_max = hw.pes // kt
        for xr in _tiles(s.E, xt_max):
            xc = min(s.F, xt_max // xr)
            if xc < 1:
                continue
            in_area = ((xr - 1) * s.Uh + (s.R - 1) * s.dh + 1) * ((xc - 1) * s.Uw + (s.S - 1) * s.dw + 1)
            tiles = s.N * _cdiv(s.E, xr) * _cdiv(s.F, xc)
            glb_ifmap = float(tiles * s.G * _cdiv(s.Kg, kt) * s.Cg * in_area)
            out.append((kt, xr * xc, glb_ifmap))
    kt = np.array([o[0] for o in out])
    xt = np.array([o[1] for o in out], dtype=float)
    glb_ifmap = np.array([o[2] for o in out])
    dram_w, dram_i = _blocks(s, hw.glb_words("OS"), np.zeros_like(kt), 2 * hw.pes)
    fallback = ~np.isfinite(dram_w)
    dram_w = np.where(fallback, float(s.weights) * s.N * s.E, dram_w)
    dram_i = np.where(fallback, float(s.inputs) * _cdiv(s.Kg, kt), dram_i)
    parts = {
        "alu": np.full(kt.shape, M),
        "rf": 2 * M + 2 * (M - n_out),  # weight + ifmap read per use; psum 2·(d − 1) per output
        "array": 2 * M,  # every weight and ifmap use arrives over the array (broadcast / neighbour)
        "glb": dram_w + M / xt + glb_ifmap,
        "dram": dram_w + dram_i + n_out,
    }
    return _pick(parts)


def nlr_energy(shape: ConvShape, hw: ComparisonHardware) -> dict[str, float]:
    """No local reuse: weights unicast per MAC from the GLB; no RF."""
    s = shape
    M, n_out = float(s.macs), float(s.outputs)
    crs = s.Cg * s.R * s.S
    kt = _tiles(s.Kg, hw.pes)
    crst = np.minimum(hw.pes // kt, crs)
    b = _cdiv(crs, crst)
    dram_w, dram_i = _blocks(s, hw.glb_words("NLR"), kt, 0)
    fallback = ~np.isfinite(dram_w)
    dram_w = np.where(fallback, float(s.weights) * s.N * s.E, dram_w)
    dram_i = np.where(fallback, float(s.inputs) * _cdiv(s.Kg, kt), dram_i)
    parts = {
        "alu": np.full(kt.shape, M),
        "rf": np.zeros(kt.shape),
        "array": 2 * M + n_out * b * (crst - 1),
        "glb": M + M / kt + 2 * n_out * (b - 1),
        "dram": dram_w + dram_i + n_out,
    }
    return _pick(parts)


def rs_energy(shape: ConvShape, hw: ComparisonHardware) -> dict[str, float]:
    """Row stationary on the same 256 PEs (16 × 16), ≈ 512 B of spads per PE, 128 KB GLB."""
    rs_hw = RSHardware(
        array_rows=hw.array_side,
        array_cols=hw.array_side,
        glb_words=hw.glb_words("RS"),
    )
    _, cost = search_mapping(shape, rs_hw, "energy", zero_gating=False)
    return dict(cost.energy_norm)


_EVAL = {"RS": rs_energy, "WS": ws_energy, "OS": os_energy, "NLR": nlr_energy}


@dataclass(frozen=True)
class DataflowRow:
    dataflow: str
    energy_by_level: dict[str, float]
    macs: int

    @property
    def energy(self) -> float:
        return float(sum(self.energy_by_level.values()))

    @property
    def energy_per_mac(self) -> float:
        return self.energy / self.macs


def compare_dataflows(
    network: Network, batch: int = 16, hw: ComparisonHardware | None = None, conv_only: bool = True
) -> list[DataflowRow]:
    """Normalized energy of every dataflow on the network's CONV (or all MAC) layers."""
    if batch < 1:
        raise AccelsimInputError("batch", f"must be >= 1, got {batch}")
    hw = hw or ComparisonHardware()
    net = network.with_batch(batch)
    ops = ("conv2d", "depthwise_conv2d") if conv_only else ("conv2d", "depthwise_conv2d", "fc", "matmul")
    layers = [layer for layer in net.layers if layer.op in ops]
    if not layers:
        raise AccelsimInputError("network", f"{network.name} has no {'/'.join(ops)} layers")
    rows = []
    for name in DATAFLOWS:
        acc = dict.fromkeys(LEVELS, 0.0)
        for layer in layers:
            for k, v in _EVAL[name](conv_shape(layer), hw).items():
                acc[k] += v
        rows.append(DataflowRow(name, acc, sum(layer.macs for layer in layers)))
    return rows
