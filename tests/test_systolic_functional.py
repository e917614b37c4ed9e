"""Numbers through the systolic array: exact with a wide accumulator, overflow counted with a narrow one."""

from accelsim.accuracy import accuracy_report
from accelsim.fabrics import load_arch


def run(acc_bits: int):
    arch = load_arch("tpu-v1", acc_bits=acc_bits)
    return accuracy_report("lenet5-digits", arch, bits="8/8", max_images=80)["accuracy"]


def test_wide_accumulator_equals_ideal_and_narrow_one_overflows():
    wide, narrow = run(32), run(14)
    assert wide["overall"]["output_frac_bit_exact_fabric_vs_ideal"] == 1.0
    assert sum(r["stats"]["overflow_outputs"] for r in wide["layers"] if r["bits"]) == 0
    assert sum(r["stats"]["overflow_outputs"] for r in narrow["layers"] if r["bits"]) > 0
    assert narrow["overall"]["accuracy_int"] < wide["overall"]["accuracy_int"] - 0.5
