"""Readers for SCALE-Sim (v3.0.0) input files: topology CSV and ``.cfg`` config.

The readers accept exactly the files SCALE-Sim 3.0.0's own parsers accept (``topology_utils.topologies``
and ``scale_config.scale_config``) and read them the same way, with one deliberate difference: where
SCALE-Sim would misread a file, warn and carry on, or crash later, we raise
:class:`~accelsim.errors.AccelsimInputError` naming the file, the line and the allowed values.

Topology CSV (conv, SCALE-Sim's default ``-i conv``)::

    Layer name, IFMAP Height, IFMAP Width, Filter Height, Filter Width, Channels, Num Filter, Strides,
    conv1, 224, 224, 7, 7, 3, 64, 2,

* the first line is a header and is skipped whatever it holds; blank lines are skipped;
* SCALE-Sim drops the last comma-separated field of every row (``row.split(',')[:-1]``), so every row
  needs its trailing comma: without it the stride is lost and SCALE-Sim crashes (IndexError, checked
  with the real tool). An optional 9th field ``N:M`` is the structured-sparsity ratio (default 1:1);
* one stride for both directions; each value is parsed with Python ``int()``;
* SCALE-Sim asserts Filter Height <= IFMAP Height and Filter Width <= IFMAP Width. Zero or negative
  sizes pass its parser but crash its simulator: we reject them;
* a layer whose name contains ``DP`` (case-sensitive) is depthwise: SCALE-Sim replaces it by
  ``Channels`` layers named ``<name>Channel_<i>`` with one channel each (Num Filter unchanged). The
  reader returns that expanded list, i.e. exactly the layers SCALE-Sim simulates and reports.

GEMM topology (``-i gemm``): header skipped, rows ``name, M, N, K[, N:M],`` (trailing comma needed
too). SCALE-Sim turns each into a conv with IFMAP M×K, filter 1×K, 1 channel, N filters, stride 1.

Output size: SCALE-Sim has no padding and uses ``ofmap = ceil((H − R + s)/s)``, which exceeds the usual
``floor((H − R)/s) + 1`` by one whenever ``(H − R) mod s != 0``. The SCALE-Sim shape stays available
as :attr:`ScaleSimLayer.ofmap_h` / ``ofmap_w`` / :meth:`ScaleSimLayer.gemm`, and on every layer of
:func:`to_network`'s result as ``layer.scalesim``.
"""

from __future__ import annotations

import configparser
import math
from pathlib import Path
from typing import Literal, NamedTuple

from pydantic import Field

from accelsim.errors import AccelsimInputError
from accelsim.workload import Layer, Network, StrictModel

Dataflow = Literal["os", "ws", "is"]
DATAFLOWS: tuple[str, ...] = ("os", "ws", "is")
InputType = Literal["conv", "gemm"]

CONV_COLUMNS: tuple[str, ...] = (
    "Layer name",
    "IFMAP Height",
    "IFMAP Width",
    "Filter Height",
    "Filter Width",
    "Channels",
    "Num Filter",
    "Strides",
)
GEMM_COLUMNS: tuple[str, ...] = ("Layer", "M", "N", "K")


class SpatioTemporal(NamedTuple):
    """SCALE-Sim's mapping of a layer on the array: rows Sr, columns Sc, streamed length T."""

    Sr: int
    Sc: int
    T: int


class ScaleSimGemm(NamedTuple):
    """A layer as SCALE-Sim sees it: [M×K]·[K×N], M = ofmap pixels, N = filters, K = R·S·C."""

    M: int
    N: int
    K: int


class ScaleSimLayer(StrictModel):
    """One layer as SCALE-Sim 3.0.0 simulates it (after its depthwise 'DP' expansion)."""

    name: str = Field(description="layer name as SCALE-Sim reports it (DP layers: '<name>Channel_<i>')")
    ifmap_h: int = Field(ge=1, description="IFMAP Height H (gemm: M)")
    ifmap_w: int = Field(ge=1, description="IFMAP Width W (gemm: K)")
    filter_h: int = Field(ge=1, description="Filter Height R (gemm: 1)")
    filter_w: int = Field(ge=1, description="Filter Width S (gemm: K)")
    channels: int = Field(ge=1, description="Channels C (gemm: 1; DP layers: 1)")
    num_filters: int = Field(ge=1, description="Num Filter (gemm: N)")
    stride_h: int = Field(ge=1, description="stride in height (SCALE-Sim conv rows: the single 'Strides')")
    stride_w: int = Field(ge=1, description="stride in width (always equal to stride_h from a CSV)")
    sparsity_n: int = Field(1, ge=1, description="N of the N:M structured-sparsity ratio (default 1:1)")
    sparsity_m: int = Field(1, ge=1, description="M of the N:M structured-sparsity ratio (default 1:1)")
    source_name: str = Field(description="name in the file (differs from name for expanded DP layers)")
    line: int = Field(ge=1, description="1-based line of the topology file this layer comes from")
    input_type: InputType = Field("conv", description="topology format the layer was read from")

    @property
    def ofmap_h(self) -> int:
        """SCALE-Sim output height ceil((H − R + s)/s) (no padding)."""
        return math.ceil((self.ifmap_h - self.filter_h + self.stride_h) / self.stride_h)

    @property
    def ofmap_w(self) -> int:
        """SCALE-Sim output width ceil((W − S + s)/s) (no padding)."""
        return math.ceil((self.ifmap_w - self.filter_w + self.stride_w) / self.stride_w)

    @property
    def num_ofmap_px(self) -> int:
        """Output pixels per filter, ofmap_h · ofmap_w."""
        return self.ofmap_h * self.ofmap_w

    @property
    def window_size(self) -> int:
        """Reduction length R · S · C."""
        return self.filter_h * self.filter_w * self.channels

    @property
    def num_macs(self) -> int:
        """SCALE-Sim's MAC count ofmap_h · ofmap_w · R · S · C · K."""
        return self.num_ofmap_px * self.window_size * self.num_filters

    def gemm(self) -> ScaleSimGemm:
        """M = ofmap pixels, N = filters, K = R·S·C (SCALE-Sim shape, ceil output convention)."""
        return ScaleSimGemm(M=self.num_ofmap_px, N=self.num_filters, K=self.window_size)

    def spatio_temporal(self, dataflow: str) -> SpatioTemporal:
        """(Sr, Sc, T) as ``topologies.calc_spatio_temporal_params``: os (M, N, K), ws (K, N, M), is (K, M, N)."""
        g = self.gemm()
        if dataflow == "os":
            return SpatioTemporal(g.M, g.N, g.K)
        if dataflow == "ws":
            return SpatioTemporal(g.K, g.N, g.M)
        if dataflow == "is":
            return SpatioTemporal(g.K, g.M, g.N)
        raise AccelsimInputError("dataflow", f"unknown value {dataflow!r}; allowed: {', '.join(DATAFLOWS)}")


class ScaleSimNetworkLayer(Layer):
    """An accelsim :class:`Layer` that remembers the SCALE-Sim layer it was made from."""

    scalesim: ScaleSimLayer = Field(description="the SCALE-Sim layer (its own shape and output size)")


class ScaleSimConfig(StrictModel):
    """A SCALE-Sim 3.0.0 ``.cfg`` file, field by field as ``scale_config.read_conf_file`` reads it."""

    path: str = Field("", description="file it was read from")
    run_name: str = Field(description="[general] run_name: SCALE-Sim's report folder name")
    interface_bandwidth: Literal["USER", "CALC"] = Field(
        description="[run_presets] InterfaceBandwidth: USER (finite DRAM bandwidth) or CALC (estimate it)"
    )
    use_ramulator_trace: bool = Field(description="[run_presets] UseRamulatorTrace == 'True'")
    array_height: int = Field(ge=1, description="[architecture_presets] ArrayHeight: PE rows")
    array_width: int = Field(ge=1, description="[architecture_presets] ArrayWidth: PE columns")
    ifmap_sram_kb: int = Field(ge=1, description="IfmapSramSzkB: ifmap SRAM size, kB (double-buffered)")
    filter_sram_kb: int = Field(ge=1, description="FilterSramSzkB: filter SRAM size, kB (double-buffered)")
    ofmap_sram_kb: int = Field(ge=1, description="OfmapSramSzkB: ofmap SRAM size, kB (double-buffered)")
    ifmap_offset: int = Field(ge=0, description="IfmapOffset: base address of the ifmap")
    filter_offset: int = Field(ge=0, description="FilterOffset: base address of the filters")
    ofmap_offset: int = Field(ge=0, description="OfmapOffset: base address of the ofmap")
    dataflow: Dataflow = Field(description="Dataflow: os, ws or is")
    read_request_buffer: int = Field(ge=1, description="ReadRequestBuffer entries")
    write_request_buffer: int = Field(ge=1, description="WriteRequestBuffer entries")
    bandwidths: list[int] = Field(
        default_factory=list,
        description="Bandwidth (words/cycle, comma list), read only in USER mode: bws[0] is the ofmap one",
    )
    ifmap_custom_layout: bool = Field(description="[layout] IfmapCustomLayout")
    filter_custom_layout: bool = Field(description="[layout] FilterCustomLayout")
    ifmap_sram_bank_bandwidth: int = Field(
        ge=1, description="[layout] IfmapSRAMBankBandwidth (USER mode: ifmap backing bandwidth, words/cycle)"
    )
    ifmap_sram_bank_num: int = Field(ge=1, description="[layout] IfmapSRAMBankNum")
    ifmap_sram_bank_port: int = Field(ge=1, description="[layout] IfmapSRAMBankPort")
    filter_sram_bank_bandwidth: int = Field(
        ge=1, description="[layout] FilterSRAMBankBandwidth (USER mode: filter backing bandwidth)"
    )
    filter_sram_bank_num: int = Field(ge=1, description="[layout] FilterSRAMBankNum")
    filter_sram_bank_port: int = Field(ge=1, description="[layout] FilterSRAMBankPort")
    sparsity_support: bool = Field(description="[sparsity] SparsitySupport (lower-cased == 'true')")
    sparse_rep: str = Field("", description="[sparsity] SparseRep (read when sparsity is on)")
    optimized_mapping: bool = Field(False, description="[sparsity] OptimizedMapping")
    block_size: int = Field(4, ge=1, description="[sparsity] BlockSize (read when OptimizedMapping)")
    rng_seed: int = Field(40, description="[sparsity] RandomNumberGeneratorSeed")
    topology_csv: str = Field("", description="TopologyCsvLoc (only when a [network_presets] section exists)")

    @property
    def use_user_bandwidth(self) -> bool:
        """True in USER mode (finite bandwidth, stalls possible); False in CALC mode (no stalls)."""
        return self.interface_bandwidth == "USER"


# ---- topology ----------------------------------------------------------------------------------


def _where(path: Path, line: int, column: str | None = None) -> str:
    return f"{path}, line {line}" + (f", column {column!r}" if column else "")


def _int(text: str, path: Path, line: int, column: str) -> int:
    """Python int() as SCALE-Sim uses it, then >= 1 (zero/negative sizes crash SCALE-Sim later)."""
    try:
        value = int(text.strip())
    except ValueError:
        raise AccelsimInputError(
            "topology", f"{_where(path, line, column)}: {text.strip()!r} is not an integer"
        ) from None
    if value < 1:
        raise AccelsimInputError("topology", f"{_where(path, line, column)}: must be >= 1, got {value}")
    return value


def _sparsity(text: str, path: Path, line: int) -> tuple[int, int]:
    parts = text.strip().split(":")
    if len(parts) < 2:
        raise AccelsimInputError(
            "topology", f"{_where(path, line, 'sparsity')}: expected N:M such as 2:4, got {text.strip()!r}"
        )
    return _int(parts[0], path, line, "sparsity N"), _int(parts[1], path, line, "sparsity M")


def _rows(path: Path) -> list[tuple[int, list[str]]]:
    """(line number, fields without the last one) for every data row, as SCALE-Sim splits them."""
    try:
        text = path.read_text()
    except OSError as exc:
        raise AccelsimInputError("topology", f"cannot read {path}: {exc.strerror}") from None
    rows = []
    for number, raw in enumerate(text.split("\n"), start=1):  # read_text: universal newlines
        row = raw.strip()
        if number == 1 or row == "":
            continue
        rows.append((number, row.split(",")[:-1]))
    return rows


def _conv_layers(path: Path, number: int, elems: list[str]) -> list[ScaleSimLayer]:
    if len(elems) < 8:
        raise AccelsimInputError(
            "topology",
            f"{_where(path, number)}: expected {len(CONV_COLUMNS)} fields each followed by a comma "
            f"({', '.join(CONV_COLUMNS)},) — SCALE-Sim drops the last field of a row, so the trailing "
            f"comma is required; got {len(elems)} field(s) before the last comma",
        )
    if len(elems) > 9:
        raise AccelsimInputError(
            "topology",
            f"{_where(path, number)}: at most 9 fields (the 8 columns and an optional N:M sparsity "
            f"ratio); got {len(elems)}",
        )
    values = {c: _int(elems[i], path, number, c) for i, c in enumerate(CONV_COLUMNS) if i > 0}
    sp_n, sp_m = _sparsity(elems[8], path, number) if len(elems) == 9 else (1, 1)
    name = elems[0].strip()
    h, w, r, s = (values[c] for c in CONV_COLUMNS[1:5])
    if r > h or s > w:
        what = "Filter Height" if r > h else "Filter Width"
        raise AccelsimInputError(
            "topology", f"{_where(path, number, what)}: filter {r}x{s} is larger than the IFMAP {h}x{w}"
        )
    common = dict(
        ifmap_h=h,
        ifmap_w=w,
        filter_h=r,
        filter_w=s,
        num_filters=values["Num Filter"],
        stride_h=values["Strides"],
        stride_w=values["Strides"],
        sparsity_n=sp_n,
        sparsity_m=sp_m,
        source_name=name,
        line=number,
        input_type="conv",
    )
    if "DP" in name:
        return [
            ScaleSimLayer(name=f"{name}Channel_{i}", channels=1, **common) for i in range(values["Channels"])
        ]
    return [ScaleSimLayer(name=name, channels=values["Channels"], **common)]


def _gemm_layer(path: Path, number: int, elems: list[str]) -> ScaleSimLayer:
    if len(elems) < 4:
        raise AccelsimInputError(
            "topology",
            f"{_where(path, number)}: expected 'name, M, N, K,' each followed by a comma (the trailing "
            f"comma is required); got {len(elems)} field(s) before the last comma",
        )
    m, n, k = (_int(elems[i], path, number, c) for i, c in ((1, "M"), (2, "N"), (3, "K")))
    sp_n, sp_m = _sparsity(elems[4], path, number) if len(elems) > 4 else (1, 1)
    name = elems[0].strip()
    return ScaleSimLayer(
        name=name,
        ifmap_h=m,
        ifmap_w=k,
        filter_h=1,
        filter_w=k,
        channels=1,
        num_filters=n,
        stride_h=1,
        stride_w=1,
        sparsity_n=sp_n,
        sparsity_m=sp_m,
        source_name=name,
        line=number,
        input_type="gemm",
    )


def read_topology(path: str | Path, input_type: InputType = "conv") -> list[ScaleSimLayer]:
    """Read a SCALE-Sim topology CSV (``input_type`` 'conv', or 'gemm' = SCALE-Sim's ``-i gemm``).

    Returns the layers SCALE-Sim simulates, in its order (depthwise 'DP' rows expanded per channel).
    """
    path = Path(path)
    if input_type not in ("conv", "gemm"):
        raise AccelsimInputError("input_type", f"unknown value {input_type!r}; allowed: conv, gemm")
    layers: list[ScaleSimLayer] = []
    for number, elems in _rows(path):
        if input_type == "gemm":
            layers.append(_gemm_layer(path, number, elems))
        else:
            layers.extend(_conv_layers(path, number, elems))
    if not layers:
        raise AccelsimInputError("topology", f"{path}: no layer rows after the header line")
    return layers


def to_network(layers: list[ScaleSimLayer], name: str, pad_to_scalesim: bool = False) -> Network:
    """An accelsim :class:`Network` of the SCALE-Sim layers (batch 1, no padding).

    Conv rows become ``conv2d`` layers (a 'DP' row's per-channel layers stay separate conv2d layers
    with one channel, as SCALE-Sim simulates them); GEMM rows become ``matmul`` layers with
    in_h = M, in_channels = K, out_channels = N. Each layer is a :class:`ScaleSimNetworkLayer` carrying
    its SCALE-Sim layer as ``.scalesim``.

    accelsim's output size is floor((H − R)/s) + 1; SCALE-Sim's is ceil((H − R + s)/s), one more when
    (H − R) mod s != 0. With ``pad_to_scalesim`` the missing rows/columns are added as bottom/right
    zero padding, ``s·(P_scalesim − 1) + R − H``, so that P, Q, MACs and the GEMM shape equal
    SCALE-Sim's. Duplicate names (SCALE-Sim allows them) get a ``#<n>`` suffix.
    """
    if not layers:
        raise AccelsimInputError("layers", "at least one SCALE-Sim layer is needed")
    seen: dict[str, int] = {}
    out: list[Layer] = []
    for ss in layers:
        count = seen.get(ss.name, 0) + 1
        seen[ss.name] = count
        lname = ss.name if count == 1 else f"{ss.name}#{count}"
        if ss.input_type == "gemm":
            out.append(
                ScaleSimNetworkLayer(
                    name=lname,
                    op="matmul",
                    in_h=ss.ifmap_h,
                    in_channels=ss.ifmap_w,
                    out_channels=ss.num_filters,
                    scalesim=ss,
                )
            )
            continue
        pad_b = pad_r = 0
        if pad_to_scalesim:
            pad_b = ss.stride_h * (ss.ofmap_h - 1) + ss.filter_h - ss.ifmap_h
            pad_r = ss.stride_w * (ss.ofmap_w - 1) + ss.filter_w - ss.ifmap_w
        out.append(
            ScaleSimNetworkLayer(
                name=lname,
                op="conv2d",
                in_h=ss.ifmap_h,
                in_w=ss.ifmap_w,
                kernel_h=ss.filter_h,
                kernel_w=ss.filter_w,
                in_channels=ss.channels,
                out_channels=ss.num_filters,
                stride=(ss.stride_h, ss.stride_w),
                padding=(0, pad_b, 0, pad_r),
                scalesim=ss,
            )
        )
    return Network(
        name=name,
        source=f"SCALE-Sim 3.0.0 {layers[0].input_type} topology (no padding)",
        layers=out,
    )


# ---- config ------------------------------------------------------------------------------------


def _line_of(text: str, section: str, key: str) -> int | None:
    """1-based line of ``key`` inside ``[section]`` (option names are case-insensitive), if present."""
    current = None
    for number, raw in enumerate(text.splitlines(), start=1):
        line = raw.strip()
        if line.startswith("[") and line.endswith("]"):
            current = line[1:-1]
        elif current == section:
            for sep in ("=", ":"):
                if sep in line and line.split(sep, 1)[0].strip().lower() == key.lower():
                    return number
    return None


class _Cfg:
    """configparser (as SCALE-Sim uses it) plus error messages that name the file, line and key."""

    def __init__(self, path: Path) -> None:
        self.path = path
        try:
            self.text = path.read_text()
        except OSError as exc:
            raise AccelsimInputError("config", f"cannot read {path}: {exc.strerror}") from None
        self.parser = configparser.ConfigParser()
        try:
            self.parser.read_string(self.text, source=str(path))
        except configparser.Error as exc:
            msg = " ".join(str(exc).split())
            raise AccelsimInputError("config", f"{path}: malformed config: {msg}") from None

    def where(self, section: str, key: str) -> str:
        line = _line_of(self.text, section, key)
        return f"{self.path}, line {line}, [{section}] {key}" if line else f"{self.path}, [{section}] {key}"

    def get(self, section: str, key: str) -> str:
        if not self.parser.has_section(section):
            raise AccelsimInputError("config", f"{self.path}: missing section [{section}] (needs {key})")
        if not self.parser.has_option(section, key):
            raise AccelsimInputError("config", f"{self.path}: [{section}] is missing the key {key}")
        try:
            return self.parser.get(section, key)
        except configparser.Error as exc:
            msg = " ".join(str(exc).split())
            raise AccelsimInputError("config", f"{self.where(section, key)}: {msg}") from None

    def int(self, section: str, key: str, minimum: int = 1) -> int:
        text = self.get(section, key)
        try:
            value = int(text)
        except ValueError:
            raise AccelsimInputError(
                "config", f"{self.where(section, key)}: {text!r} is not an integer"
            ) from None
        if value < minimum:
            raise AccelsimInputError(
                "config", f"{self.where(section, key)}: must be >= {minimum}, got {value}"
            )
        return value

    def boolean(self, section: str, key: str) -> bool:
        text = self.get(section, key)
        try:
            return self.parser.getboolean(section, key)
        except ValueError:
            raise AccelsimInputError(
                "config",
                f"{self.where(section, key)}: {text!r} is not a boolean; allowed: true/false, yes/no, on/off, 1/0",
            ) from None

    def choice(self, section: str, key: str, allowed: tuple[str, ...]) -> str:
        text = self.get(section, key)
        if text not in allowed:
            raise AccelsimInputError(
                "config", f"{self.where(section, key)}: unknown value {text!r}; allowed: {', '.join(allowed)}"
            )
        return text


def read_config(path: str | Path) -> ScaleSimConfig:
    """Read a SCALE-Sim 3.0.0 ``.cfg`` (configparser; keys case-insensitive, ``=`` or ``:``).

    Required, as SCALE-Sim requires them: [general] run_name; [run_presets] InterfaceBandwidth (USER or
    CALC), UseRamulatorTrace; [architecture_presets] ArrayHeight, ArrayWidth, IfmapSramSzkB,
    FilterSramSzkB, OfmapSramSzkB, IfmapOffset, FilterOffset, OfmapOffset, Dataflow, ReadRequestBuffer,
    WriteRequestBuffer, and Bandwidth in USER mode; [layout] IfmapCustomLayout, FilterCustomLayout,
    {Ifmap,Filter}SRAMBank{Bandwidth,Num,Port}; [sparsity] SparsitySupport (+ SparseRep,
    OptimizedMapping, RandomNumberGeneratorSeed when on, BlockSize when OptimizedMapping).

    Differences, all stricter: an unknown Dataflow (SCALE-Sim warns and runs os) and an
    InterfaceBandwidth other than USER/CALC (SCALE-Sim leaves its config invalid) are errors; sizes,
    bandwidths and bank counts must be >= 1; in USER mode an SRAM bank bandwidth that is not a multiple
    of its bank count (SCALE-Sim asserts while simulating) is rejected here. As in SCALE-Sim, a [network_presets] section makes it read
    TopologyCsvLoc (a double-quoted path) from [architecture_presets].
    """
    path = Path(path)
    cfg = _Cfg(path)
    arch, lay, run, spa = "architecture_presets", "layout", "run_presets", "sparsity"
    values: dict = {"path": str(path), "run_name": cfg.get("general", "run_name")}
    values["interface_bandwidth"] = cfg.choice(run, "InterfaceBandwidth", ("USER", "CALC"))
    values["use_ramulator_trace"] = cfg.get(run, "UseRamulatorTrace") == "True"
    values["array_height"] = cfg.int(arch, "ArrayHeight")
    values["array_width"] = cfg.int(arch, "ArrayWidth")
    values["ifmap_sram_kb"] = cfg.int(arch, "IfmapSramSzkB")
    values["filter_sram_kb"] = cfg.int(arch, "FilterSramSzkB")
    values["ofmap_sram_kb"] = cfg.int(arch, "OfmapSramSzkB")
    values["ifmap_offset"] = cfg.int(arch, "IfmapOffset", minimum=0)
    values["filter_offset"] = cfg.int(arch, "FilterOffset", minimum=0)
    values["ofmap_offset"] = cfg.int(arch, "OfmapOffset", minimum=0)
    values["dataflow"] = cfg.choice(arch, "Dataflow", DATAFLOWS)
    values["read_request_buffer"] = cfg.int(arch, "ReadRequestBuffer")
    values["write_request_buffer"] = cfg.int(arch, "WriteRequestBuffer")
    values["ifmap_custom_layout"] = cfg.boolean(lay, "IfmapCustomLayout")
    values["filter_custom_layout"] = cfg.boolean(lay, "FilterCustomLayout")
    for op in ("Ifmap", "Filter"):
        for what in ("Bandwidth", "Num", "Port"):
            values[f"{op.lower()}_sram_bank_{what.lower()}"] = cfg.int(lay, f"{op}SRAMBank{what}")
    if values["interface_bandwidth"] == "USER":
        text = cfg.get(arch, "Bandwidth")
        try:
            values["bandwidths"] = [int(x.strip()) for x in text.strip().split(",")]
        except ValueError:
            raise AccelsimInputError(
                "config", f"{cfg.where(arch, 'Bandwidth')}: expected comma-separated integers, got {text!r}"
            ) from None
        if min(values["bandwidths"]) < 1:
            raise AccelsimInputError("config", f"{cfg.where(arch, 'Bandwidth')}: must be >= 1, got {text!r}")
        for op in ("Ifmap", "Filter"):  # SCALE-Sim's read_buffer asserts this in USER mode
            bw, banks = values[f"{op.lower()}_sram_bank_bandwidth"], values[f"{op.lower()}_sram_bank_num"]
            if bw % banks:
                raise AccelsimInputError(
                    "config",
                    f"{cfg.where(lay, f'{op}SRAMBankBandwidth')}: {bw} must be a multiple of "
                    f"{op}SRAMBankNum {banks} in USER mode",
                )
    if cfg.parser.has_section("network_presets"):
        loc = cfg.get(arch, "TopologyCsvLoc")
        if loc.count('"') < 2:
            raise AccelsimInputError(
                "config", f"{cfg.where(arch, 'TopologyCsvLoc')}: expected a double-quoted path, got {loc!r}"
            )
        values["topology_csv"] = loc.split('"')[1]
    values["sparsity_support"] = cfg.get(spa, "SparsitySupport").lower() == "true"
    if values["sparsity_support"]:
        values["sparse_rep"] = cfg.get(spa, "SparseRep")
        values["optimized_mapping"] = cfg.get(spa, "OptimizedMapping").lower() == "true"
        if values["optimized_mapping"]:
            values["block_size"] = cfg.int(spa, "BlockSize")
            if values["block_size"] > values["array_height"]:
                raise AccelsimInputError(
                    "config",
                    f"{cfg.where(spa, 'BlockSize')}: must be <= ArrayHeight {values['array_height']}",
                )
        values["rng_seed"] = cfg.int(spa, "RandomNumberGeneratorSeed", minimum=-(2**63))
    return ScaleSimConfig(**values)


def to_topology_rows(network: Network) -> list[list[str | int]]:
    """SCALE-Sim conv-format rows for every MAC layer of ``network`` (one image).

    SCALE-Sim has no padding and computes outputs as ceil((H − R + s)/s), so each layer is written with the
    input size (P − 1)·s + R (and likewise for W): the output size and MAC count then equal accelsim's under
    both conventions. fc layers become 1×1 convs on a 1×1 input; matmuls a 1×1 conv on an M×1 input; a
    depthwise conv a 'DP' row (SCALE-Sim expands it per channel); other grouped convs one row per group
    (``<name>_g<i>``). Dilation and batches above 1 have no SCALE-Sim form and are errors.
    """
    rows: list[list[str | int]] = []
    for layer in network.mac_layers():
        if layer.batch != 1:
            raise AccelsimInputError(
                "batch", f"SCALE-Sim topologies are per image; layer {layer.name!r} has batch {layer.batch}"
            )
        if layer.dilation != (1, 1):
            raise AccelsimInputError(
                "dilation", f"SCALE-Sim has no dilation; layer {layer.name!r} has {layer.dilation}"
            )
        if layer.stride[0] != layer.stride[1]:
            raise AccelsimInputError(
                "stride", f"SCALE-Sim has one stride; layer {layer.name!r} has {layer.stride}"
            )
        s = layer.stride[0]
        h = (layer.P - 1) * s + layer.R
        w = (layer.Q - 1) * s + layer.S
        if layer.op == "depthwise_conv2d" and layer.K == layer.C:
            rows.append([f"{layer.name}DP", h, w, layer.R, layer.S, layer.C, 1, s])
        elif layer.groups > 1:
            cg, kg = layer.C // layer.groups, layer.K // layer.groups
            rows += [[f"{layer.name}_g{i}", h, w, layer.R, layer.S, cg, kg, s] for i in range(layer.groups)]
        else:
            rows.append([layer.name, h, w, layer.R, layer.S, layer.C, layer.K, s])
    return rows


def write_topology(network: Network, path: str | Path) -> None:
    """Write ``network`` as a SCALE-Sim topology CSV (header and trailing commas as SCALE-Sim expects);
    see :func:`to_topology_rows` for the conventions. Written whole via a temporary file."""
    rows = to_topology_rows(network)
    lines = [", ".join(CONV_COLUMNS) + ","] + [", ".join(str(v) for v in row) + "," for row in rows]
    from accelsim.io.output import write_output

    write_output(path, "\n".join(lines) + "\n", "--scalesim-topology")
