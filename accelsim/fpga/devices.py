"""FPGA devices: resource budgets as FINN records them (``src/finn/util/platforms.py`` at 39f0c9a:
``compute_resources`` = [LUT, FF, BRAM_18K, URAM, DSP] per SLR) and FINN's recommended utilisation limits
for timing closure (``DEFAULT_RES_LIMITS`` = 0.7 LUT, 0.5 FF, 0.8 BRAM/URAM/DSP).

Two boards of issue 15 are not in FINN's tables; their budgets (:data:`SOURCES`) are the vendor data-sheet
figures, checked against stored public copies:

* ``zc706`` — XC7Z045 (``xc7z045ffg900-2``), Xilinx DS190 "Zynq-7000 SoC Data Sheet: Overview": 218,600
  LUTs, 437,200 FFs, 545 BRAM36 (19.2 Mb) = 1,090 BRAM18, 900 DSP slices. Verified against
  AlexMontgomerie/fpgaconvnet-model ``fpgaconvnet/platform/configs/zc706.toml`` (part xc7z045ffg900-2:
  ``DSP = 900, BRAM = 1090, FF = 437200, LUT = 218600``) and AlexMontgomerie/fpgaconvnet-optimiser
  ``examples/platforms/zc706.json`` (same figures).
* ``kc705`` — XC7K325T (``xc7k325tffg900-2``; the KC705 board carries the XC7K325T-2FFG900C, Xilinx UG810),
  Xilinx DS180 "7 Series FPGAs Data Sheet: Overview": 203,800 LUTs, 407,600 FFs, 445 BRAM36 = 890 BRAM18,
  840 DSP slices. Verified against the "Available" column Vivado reports for this device in
  twosigma/frost ``fpga/build/genesys2/SUMMARY_final.md`` (Genesys2 board, Kintex-7 XC7K325T: LUTs 203800,
  Registers 407600, Block RAM 445, DSPs 840).

Neither 7-series part has UltraRAM. Clocks are not part of a device here: the architecture's
``frequency_hz`` sets it.
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

    @property
    def silicon(self) -> str:
        """The die the part number names, without package and speed grade (``xc7z020clg400-1`` ->
        ``xc7z020``), as the power model keys its data."""
        import re

        first = self.part.split("-")[0]
        m = re.match(r"(.*?)(?:clg|ffg|sbg|fbg|ffv|sbv|fig|flg)\d+$", first)
        return m.group(1) if m else first


DEVICES: dict[str, Device] = {
    "pynq-z1": Device("pynq-z1", "xc7z020clg400-1", 53200, 106400, 280, 0, 220),
    "ultra96": Device("ultra96", "xczu3eg-sbva484-1-e", 71000, 142000, 412, 0, 360),
    "zcu102": Device("zcu102", "xczu9eg-ffvb1156-2-e", 274000, 548000, 1824, 0, 2520),
    "zcu104": Device("zcu104", "xczu7ev-ffvc1156-2-e", 230000, 460000, 610, 92, 1728),
    "u250": Device("u250", "xcu250-figd2104-2L-e", 375000, 750000, 1152, 320, 2880, slrs=4),
    "zc706": Device("zc706", "xc7z045ffg900-2", 218600, 437200, 1090, 0, 900),
    "kc705": Device("kc705", "xc7k325tffg900-2", 203800, 407600, 890, 0, 840),
}

#: where each budget comes from (module docstring)
SOURCES: dict[str, str] = {
    **{
        name: "FINN src/finn/util/platforms.py (39f0c9a)"
        for name in ("pynq-z1", "ultra96", "zcu102", "zcu104", "u250")
    },
    "zc706": "Xilinx DS190 (XC7Z045); fpgaconvnet-model fpgaconvnet/platform/configs/zc706.toml",
    "kc705": "Xilinx DS180 (XC7K325T), UG810 (KC705); twosigma/frost fpga/build/genesys2/SUMMARY_final.md",
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
            share = f"{need / have:.0%} of the limit" if have else "the device has none"
            raise AccelsimInputError(
                "device", f"the design needs {need:,.0f} {res.upper()} but {dev.name} offers {have:,.0f} "
                f"({need - have:,.0f} over, {share})"
            )  # fmt: skip
