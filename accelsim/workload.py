"""The workload IR every other part of accelsim reads: :class:`Precision`, :class:`Layer`, :class:`Network`.

Conventions (Eyeriss / Timeloop letters, kept as read-only properties for formulas):

* ``N`` batch, ``C`` input channels, ``K`` output channels (filters), ``H×W`` input, ``R×S`` kernel,
  ``P×Q`` output.
* Standard convolution arithmetic::

      P = floor((H + pad_top + pad_bottom − dilation_h·(R − 1) − 1) / stride_h) + 1
      Q = floor((W + pad_left + pad_right − dilation_w·(S − 1) − 1) / stride_w) + 1

* MACs: ``conv2d`` N·K·P·Q·R·S·(C/groups); ``depthwise_conv2d`` is a conv2d with groups = C;
  ``fc`` N·K·C; ``matmul`` N·M·C·K with M = ``in_h`` rows of the left operand ([M×C]·[C×K]).
* Every layer is also a set of ``groups`` independent GEMMs (:meth:`Layer.gemm`):
  M = N·P·Q rows (output pixels), N_gemm = K/groups columns (filters), K_gemm = R·S·C/groups reduction.

This module imports nothing else of accelsim except :mod:`accelsim.errors`.
"""

from __future__ import annotations

import copy
import functools
import math
import re
from pathlib import Path
from typing import Annotated, Any, Literal, NamedTuple

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from accelsim.errors import AccelsimInputError, from_validation_error, unknown_choice

OpName = Literal[
    "conv2d", "depthwise_conv2d", "fc", "matmul", "pool", "add", "concat",
    "softmax", "layernorm", "rmsnorm", "gelu", "silu", "rotary", "mul", "embedding",
]  # fmt: skip
MAC_OPS: frozenset[str] = frozenset({"conv2d", "depthwise_conv2d", "fc", "matmul"})
#: nonlinear and elementwise ops of transformers: run on the architecture's special-function unit
#: (accelsim.fabrics._sfu); output shape = input shape (embedding: in_h tokens × out_channels features)
SFU_OPS: frozenset[str] = frozenset(
    {"softmax", "layernorm", "rmsnorm", "gelu", "silu", "rotary", "mul", "embedding"}
)
ELEMENTWISE_OPS: frozenset[str] = frozenset({"add", "concat"} | SFU_OPS)

Bits = Annotated[int, Field(ge=1, le=32, description="bit width, 1..32")]


class StrictModel(BaseModel):
    """Base for all accelsim config models: unknown keys are errors, values are validated on assignment."""

    model_config = ConfigDict(extra="forbid", validate_assignment=True, frozen=False)


class Precision(StrictModel):
    """Numeric format of one layer: operand, output and accumulator widths and how they were quantized."""

    w_bits: Bits = Field(8, description="weight bits")
    a_bits: Bits = Field(8, description="input-activation bits")
    out_bits: Bits = Field(8, description="bits the layer output is requantized to")
    acc_bits: Annotated[int, Field(ge=1, le=64)] = Field(32, description="accumulator bits (1..64)")
    w_signed: bool = Field(True, description="weights are two's-complement signed")
    a_signed: bool = Field(False, description="activations are signed (False: unsigned, e.g. after ReLU)")
    granularity: Literal["per_tensor", "per_channel"] = Field(
        "per_tensor", description="scale granularity of the weights"
    )
    quantizer: str = Field("uniform", description="name of the quantizer in accelsim.quant")
    overflow: Literal["saturate", "wrap"] = Field("saturate", description="accumulator overflow behaviour")
    kv_bits: Bits | None = Field(None, description="KV-cache bits (transformers); null = a_bits")

    def label(self) -> str:
        """Short 'W/A' label, e.g. '4/8' (with the KV width when set: 'W4A8KV4')."""
        if self.kv_bits is not None:
            return f"W{self.w_bits}A{self.a_bits}KV{self.kv_bits}"
        return f"{self.w_bits}/{self.a_bits}"

    @property
    def kv(self) -> int:
        """The KV cache's width: ``kv_bits``, else ``a_bits``."""
        return self.a_bits if self.kv_bits is None else self.kv_bits


_WAKV = re.compile(r"^W(\d+)A(\d+)(?:KV(\d+))?$", re.IGNORECASE)


def parse_bits_kv(text: str, field: str = "bits") -> tuple[int, int, int | None]:
    """'W/A', 'W4A8' or 'W4A8KV4' -> (w_bits, a_bits, kv_bits or None), each 1..32."""
    m = _WAKV.match(str(text).strip())
    if m is None:
        w, a = parse_bits(text, field)
        return w, a, None
    values = [int(g) for g in m.groups() if g is not None]
    for v in values:
        if not 1 <= v <= 32:
            raise AccelsimInputError(field, f"bit width must be 1..32, got {v}")
    return values[0], values[1], (values[2] if len(values) == 3 else None)


def parse_bits(text: str, field: str = "bits") -> tuple[int, int]:
    """Parse a 'W/A' string (e.g. '4/8', or '8' for both) into (w_bits, a_bits), each 1..32."""
    m = _WAKV.match(str(text).strip())
    if m is not None and m.group(3) is None:
        return parse_bits(f"{m.group(1)}/{m.group(2)}", field)
    parts = str(text).strip().split("/")
    try:
        values = [int(p) for p in parts]
    except ValueError:
        raise AccelsimInputError(
            field, f"expected W/A such as 8/8 or 4/2 (or W4A8KV4 with a KV width), got {text!r}"
        ) from None
    if len(values) == 1:
        values = values * 2
    if len(values) != 2:
        raise AccelsimInputError(field, f"expected W/A such as 8/8 or 4/2, got {text!r}")
    for v in values:
        if not 1 <= v <= 32:
            raise AccelsimInputError(field, f"bit width must be 1..32, got {v}")
    return values[0], values[1]


def coerce_bits(bits: Any, field: str = "bits") -> tuple[int, int] | None:
    """``None``, a 'W/A' string, an int (both widths) or a (w_bits, a_bits) pair -> (w, a), each 1..32;
    anything else is a one-line :class:`AccelsimInputError`."""
    import numbers

    if bits is None:
        return None
    if isinstance(bits, str):
        return parse_bits(bits, field)
    if isinstance(bits, numbers.Integral) and not isinstance(bits, bool):
        return parse_bits(str(int(bits)), field)
    if (
        isinstance(bits, list | tuple)
        and len(bits) == 2
        and all(isinstance(b, numbers.Integral) and not isinstance(b, bool) for b in bits)
    ):
        return parse_bits(f"{int(bits[0])}/{int(bits[1])}", field)
    raise AccelsimInputError(
        field, f"expected 'W/A' such as '4/8', an int, or a (w_bits, a_bits) pair, got {bits!r}"
    )


def coerce_batch(batch: Any, field: str = "batch") -> int | None:
    """``None`` or a positive integer (numpy integers accepted); anything else is a one-line error."""
    import numbers

    if batch is None:
        return None
    if isinstance(batch, bool) or not isinstance(batch, numbers.Integral):
        raise AccelsimInputError(field, f"expected a positive integer, got {batch!r}")
    if int(batch) < 1:
        raise AccelsimInputError(field, f"must be >= 1, got {batch}")
    return int(batch)


#: sizes beyond which a network is probably a typo (a warning, not an error): batch, one dimension, MACs
PLAUSIBLE_BATCH = 1 << 16
PLAUSIBLE_DIM = 1 << 20
PLAUSIBLE_MACS = 10**16


def implausible_sizes(net: Network) -> list[str]:
    """Warnings for sizes no real workload has (batch > 65,536, a dimension > 2^20, > 10^16 MACs)."""
    out = []
    if net.batch > PLAUSIBLE_BATCH:
        out.append(f"batch {net.batch:,} is larger than {PLAUSIBLE_BATCH:,}: is that intended?")
    for x in net.layers:
        big = {k: v for k, v in (("in_channels", x.C), ("out_channels", x.K), ("in_h", x.H), ("in_w", x.W))
               if v > PLAUSIBLE_DIM}  # fmt: skip
        if big:
            k, v = next(iter(big.items()))
            out.append(f"layer {x.name}: {k} {v:,} is larger than {PLAUSIBLE_DIM:,}: is that intended?")
            break
    if net.total_macs > PLAUSIBLE_MACS:
        out.append(f"{net.total_macs:.3g} MACs in one run (> 1e16): is that intended?")
    return out


def _pair(value: Any, name: str) -> tuple[int, int]:
    if isinstance(value, int):
        return (value, value)
    if isinstance(value, list | tuple) and len(value) == 2:
        return (int(value[0]), int(value[1]))
    raise ValueError(f"{name} must be an integer or [h, w]")


def _quad(value: Any) -> tuple[int, int, int, int]:
    """padding: p -> (p,p,p,p); [ph, pw] -> (ph,ph,pw,pw); [top, bottom, left, right] as given."""
    if isinstance(value, int):
        return (value, value, value, value)
    if isinstance(value, list | tuple):
        if len(value) == 2:
            return (int(value[0]), int(value[0]), int(value[1]), int(value[1]))
        if len(value) == 4:
            return tuple(int(v) for v in value)  # type: ignore[return-value]
    raise ValueError("padding must be an integer, [h, w] or [top, bottom, left, right]")


class GemmShape(NamedTuple):
    """One layer as ``groups`` independent GEMMs: [M×K]·[K×N] each."""

    M: int
    N: int
    K: int
    groups: int


class Layer(StrictModel):
    """One layer of a network. Sizes are per image except ``batch``."""

    name: str
    op: OpName
    batch: int = Field(1, ge=1, description="images per inference (N)")
    in_channels: int = Field(ge=1, description="input channels C (matmul: reduction length)")
    out_channels: int = Field(ge=1, description="output channels / filters K (matmul: output columns)")
    in_h: int = Field(1, ge=1, description="input height H (matmul: rows M of the left operand)")
    in_w: int = Field(1, ge=1, description="input width W")
    kernel_h: int = Field(1, ge=1, description="kernel height R")
    kernel_w: int = Field(1, ge=1, description="kernel width S")
    stride: tuple[int, int] = Field((1, 1), description="stride [h, w]; an integer sets both")
    padding: tuple[int, int, int, int] = Field(
        (0, 0, 0, 0), description="zero padding [top, bottom, left, right]; an integer sets all four"
    )
    dilation: tuple[int, int] = Field((1, 1), description="dilation [h, w]")
    groups: int = Field(1, ge=1, description="convolution groups (depthwise: groups = in_channels)")
    pool_type: Literal["max", "avg"] | None = Field(None, description="pooling kind (op: pool)")
    activation: Literal["none", "relu", "relu6"] = Field(
        "none", description="elementwise function applied to the output (before requantization)"
    )
    weights_are_activations: bool = Field(
        False, description="matmul only: the right operand is a runtime activation (e.g. attention Q·Kᵀ)"
    )
    rhs_transposed: bool = Field(
        False,
        description="matmul only: the right operand is stored [K×C] and used transposed (e.g. Kᵀ in Q·Kᵀ)",
    )
    inputs: list[str] | None = Field(
        None,
        description="names of producer layers ('input' = the network input); None = the previous layer",
    )
    precision: Precision | None = Field(None, description="per-layer precision; None = network default")
    kv_cache: bool = Field(
        False,
        description="matmul only: the stored operand is a KV cache read from memory (decode attention); it "
        "is priced at the precision's kv_bits",
    )
    writes_kv_cache: bool = Field(
        False, description="the output is appended to the KV cache (K/V projections): written at kv_bits"
    )
    tied_weights: bool = Field(
        False,
        description="the weights are another layer's (tied embeddings): read, but not counted as parameters",
    )
    kv_sequences: int = Field(
        1,
        ge=1,
        description="kv_cache matmuls: sequences (one cache each) folded into groups and channels; their "
        "batch stays 1 and with_batch scales groups and channels instead",
    )

    @model_validator(mode="before")
    @classmethod
    def _shorthands(cls, data: Any) -> Any:
        if not isinstance(data, dict):
            return data
        data = dict(data)
        if "kernel" in data:
            kh, kw = _pair(data.pop("kernel"), "kernel")
            data.setdefault("kernel_h", kh)
            data.setdefault("kernel_w", kw)
        op = data.get("op")
        if op == "depthwise_conv2d" and "groups" not in data and "in_channels" in data:
            data["groups"] = data["in_channels"]
        if (op == "pool" or op in ELEMENTWISE_OPS) and "out_channels" not in data and "in_channels" in data:
            data["out_channels"] = data["in_channels"]
        return data

    @field_validator("stride", "dilation", mode="before")
    @classmethod
    def _to_pair(cls, v: Any) -> tuple[int, int]:
        return _pair(v, "stride/dilation")

    @field_validator("padding", mode="before")
    @classmethod
    def _to_quad(cls, v: Any) -> tuple[int, int, int, int]:
        return _quad(v)

    @model_validator(mode="after")
    def _check_shape(self) -> Layer:
        if min(self.stride) < 1 or min(self.dilation) < 1:
            raise ValueError("stride and dilation must be >= 1")
        if min(self.padding) < 0:
            raise ValueError("padding must be >= 0")
        if self.in_channels % self.groups or self.out_channels % self.groups:
            raise ValueError(
                f"groups={self.groups} must divide in_channels={self.in_channels} "
                f"and out_channels={self.out_channels}"
            )
        if self.op == "depthwise_conv2d" and self.groups != self.in_channels:
            raise ValueError("depthwise_conv2d needs groups == in_channels")
        if self.op in ("fc", "matmul") and (self.kernel_h, self.kernel_w) != (1, 1):
            raise ValueError(f"{self.op} layers have no kernel (kernel_h = kernel_w = 1)")
        if self.weights_are_activations and self.op != "matmul":
            raise ValueError("weights_are_activations is only meaningful for matmul")
        if self.kv_cache and (self.op != "matmul" or self.weights_are_activations):
            raise ValueError("kv_cache is only meaningful for a matmul whose stored operand is the cache")
        if self.kv_sequences > 1 and not (
            self.kv_cache and self.batch == 1 and self.groups % self.kv_sequences == 0
        ):
            raise ValueError(
                "kv_sequences > 1 needs a kv_cache matmul with batch 1 and groups a multiple of it"
            )
        if self.rhs_transposed and self.op != "matmul":
            raise ValueError("rhs_transposed is only meaningful for matmul")
        if self.op == "pool" and self.pool_type is None:
            raise ValueError("pool layers need pool_type: max or avg")
        pt, pb, pl, pr = self.padding
        eff_r = self.dilation[0] * (self.kernel_h - 1) + 1
        eff_s = self.dilation[1] * (self.kernel_w - 1) + 1
        if eff_r > self.in_h + pt + pb:
            raise ValueError(
                f"kernel_h {self.kernel_h} (dilated {eff_r}) is larger than the padded input height "
                f"{self.in_h + pt + pb}"
            )
        if eff_s > self.in_w + pl + pr:
            raise ValueError(
                f"kernel_w {self.kernel_w} (dilated {eff_s}) is larger than the padded input width "
                f"{self.in_w + pl + pr}"
            )
        return self

    # ---- Eyeriss/Timeloop letters ------------------------------------------------------------
    @property
    def N(self) -> int:
        return self.batch

    @property
    def C(self) -> int:
        return self.in_channels

    @property
    def K(self) -> int:
        return self.out_channels

    @property
    def H(self) -> int:
        return self.in_h

    @property
    def W(self) -> int:
        return self.in_w

    @property
    def R(self) -> int:
        return self.kernel_h

    @property
    def S(self) -> int:
        return self.kernel_w

    @property
    def P(self) -> int:
        """Output height: floor((H + pads − dilation·(R−1) − 1)/stride) + 1 (matmul/fc: H)."""
        if self.op in ("fc", "matmul") or self.op in ELEMENTWISE_OPS:
            return self.in_h
        pt, pb, _, _ = self.padding
        return (self.in_h + pt + pb - self.dilation[0] * (self.kernel_h - 1) - 1) // self.stride[0] + 1

    @property
    def Q(self) -> int:
        """Output width: floor((W + pads − dilation·(S−1) − 1)/stride) + 1 (matmul/fc: W)."""
        if self.op in ("fc", "matmul") or self.op in ELEMENTWISE_OPS:
            return self.in_w
        _, _, pl, pr = self.padding
        return (self.in_w + pl + pr - self.dilation[1] * (self.kernel_w - 1) - 1) // self.stride[1] + 1

    # ---- derived sizes -----------------------------------------------------------------------
    @property
    def has_macs(self) -> bool:
        return self.op in MAC_OPS

    @property
    def macs_per_image(self) -> int:
        """Multiply-accumulates for one image (0 for pool/add/concat)."""
        if not self.has_macs:
            return 0
        return self.K * self.P * self.Q * self.R * self.S * (self.C // self.groups)

    @property
    def macs(self) -> int:
        """Multiply-accumulates for the whole batch."""
        return self.batch * self.macs_per_image

    @property
    def weight_elems(self) -> int:
        """Stored parameters (weights only; 0 when both matmul operands are activations; an embedding's
        whole table, vocabulary × features). A KV-cache matmul's stored operand is the cache it reads."""
        if self.op == "embedding":
            return self.C * self.K
        if not self.has_macs or self.weights_are_activations:
            return 0
        return self.K * (self.C // self.groups) * self.R * self.S

    @property
    def param_elems(self) -> int:
        """Model parameters (a KV cache is not one)."""
        return 0 if self.kv_cache or self.tied_weights else self.weight_elems

    @property
    def input_elems(self) -> int:
        """Input activation elements for the batch (matmul with two activations: both operands; an
        embedding reads one token index per row)."""
        if self.op == "embedding":
            return self.batch * self.H * self.W
        n = self.batch * self.C * self.H * self.W
        if self.weights_are_activations:
            n += self.batch * self.K * (self.C // self.groups)
        return n

    @property
    def output_elems(self) -> int:
        return self.batch * self.K * self.P * self.Q

    def gemm(self) -> GemmShape:
        """The layer as ``groups`` GEMMs of [M×K]·[K×N]: M = N·P·Q, N = K/groups, K = R·S·C/groups."""
        return GemmShape(
            M=self.batch * self.P * self.Q,
            N=self.K // self.groups,
            K=self.R * self.S * (self.C // self.groups),
            groups=self.groups,
        )

    def with_batch(self, batch: int) -> Layer:
        """The layer for ``batch`` images; a KV-cache matmul holds one cache per sequence, so its groups and
        channels scale with the sequences instead (its batch stays 1)."""
        if not self.kv_cache:
            return self.model_copy(update={"batch": batch})
        per = self.kv_sequences
        return self.model_copy(
            update={
                "groups": self.groups // per * batch,
                "in_channels": self.in_channels // per * batch,
                "out_channels": self.out_channels // per * batch,
                "kv_sequences": batch,
            }
        )


class NetworkInput(StrictModel):
    """Shape of one input image (per batch element)."""

    channels: int = Field(ge=1)
    height: int = Field(1, ge=1)
    width: int = Field(1, ge=1)


class Network(StrictModel):
    """An ordered list of layers with a default precision."""

    name: str
    description: str = ""
    source: str = Field("", description="where the shapes come from (paper, repository)")
    input: NetworkInput | None = None
    precision: Precision = Field(default_factory=Precision, description="default precision of every layer")
    layers: list[Layer] = Field(min_length=1)

    @model_validator(mode="after")
    def _unique_names(self) -> Network:
        seen: set[str] = set()
        for layer in self.layers:
            if layer.name in seen:
                raise ValueError(f"duplicate layer name {layer.name!r}")
            if layer.name == "input":
                raise ValueError("'input' is reserved for the network input; rename the layer")
            for producer in layer.inputs or ():
                if producer != "input" and producer not in seen:
                    raise ValueError(
                        f"layer {layer.name!r} reads {producer!r}, which is not an earlier layer"
                    )
            seen.add(layer.name)
        return self

    transformer: dict[str, Any] | None = Field(
        None, description="how a transformer network was built (accelsim.transformers.build): model, "
        "phase, seq_len, kv_len, batch, layers, kv_heads, head_dim",
    )  # fmt: skip

    def precision_of(self, layer: Layer) -> Precision:
        """The precision a layer runs at: its own, else the network default. A KV-cache matmul's stored
        operand runs at ``kv_bits`` (``w_bits := kv``), a K/V projection writes its output at it."""
        p = layer.precision if layer.precision is not None else self.precision
        if layer.kv_cache:
            return p.model_copy(update={"w_bits": p.kv})
        if layer.writes_kv_cache:
            return p.model_copy(update={"out_bits": p.kv})
        return p

    @property
    def total_macs(self) -> int:
        return sum(layer.macs for layer in self.layers)

    @property
    def total_params(self) -> int:
        return sum(layer.param_elems for layer in self.layers)

    @property
    def batch(self) -> int:
        return self.layers[0].batch

    def with_batch(self, batch: int) -> Network:
        """Same network with every layer at ``batch`` images (KV-cache matmuls: ``batch`` caches)."""
        if batch < 1:
            raise AccelsimInputError("batch", f"must be >= 1, got {batch}")
        meta = None if self.transformer is None else {**self.transformer, "batch": batch}
        return self.model_copy(
            update={"layers": [layer.with_batch(batch) for layer in self.layers], "transformer": meta}
        )

    def with_bits(
        self, w_bits: int, a_bits: int, keep_layer_overrides: bool = False, kv_bits: int | None = None
    ) -> Network:
        """Same network at one global W/A (and KV) precision (per-layer precisions dropped unless kept)."""
        update: dict[str, Any] = {"w_bits": w_bits, "a_bits": a_bits}
        if kv_bits is not None:
            update["kv_bits"] = kv_bits
        default = self.precision.model_copy(update=update)
        Precision.model_validate(default.model_dump())  # range check

        def retarget(layer: Layer) -> Layer:
            if keep_layer_overrides or layer.precision is None:
                return layer
            return layer.model_copy(update={"precision": None})

        return self.model_copy(update={"precision": default, "layers": [retarget(x) for x in self.layers]})

    def with_quantizer(self, quantizer: str) -> Network:
        """Same network with every precision (the default and each layer's own) using ``quantizer``, a name of
        :mod:`accelsim.quant` (e.g. ``log2``: power-of-two weights, which a streaming fabric maps to shifts)."""

        def retarget(layer: Layer) -> Layer:
            if layer.precision is None:
                return layer
            return layer.model_copy(
                update={"precision": layer.precision.model_copy(update={"quantizer": quantizer})}
            )

        default = self.precision.model_copy(update={"quantizer": quantizer})
        return self.model_copy(update={"precision": default, "layers": [retarget(x) for x in self.layers]})

    def mac_layers(self) -> list[Layer]:
        return [layer for layer in self.layers if layer.has_macs]


# ---- loading -----------------------------------------------------------------------------------

WORKLOAD_DIR = Path(__file__).parent / "workloads"


SUITES_FILE = WORKLOAD_DIR / "_suites.yaml"
ALIASES_FILE = WORKLOAD_DIR / "_aliases.yaml"


def available_networks() -> list[str]:
    """Names of the networks shipped in ``accelsim/workloads`` (files starting with '_' are not networks)."""
    return sorted(p.stem for p in WORKLOAD_DIR.glob("*.yaml") if not p.stem.startswith("_"))


def available_suites() -> dict[str, list[str]]:
    """Named groups of shipped networks (``_suites.yaml``), e.g. ``bitfusion`` -> its 8 benchmarks."""
    if not SUITES_FILE.exists():
        return {}
    data = read_yaml(SUITES_FILE, "suites") or {}
    return {str(k): [str(n) for n in v] for k, v in data.items()}


def load_suite(name: str) -> list[Network]:
    """Every network of a suite, in the suite's order."""
    suites = available_suites()
    if name not in suites:
        raise unknown_choice("network_suite", name, suites)
    return [load_network(n) for n in suites[name]]


def read_yaml(path: Path, field: str) -> Any:
    """Parse a YAML file, turning syntax errors into a one-line :class:`AccelsimInputError`. Parsed files
    are cached by (path, modification time, size) and every caller gets its own copy (a preset or network
    loaded again — every ``simulate`` by name — costs a deep copy, not a parse)."""
    try:
        st = path.stat()
    except OSError as exc:
        raise AccelsimInputError(field, f"cannot read {path}: {exc.strerror}") from None
    return copy.deepcopy(_parse_yaml(str(path), st.st_mtime_ns, st.st_size, field))


@functools.lru_cache(maxsize=256)
def _parse_yaml(path: str, mtime_ns: int, size: int, field: str) -> Any:
    del mtime_ns, size  # cache keys only
    try:
        text = Path(path).read_text()
    except OSError as exc:
        raise AccelsimInputError(field, f"cannot read {path}: {exc.strerror}") from None
    try:
        return yaml.safe_load(text)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f" at line {mark.line + 1}, column {mark.column + 1}" if mark else ""
        problem = getattr(exc, "problem", None) or "malformed YAML"
        raise AccelsimInputError(field, f"malformed YAML in {path}{where}: {problem}") from None


def network_from_dict(data: Any, context: str = "network") -> Network:
    if not isinstance(data, dict):
        raise AccelsimInputError(context, "expected a mapping with name and layers")
    try:
        net = Network.model_validate(data)
    except ValidationError as exc:
        raise from_validation_error(exc, context) from None
    check_shapes(net, context)
    return net


def check_shapes(net: Network, context: str = "network") -> None:
    """Each layer's input shape equals what its producers make (one-line :class:`AccelsimInputError`).

    A layer reads ``inputs`` (default: the previous layer; the first layer reads the network input, checked
    when ``input`` is given). Producer output = (K, P, Q). add: every operand = the layer's input; concat:
    same H×W, channels summed; fc: the producer's C·H·W flattened; a two-activation matmul: the left
    operand = its input, the right one holds K·C/groups values; every other op: equal shapes."""
    shapes: dict[str, tuple[int, int, int]] = {}
    if net.input is not None:
        shapes["input"] = (net.input.channels, net.input.height, net.input.width)
    prev = "input"
    for x in net.layers:
        srcs = x.inputs if x.inputs is not None else [prev]
        prev = x.name
        got = [shapes.get(s) for s in srcs]
        shapes[x.name] = (x.K, x.P, x.Q)
        if any(g is None for g in got):  # the network input without a declared shape
            continue
        mine = (x.C, x.H, x.W)
        fmt = "×".join

        def bad(what: str, layer: Layer = x) -> AccelsimInputError:
            return AccelsimInputError(f"{context}.layers.{layer.name}", what)

        if x.op in ("add", "concat") and len(srcs) < 2:
            raise bad(f"{x.op} needs at least 2 inputs, got {srcs}")
        if x.op == "add":
            for s, g in zip(srcs, got, strict=True):
                if g != mine:
                    raise bad(
                        f"adds {s!r} of shape {fmt(map(str, g))} to an input declared {fmt(map(str, mine))}"
                    )
        elif x.op == "concat":
            if any(g[1:] != mine[1:] for g in got) or sum(g[0] for g in got) != x.C:
                shown = ", ".join(f"{s} {fmt(map(str, g))}" for s, g in zip(srcs, got, strict=True))
                raise bad(f"concatenates {shown} (channels summed), but declares input {fmt(map(str, mine))}")
        elif x.op == "matmul" and x.weights_are_activations:
            if len(got) != 2 or got[0] != mine or math.prod(got[1]) != x.K * (x.C // x.groups):
                raise bad(f"two-activation matmul: left operand must be {fmt(map(str, mine))} and the right "
                          f"one hold K·C/groups = {x.K * (x.C // x.groups)} values; got {got}")  # fmt: skip
        elif x.op == "fc":
            if len(got) != 1 or math.prod(got[0]) != x.C * x.H * x.W:
                raise bad(f"in_channels {x.C * x.H * x.W} disagrees with {srcs[0]!r}, which produces "
                          f"{fmt(map(str, got[0]))} = {math.prod(got[0])} values")  # fmt: skip
        elif len(got) != 1 or got[0] != mine:
            raise bad(f"reads {srcs[0]!r} of shape {fmt(map(str, got[0]))} (C×H×W) but declares input "
                      f"{fmt(map(str, mine))}")  # fmt: skip


def load_network(name_or_path: str | Path) -> Network:
    """A shipped network by name (``accelsim net list``) or a YAML file by path."""
    path = Path(name_or_path)
    if path.suffix in (".yaml", ".yml") or path.exists():
        if not path.exists():
            raise AccelsimInputError("network", f"file not found: {path}")
        return network_from_dict(read_yaml(path, "network"), f"network {path.name}")
    name = network_aliases().get(str(name_or_path), str(name_or_path))
    candidate = WORKLOAD_DIR / f"{name}.yaml"
    if not candidate.exists():
        raise unknown_choice("network", str(name_or_path), available_networks() + sorted(network_aliases()))
    return network_from_dict(read_yaml(candidate, "network"), f"network {name_or_path}")


def network_aliases() -> dict[str, str]:
    """Other names of shipped networks (``_aliases.yaml``: alias -> network), e.g. ``finn-cnv`` ->
    ``bnn-pynq-cnv``."""
    if not ALIASES_FILE.exists():
        return {}
    return {str(k): str(v) for k, v in (read_yaml(ALIASES_FILE, "aliases") or {}).items()}


def conv_output_size(size: int, kernel: int, stride: int, pad_total: int, dilation: int = 1) -> int:
    """floor((size + pad_total − dilation·(kernel−1) − 1)/stride) + 1."""
    return (size + pad_total - dilation * (kernel - 1) - 1) // stride + 1


def same_padding(size: int, kernel: int, stride: int, dilation: int = 1) -> tuple[int, int]:
    """TensorFlow 'SAME' padding (before, after) so that output = ceil(size / stride)."""
    out = math.ceil(size / stride)
    total = max((out - 1) * stride + dilation * (kernel - 1) + 1 - size, 0)
    return total // 2, total - total // 2
