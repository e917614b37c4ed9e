"""Registry of quantizers by the names ``Precision.quantizer`` uses.

Each entry is a :class:`QuantizerSpec` with a weight and an activation function, both called as
``fn(x, bits, **options)`` and returning an object with ``dequantize()`` (:class:`QTensor` for affine
formats, :class:`CodebookTensor`, :class:`LogTensor` or :class:`MinifloatTensor` otherwise). Methods whose
paper leaves a tensor in full precision (BWN, TWN, TTQ, k-means weights-only) quantize that tensor with the
uniform quantizer here, so a ``W/A`` precision is always honoured; PACT quantizes weights with DoReFa as the
PACT paper does.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np

from accelsim.errors import AccelsimInputError, unknown_choice
from accelsim.quant.binary import bwn_weights, xnor_activations
from accelsim.quant.codebook import kmeans_quantize
from accelsim.quant.dorefa import dorefa_activations, dorefa_weights
from accelsim.quant.logquant import log2_quantize, log4_quantize
from accelsim.quant.minifloat import fp8_quantize
from accelsim.quant.pact import pact
from accelsim.quant.qnn import qnn_linear_quant
from accelsim.quant.ternary import ternarize, ttq_weights, twn_weights
from accelsim.quant.uniform import quantize

Quantized = Any  # QTensor | CodebookTensor | LogTensor | MinifloatTensor


@dataclass(frozen=True)
class QuantizerSpec:
    """One named quantization method: functions for weights and activations, allowed bit widths."""

    name: str
    description: str
    source: str
    weights: Callable[..., Quantized]
    activations: Callable[..., Quantized]
    w_bits: tuple[int, ...] | None = None  # None = any of 2..16 (1 where the method allows it)
    a_bits: tuple[int, ...] | None = None

    def _check(self, bits: int, allowed: tuple[int, ...] | None, field: str) -> None:
        if allowed is not None and bits not in allowed:
            raise AccelsimInputError(
                field, f"quantizer {self.name!r} supports {', '.join(map(str, allowed))} bits, got {bits}"
            )

    def quantize_weights(self, w: np.ndarray, bits: int, **options: Any) -> Quantized:
        """Quantize a weight tensor (output channels along axis 0)."""
        self._check(bits, self.w_bits, "w_bits")
        return self.weights(w, bits, **options)

    def quantize_activations(self, x: np.ndarray, bits: int, **options: Any) -> Quantized:
        """Quantize an activation tensor."""
        self._check(bits, self.a_bits, "a_bits")
        return self.activations(x, bits, **options)


def _uniform_w(w, bits, axis=None, scheme="symmetric", **kw):
    return quantize(w, bits, scheme, axis=axis, **kw)


def _uniform_a(x, bits, scheme="asymmetric", **kw):
    return quantize(x, bits, scheme, **kw)


def _ttq_w(w, bits, wp=None, wn=None, t=0.05):
    """TTQ with given W_p/W_n; when absent, the least-squares values for the ternarization (documented)."""
    w = np.asarray(w, dtype=np.float64)
    delta = t * float(np.max(np.abs(w)))
    tern = ternarize(w, delta)
    if wp is None:
        wp = float(np.mean(w[tern == 1])) if np.any(tern == 1) else 1.0
    if wn is None:
        wn = float(-np.mean(w[tern == -1])) if np.any(tern == -1) else 1.0
    return ttq_weights(w, wp, wn, t)


def _pact_a(x, bits, alpha=None):
    x = np.asarray(x, dtype=np.float64)
    if alpha is None:
        alpha = float(x.max()) if x.size and x.max() > 0 else 1.0
    return pact(x, alpha, bits)


_SPECS: dict[str, QuantizerSpec] = {}


def register_quantizer(spec: QuantizerSpec) -> QuantizerSpec:
    """Add ``spec`` under ``spec.name`` (replacing an entry of the same name)."""
    _SPECS[spec.name] = spec
    return spec


for _spec in (
    QuantizerSpec(
        "uniform",
        "affine uniform: symmetric per-channel-capable weights, asymmetric activations",
        "seed 002 §III-B/C",
        _uniform_w,
        _uniform_a,
    ),
    QuantizerSpec(
        "qnn",
        "QNN linear quantizer / sign binarization",
        "seed 001 §3.1 Eq. 1-2",
        qnn_linear_quant,
        qnn_linear_quant,
    ),
    QuantizerSpec(
        "dorefa",
        "DoReFa tanh-normalised weights, clipped activations",
        "seed 000 §4.1.2 Eq. 8-9",
        lambda w, b, axis=None: dorefa_weights(w, b, axis),
        dorefa_activations,
    ),
    QuantizerSpec(
        "xnor",
        "XNOR-Net: ±1 weights with per-filter L1 scale, ±1 activations",
        "seed 001 §3.2 Eq. 2-3",
        lambda w, b, axis=0: bwn_weights(w, axis),
        lambda x, b: xnor_activations(x),
        (1,),
        (1,),
    ),
    QuantizerSpec(
        "bwn",
        "binary-weight network: ±1 weights with per-filter L1 scale",
        "seed 001 §3.2 Eq. 3",
        lambda w, b, axis=0: bwn_weights(w, axis),
        _uniform_a,
        (1,),
    ),
    QuantizerSpec(
        "twn",
        "ternary weights, Δ = 0.7·mean|W|",
        "seed 001 §3.4 Eq. 4",
        lambda w, b, axis=None, delta_factor=0.7: twn_weights(w, delta_factor, axis),
        _uniform_a,
        (2,),
    ),
    QuantizerSpec(
        "ttq",
        "trained ternary: threshold t·max|W|, scales W_p/W_n",
        "seed 001 §3.4",
        _ttq_w,
        _uniform_a,
        (2,),
    ),
    QuantizerSpec(
        "pact",
        "PACT clipped activations (DoReFa weights)",
        "seed 000 §4.1.5 Eq. 13",
        lambda w, b, axis=None: dorefa_weights(w, b, axis),
        _pact_a,
    ),
    QuantizerSpec(
        "log2",
        "power-of-two / LNS sign+exponent codes with zero",
        "seed 000 §4.1.4 Eq. 12",
        lambda w, b, scale=None, gamma=1: log2_quantize(w, b, scale, gamma),
        lambda x, b, scale=None, gamma=1: log2_quantize(x, b, scale, gamma),
    ),
    QuantizerSpec(
        "fp8",
        "FP8 (1,5,2) minifloat, RNE, saturating",
        "seed 000 §3.2 Table 1",
        lambda w, b, scale=1.0: fp8_quantize(w, scale),
        lambda x, b, scale=1.0: fp8_quantize(x, scale),
        (8,),
        (8,),
    ),
    QuantizerSpec(
        "log4",
        "radix-4 logarithmic (1,3,0)",
        "seed 000 §3.2 Eq. 4",
        lambda w, b, scale=1.0: log4_quantize(w, scale),
        lambda x, b, scale=1.0: log4_quantize(x, scale),
        (4,),
        (4,),
    ),
    QuantizerSpec(
        "kmeans",
        "k-means codebook, k = 2^bits",
        "seed 000 §3.3 Eq. 5-6",
        lambda w, b, seed=0: kmeans_quantize(w, b, seed),
        _uniform_a,
    ),
):
    register_quantizer(_spec)


def available_quantizers() -> list[str]:
    """Registered quantizer names, sorted."""
    return sorted(_SPECS)


def get_quantizer(name: str) -> QuantizerSpec:
    """The :class:`QuantizerSpec` registered as ``name`` (one-line error listing the names otherwise)."""
    try:
        return _SPECS[name]
    except KeyError:
        raise unknown_choice("quantizer", str(name), _SPECS) from None
