"""The systolic fabric reproduces its recorded results exactly (golden equality for the speed-up).

tests/data/systolic_golden.json was written by tests/data/make_systolic_golden.py on the reference
(numpy-array) implementation, before the closed-form speed-up of the per-layer evaluation, and regenerated
once by design when operands wider than the native MAC width began to take several passes
(``native_operand_bits``, issue 3): the 6 181 results whose operands are not wider than native were
unchanged, exactly; the 254 changed ones are exactly the MAC layers of tpu-v1 and tpu-v1-nobw-regs at
16/16 (docs/systolic.md). Every field of every LayerResult must match: ints (and bools, strings) exactly
and of the same type, floats exactly or within 1e-12 relative (sums of the same terms in another order).
"""

from __future__ import annotations

from functools import cache

import pytest
from golden_util import diff, energy_diff, golden_by_arch, linear_node_rule, load_maker

from accelsim.pricing import evaluate
from accelsim.workload import Precision

REL_TOL = 1e-12


MAKER = load_maker("make_systolic_golden")


@cache
def _golden() -> dict[str, list[dict]]:
    return golden_by_arch("systolic_golden.json")


def test_golden_covers_the_required_cases():
    golden = _golden()
    assert set(golden) == {name for name, _, _ in MAKER.VARIANTS}
    for preset in MAKER.PRESETS:
        seen = {(c["network"], tuple(c["bits"])) for c in golden[preset]}
        assert seen == {(n, b) for n, _ in MAKER.networks() for b in MAKER.BITS}


@pytest.mark.parametrize("case_name", [name for name, _, _ in MAKER.VARIANTS])
def test_results_equal_golden(case_name: str):
    with linear_node_rule():  # the rule the golden was priced with
        _equal_golden(case_name)


def _equal_golden(case_name: str):
    _, preset, overrides = next(v for v in MAKER.VARIANTS if v[0] == case_name)
    arch = MAKER.make_arch(preset, overrides)
    nets = dict(MAKER.networks())
    failures = []
    for case in _golden()[case_name]:
        layer = nets[case["network"]].layers[case["layer_index"]]
        assert layer.name == case["layer"]
        w, a = case["bits"]
        r, cost = evaluate(layer, Precision(w_bits=w, a_bits=a, out_bits=a), arch)
        want = dict(case["result"])
        path = f"{case['network']}[{case['layer']}] {w}/{a}"
        d = energy_diff(path, dict(cost.energy_breakdown_pj), want.pop("energy_breakdown_pj"))
        if d:
            failures.append(d)
        got = {
            "compute_cycles": r.compute_cycles,
            "stall_cycles": r.stall_cycles,
            "accesses": r.accesses,
            "peak_macs_per_cycle": r.peak_macs_per_cycle,
            "mapping_efficiency": r.mapping_efficiency,
            "mapping": r.mapping.as_dict(),
        }
        d = diff(path, got, want, REL_TOL)
        if d:
            failures.append(d)
    assert not failures, f"{len(failures)} mismatches, first: " + "; ".join(failures[:5])


def test_golden_operand_passes_exactly_above_native_width():
    """The recorded results take several operand passes exactly where an operand is wider than the arch's
    native MAC width (tpu-v1 variants at 16/16); every other recorded MAC layer has none."""
    wide_cases = 0
    for name, preset, overrides in MAKER.VARIANTS:
        native = MAKER.make_arch(preset, overrides).native_operand_bits
        for case in _golden()[name]:
            mapping = case["result"]["mapping"]
            if mapping["kind"] != "systolic":
                continue
            wide = native is not None and max(case["bits"]) > native
            assert ("operand_passes" in mapping) == wide, (name, case["network"], case["layer"], case["bits"])
            wide_cases += wide
    assert wide_cases == 254
