"""Fair comparison: ``compare --iso-area`` resizes the baseline's array to the arch's area."""

from __future__ import annotations

import pytest
from cli_util import run_cli

from accelsim.compare import area_mm2, compare_suite, iso_area_baseline
from accelsim.errors import AccelsimInputError
from accelsim.fabrics import load_arch
from accelsim.pricing import Technology


@pytest.mark.parametrize(
    ("baseline", "target"),
    [
        ("eyeriss-bitfusion-baseline", 2.14),
        ("tpu-v1", 300.0),
        ("systolic-vwa", 1.0),
        ("ideal", 12.0),
        ("isaac", 200.0),
    ],
)
def test_iso_area_gets_as_close_as_the_array_grid_allows(baseline, target):
    """The resized baseline's area is the closest to the target among its array sizes: one step of every
    array field up or down lands no closer."""
    tech = Technology(45.0)
    base = load_arch(baseline)
    got = iso_area_baseline(base, target, tech)
    err = abs(area_mm2(got, tech) - target)
    fields = base.ARRAY_FIELDS
    for step in (-1, 1):
        neighbour = got.model_copy(update={f: max(1, getattr(got, f) + step) for f in fields})
        assert err <= abs(area_mm2(neighbour, tech) - target) + 1e-12
    # only the array changed
    assert got.model_dump(exclude=set(fields)) == base.model_dump(exclude=set(fields))


def test_iso_area_errors_are_named():
    with pytest.raises(AccelsimInputError, match="published chip"):
        iso_area_baseline(load_arch("unpu"), 5.0)
    with pytest.raises(AccelsimInputError, match="hierarchical mesh"):
        iso_area_baseline(load_arch("eyeriss-v2"), 5.0)
    with pytest.raises(AccelsimInputError, match="buffers alone take"):
        iso_area_baseline(load_arch("tpu-v1"), 1.0)
    with pytest.raises(AccelsimInputError, match="published table"):
        compare_suite(
            ["bitfusion-lenet-5"] and "bitfusion", "bitfusion", "bitfusion-paper-eyeriss", iso_area=True
        )


def test_compare_iso_area_reports_the_resize(capsys):
    code, out, err = run_cli(
        [
            "compare",
            "-n",
            "bitfusion-lenet-5",
            "-a",
            "bitfusion",
            "-b",
            "eyeriss-bitfusion-baseline",
            "--tech",
            "45",
            "--iso-area",
        ],
        capsys,  # fmt: skip
    )
    assert code == 0, err
    text = " ".join(out.split())
    assert "iso-area: eyeriss-bitfusion-baseline resized, pe_rows 16→9, pe_cols 16→9" in text
