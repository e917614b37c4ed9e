"""Measured comparison tables for docs/quantization.md: ``python -m accelsim.quant.survey [--seed N]``.

* quantization SQNR of every registered quantizer on seeded synthetic tensors (Gaussian weights
  ``[64, 576]``, ReLU'd Gaussian activations ``[256, 576]``);
* uniform 4/8-bit SQNR by calibration method on a Gaussian with 0.1 % outliers at 20σ;
* fake-vs-real mismatch of fc layers (fraction of bit-exact outputs, max |diff| in LSBs) per rounding mode.

``SQNR = 10·log10(Σ x² / Σ (x − x̂)²)`` in dB. Everything is seeded; same seed, same table.
"""

from __future__ import annotations

import argparse

import numpy as np

from accelsim.quant.calibration import calibrate
from accelsim.quant.layer_sim import fc_fake_vs_real
from accelsim.quant.registry import available_quantizers, get_quantizer
from accelsim.quant.uniform import quantize


def sqnr_db(x: np.ndarray, x_hat: np.ndarray) -> float:
    """``10·log10(Σx² / Σ(x − x̂)²)``; +inf when exact."""
    noise = float(np.sum((np.asarray(x) - np.asarray(x_hat)) ** 2))
    return float("inf") if noise == 0 else 10.0 * np.log10(float(np.sum(np.asarray(x) ** 2)) / noise)


def quantizer_table(seed: int = 0) -> list[tuple[str, int, float, float]]:
    """(name, bits, weight SQNR dB, activation SQNR dB) for every quantizer at 2/4/8 bits or its native bits."""
    rng = np.random.default_rng(seed)
    w = rng.normal(0, 0.05, size=(64, 576))
    a = np.maximum(rng.normal(0, 1, size=(256, 576)), 0.0)
    rows = []
    for name in available_quantizers():
        spec = get_quantizer(name)
        for bits in spec.w_bits or (2, 4, 8):
            wq = spec.quantize_weights(w, bits)
            a_bits = bits if spec.a_bits else max(bits, 2)  # native activation width, else uniform >= 2 bits
            aq = spec.quantize_activations(a, a_bits)
            rows.append((name, bits, sqnr_db(w, wq.dequantize()), sqnr_db(a, aq.dequantize())))
    return rows


def calibration_table(seed: int = 0) -> list[tuple[str, int, float]]:
    """(method, bits, SQNR dB) of symmetric uniform quantization of an outlier-laden Gaussian."""
    rng = np.random.default_rng(seed)
    x = rng.normal(size=50_000)
    idx = rng.choice(x.size, size=50, replace=False)
    x[idx] = 20.0 * np.sign(rng.normal(size=50))
    rows = []
    for bits in (4, 8):
        for method in ("minmax", "percentile", "mse", "kl"):
            lo, hi = calibrate(x, method, bits, "symmetric", percentile=99.9)
            rows.append((method, bits, sqnr_db(x, quantize(x, bits, "symmetric", lo=lo, hi=hi).dequantize())))
    return rows


def mismatch_table(seed: int = 0, trials: int = 20) -> list[tuple[str, str, str, float, int]]:
    """(W/A/O bits, granularity, rounding, fraction bit-exact, max |diff| LSB) over ``trials`` fc layers."""
    rows = []
    for bits in ((8, 8, 8), (4, 4, 8), (8, 8, 4)):
        for per_channel in (False, True):
            for rounding in ("gemmlowp", "half_even", "single_half_up"):
                exact, total, worst = 0, 0, 0
                rng = np.random.default_rng(seed)
                for _ in range(trials):
                    x = np.maximum(rng.normal(size=(32, 256)), 0.0)
                    w = rng.normal(0, 0.05, size=(64, 256))
                    b = rng.normal(0, 0.1, size=64)
                    r = fc_fake_vs_real(
                        x, w, b, w_bits=bits[0], a_bits=bits[1], out_bits=bits[2],
                        per_channel=per_channel, rounding=rounding,
                    )  # fmt: skip
                    exact += round(r.mismatch.fraction_bit_exact * r.mismatch.count)
                    total += r.mismatch.count
                    worst = max(worst, r.mismatch.max_abs_diff_lsb)
                label = "/".join(map(str, bits))
                rows.append(
                    (label, "per_channel" if per_channel else "per_tensor", rounding, exact / total, worst)
                )
    return rows


def main(argv: list[str] | None = None) -> None:
    """Print the three tables as Markdown."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args(argv)
    print("| quantizer | bits | weight SQNR dB | activation SQNR dB |\n|---|---|---|---|")
    for name, bits, sw, sa in quantizer_table(args.seed):
        print(f"| {name} | {bits} | {sw:.2f} | {sa:.2f} |")
    print("\n| calibration | bits | SQNR dB |\n|---|---|---|")
    for method, bits, s in calibration_table(args.seed):
        print(f"| {method} | {bits} | {s:.2f} |")
    print(
        "\n| W/A/out bits | weights | rounding | fraction bit-exact | max diff (LSB) |\n|---|---|---|---|---|"
    )
    for label, gran, rounding, frac, worst in mismatch_table(args.seed):
        print(f"| {label} | {gran} | {rounding} | {frac:.5f} | {worst} |")


if __name__ == "__main__":
    main()
