"""FPGA devices: resource budgets as FINN records them (``src/finn/util/platforms.py`` at 39f0c9a:
``compute_resources`` = [LUT, FF, BRAM_18K, URAM, DSP] per SLR) and FINN's recommended utilisation limits
for timing closure (``DEFAULT_RES_LIMITS`` = 0.7 LUT, 0.5 FF, 0.8 BRAM/URAM/DSP).

The ZC706 (XC7Z045) and XC7K325T of issue 15 are not in FINN's tables and no data sheet is stored with
the project, so they are not offered yet.
"""

from __future__ import annotations

from dataclasses import dataclass

from accelsim.errors import AccelsimInputError, unknown_choice

RESOURCES = ("lut", "ff", "bram18", "uram", "dsp")
#: FINN's DEFAULT_RES_LIMITS (recommended utilisation for timing closure), same order as RESOURCES
DEFAULT_LIMITS = (0.7, 0.5, 0.8, 0.8, 0.8)


@dataclass(frozen=True)
class Device:
    name: str
    part: str
    lut: int
    ff: int
    bram18: int
    uram: int
    dsp: int
    slrs: int = 1

    def budget(self) -> dict[str, int]:
        return {r: getattr(self, r) * self.slrs for r in RESOURCES}


DEVICES: dict[str, Device] = {
    "pynq-z1": Device("pynq-z1", "xc7z020clg400-1", 53200, 106400, 280, 0, 220),
    "ultra96": Device("ultra96", "xczu3eg-sbva484-1-e", 71000, 142000, 412, 0, 360),
    "zcu102": Device("zcu102", "xczu9eg-ffvb1156-2-e", 274000, 548000, 1824, 0, 2520),
    "zcu104": Device("zcu104", "xczu7ev-ffvc1156-2-e", 230000, 460000, 610, 92, 1728),
    "u250": Device("u250", "xcu250-figd2104-2L-e", 375000, 750000, 1152, 320, 2880, slrs=4),
}


def device(name: str) -> Device:
    if name not in DEVICES:
        raise unknown_choice("device", name, DEVICES)
    return DEVICES[name]


def check_fit(used: dict[str, float], dev: Device, limits: tuple[float, ...] = (1, 1, 1, 1, 1)) -> None:
    """A one-line error naming the first resource over ``limit·budget`` and by how much."""
    budget = dev.budget()
    for res, limit in zip(RESOURCES, limits, strict=True):
        have = budget[res] * limit
        need = used.get(res, 0)
        if need > have:
            raise AccelsimInputError(
                "device", f"the design needs {need:,.0f} {res.upper()} but {dev.name} offers {have:,.0f} "
                f"({need - have:,.0f} over, {need / have:.0%} of the limit)"
            )  # fmt: skip
