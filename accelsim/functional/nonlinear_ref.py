"""Reference integer nonlinear kernels of integer-only transformers (I-BERT: Kim et al., "I-BERT:
Integer-only BERT Quantization", ICML 2021, Algorithms 1–4), element by element on Python integers: the
definition :mod:`accelsim.functional.nonlinear` (numba) must equal exactly.

A real value ``x`` is the integer ``q`` times a scale ``S`` (``x = q·S``). Every constant below is derived
from ``S`` in floating point once (as I-BERT does at compile time); the kernels themselves only add,
multiply, shift, divide (floor) and compare integers.

* ``int_exp(q, S)`` for ``q ≤ 0``: ``x = −ln2·z + p`` with ``z = ⌊−q / q_ln2⌋``, ``q_ln2 = ⌊ln2 / S⌋``,
  ``p`` in ``(−ln2, 0]``; ``exp(p) ≈ a(p + b)² + c`` (a = 0.3585, b = 1.353, c = 0.344) evaluated as
  ``(q_p + q_b)² + q_c`` with scale ``a·S²`` (``q_b = ⌊b/S⌋``, ``q_c = ⌊c/(a·S²)⌋``), then ``>> z``.
* ``int_softmax(q, S, out_bits)`` per row: subtract the row maximum, ``int_exp``, then
  ``⌊e·2^out_bits / Σe⌋`` (scale ``2^−out_bits``).
* ``int_sqrt(n)``: ``⌊√n⌋`` by Newton's iteration ``x ← ⌊(x + ⌊n/x⌋)/2⌋`` from ``2^⌈bits(n)/2⌉``.
* ``int_layernorm(q, frac_bits)`` per row of ``C``: ``μ = ⌊Σq / C⌋``, ``d = q − μ``,
  ``σ = int_sqrt(⌊Σd² / C⌋)``, output ``⌊d·2^frac_bits / σ⌋`` (scale ``2^−frac_bits``; gain and bias are a
  following elementwise layer); ``σ = 0`` gives 0.
* ``int_gelu(q, S)``: ``erf(x/√2) ≈ sgn·[a(min(|x/√2|, −b) + b)² + 1]`` (a = −0.2888, b = −1.769) as
  ``q_erf = sgn(q)·[(min(|q|, −q_b) + q_b)² + q_c]`` with scale ``a·(S/√2)²`` (``q_b = ⌊b/(S/√2)⌋``,
  ``q_c = ⌊1/(a·(S/√2)²)⌋``), then ``GELU = q·(q_erf + q_one)`` with ``q_one = ⌊1/S_erf⌋`` and scale
  ``S·S_erf/2``.
"""

from __future__ import annotations

from accelsim.functional.nonlinear import ERF_A, ERF_B, EXP_A, EXP_B, EXP_C, exp_constants, gelu_constants  # noqa: F401


def int_exp_ref(q: int, scale: float) -> int:
    q_ln2, q_b, q_c, _ = exp_constants(scale)
    q = int(q)
    if q > 0:
        raise ValueError("int_exp takes q <= 0 (subtract the maximum first)")
    z = (-q) // q_ln2
    q_p = q + z * q_ln2
    v = (q_p + q_b) ** 2 + q_c
    return v >> z if z < 63 else 0


def int_softmax_ref(row: list[int], scale: float, out_bits: int = 8) -> list[int]:
    m = max(int(v) for v in row)
    e = [int_exp_ref(int(v) - m, scale) for v in row]
    total = sum(e)
    return [(v << out_bits) // total for v in e]


def int_sqrt_ref(n: int) -> int:
    n = int(n)
    if n < 0:
        raise ValueError("int_sqrt of a negative number")
    if n < 2:
        return n
    x = 1 << ((n.bit_length() + 1) // 2)
    while True:
        y = (x + n // x) // 2
        if y >= x:
            return x
        x = y


def int_layernorm_ref(row: list[int], frac_bits: int = 7) -> list[int]:
    c = len(row)
    mu = sum(int(v) for v in row) // c
    d = [int(v) - mu for v in row]
    sigma = int_sqrt_ref(sum(v * v for v in d) // c)
    if sigma == 0:
        return [0] * c
    return [(v << frac_bits) // sigma for v in d]


def int_gelu_ref(q: int, scale: float) -> int:
    q_b, q_c, q_one, _ = gelu_constants(scale)
    q = int(q)
    sgn = (q > 0) - (q < 0)
    clipped = min(abs(q), -q_b)
    q_erf = sgn * ((clipped + q_b) ** 2 + q_c)
    return q * (q_erf + q_one)
