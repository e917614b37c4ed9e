"""Accuracy and cost from ONE crossbar config: the trained network through ISAAC's crossbars."""

import pytest

from accelsim.accuracy import accuracy_report
from accelsim.fabrics import load_arch

NOISY = {
    "crossbar.device.programming_noise": "gaussian",
    "crossbar.device.programming_sigma": 0.02,
    "crossbar.device.read_noise_sigma": 0.01,
}


def run(**overrides):
    return accuracy_report(
        "lenet5-digits", load_arch("isaac", **overrides), bits="8/8", max_images=150, seed=0
    )


def test_lossless_isaac_equals_ideal_integer_execution():
    r = run()
    overall = r["accuracy"]["overall"]
    assert overall["output_frac_bit_exact_fabric_vs_ideal"] == 1.0
    assert overall["accuracy_int"] == overall["accuracy_fake"]
    assert all(row["stats"]["lossless"] for row in r["accuracy"]["layers"] if row["bits"])
    assert r["performance"]["totals"]["energy_breakdown_pj"]["adc"] > 0


def test_adc_bits_trade_energy_for_accuracy_and_are_seeded():
    hi, lo = run(**NOISY), run(**NOISY, **{"crossbar.adc.bits": 4})
    e_hi = hi["performance"]["totals"]["energy_breakdown_pj"]["adc"]
    e_lo = lo["performance"]["totals"]["energy_breakdown_pj"]["adc"]
    assert e_lo < e_hi / 4
    assert lo["accuracy"]["overall"]["accuracy_int"] < hi["accuracy"]["overall"]["accuracy_int"] - 0.3
    again = run(**NOISY, **{"crossbar.adc.bits": 4})
    assert again["accuracy"]["overall"] == pytest.approx(lo["accuracy"]["overall"])
