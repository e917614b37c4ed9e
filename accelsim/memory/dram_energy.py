"""DRAM energy per bit from a device's datasheet currents: Micron's power-calculation method plus the link.

Core (per device; Micron TN-41-01 "Calculating memory system power for DDR3" and TN-40-07 "Calculating
memory power for DDR4 SDRAM", in the form DRAMPower and energydram implement them; each current in A, each
time in s, VPP terms only where the device has a VPP rail, DDR4):

* one activate-precharge pair ``E_act = VDD·(IDD0·tRC − IDD3N·tRAS − IDD2N·(tRC − tRAS))
  + VPP·(IPP0·tRC − IPP3N·tRAS − IPP2N·(tRC − tRAS))``;
* one read burst ``E_rd = VDD·(IDD4R − IDD3N)·(BL/2)·tCK`` (write: IDD4W), the burst moving ``width·BL``
  bits;
* active standby while the burst is on the bus ``VDD·IDD3N·(BL/2)·tCK`` (+ VPP·IPP3N);
* refresh ``VDD·(IDD5B − IDD3N)·tRFC`` per ``tREFI``, shared by the bursts of that interval at full
  bandwidth.

``bursts_per_activation`` is the access pattern: ``columns/BL`` when a page is read out whole (streaming,
the default: the tiles accelsim's fabrics fetch are contiguous), 1 when every burst opens a row (random).

Link (per bit moved): the interface's I/O dynamic, PHY, and termination-and-bias power from CACTI-IO
(Jouppi, Kahng, Muralimanohar and Srinivas, IEEE TVLSI 23(7), 2015; run through CACTI 7's ``extio``,
tools/cacti_io_dram.py) at full bus utilization, divided by the bus's bit rate.

Energy per bit = (core energy per burst) / (bits per burst) + link energy per bit.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal


@dataclass(frozen=True, slots=True)
class DramDevice:
    """One DRAM device's datasheet figures (currents in mA, voltages in V, timings in clock cycles)."""

    name: str
    vdd_v: float
    idd0_ma: float
    idd2n_ma: float
    idd3n_ma: float
    idd4r_ma: float
    idd4w_ma: float
    idd5b_ma: float
    clock_mhz: float
    ras_cycles: int
    rc_cycles: int
    rfc_cycles: int
    refi_cycles: int
    width_bits: int
    burst_length: int
    columns: int
    vpp_v: float = 0.0
    ipp0_ma: float = 0.0
    ipp2n_ma: float = 0.0
    ipp3n_ma: float = 0.0

    @property
    def tck_s(self) -> float:
        return 1e-6 / self.clock_mhz

    @property
    def bits_per_burst(self) -> int:
        return self.width_bits * self.burst_length

    @property
    def burst_s(self) -> float:
        """Time a burst occupies the data bus: BL/2 clocks (double data rate)."""
        return self.burst_length / 2 * self.tck_s

    def activation_energy_j(self) -> float:
        """One activate-precharge pair (TN-41-01 eq. for P(ACT) times tRC)."""
        t = self.tck_s
        rc, ras = self.rc_cycles * t, self.ras_cycles * t
        core = self.vdd_v * 1e-3 * (self.idd0_ma * rc - self.idd3n_ma * ras - self.idd2n_ma * (rc - ras))
        pump = self.vpp_v * 1e-3 * (self.ipp0_ma * rc - self.ipp3n_ma * ras - self.ipp2n_ma * (rc - ras))
        return core + pump

    def burst_energy_j(self, op: Literal["read", "write"]) -> float:
        """One read (IDD4R) or write (IDD4W) burst above active standby."""
        idd4 = self.idd4r_ma if op == "read" else self.idd4w_ma
        return self.vdd_v * 1e-3 * (idd4 - self.idd3n_ma) * self.burst_s

    def standby_power_w(self) -> float:
        """Active standby (all banks open), VDD·IDD3N + VPP·IPP3N."""
        return 1e-3 * (self.vdd_v * self.idd3n_ma + self.vpp_v * self.ipp3n_ma)

    def refresh_power_w(self) -> float:
        """Refresh averaged over tREFI: VDD·(IDD5B − IDD3N)·tRFC / tREFI."""
        return self.vdd_v * 1e-3 * (self.idd5b_ma - self.idd3n_ma) * self.rfc_cycles / self.refi_cycles


@dataclass(frozen=True, slots=True)
class DramLink:
    """CACTI-IO's interface power at full utilization (mW) and the bus it was computed for."""

    name: str
    dq_pins: int
    data_rate_mtps: float
    read_mw: float
    write_mw: float

    def pj_per_bit(self, op: Literal["read", "write"]) -> float:
        mw = self.read_mw if op == "read" else self.write_mw
        return mw * 1e-3 / (self.dq_pins * self.data_rate_mtps * 1e6) * 1e12


def energy_breakdown_pj_per_bit(
    device: DramDevice,
    link: DramLink,
    op: Literal["read", "write"] = "read",
    bursts_per_activation: float | None = None,
) -> dict[str, float]:
    """Energy per bit moved (pJ), by part: ``burst``, ``activation``, ``standby``, ``refresh``, ``link``.

    ``bursts_per_activation`` None = streaming (``columns / burst_length``: a page read out whole)."""
    if bursts_per_activation is None:
        bursts_per_activation = device.columns / device.burst_length
    if bursts_per_activation <= 0:
        raise ValueError("bursts_per_activation must be > 0")
    per_bit = 1e12 / device.bits_per_burst
    return {
        "burst": device.burst_energy_j(op) * per_bit,
        "activation": device.activation_energy_j() / bursts_per_activation * per_bit,
        "standby": device.standby_power_w() * device.burst_s * per_bit,
        "refresh": device.refresh_power_w() * device.burst_s * per_bit,
        "link": link.pj_per_bit(op),
    }


def energy_pj_per_bit(
    device: DramDevice,
    link: DramLink,
    op: Literal["read", "write", "mean"] = "mean",
    bursts_per_activation: float | None = None,
) -> float:
    """Energy per bit moved (pJ); ``mean`` = the average of a read and a write bit (accelsim prices reads
    and writes at one ``energy_pj_per_bit``)."""
    if op == "mean":
        return 0.5 * (
            energy_pj_per_bit(device, link, "read", bursts_per_activation)
            + energy_pj_per_bit(device, link, "write", bursts_per_activation)
        )
    return sum(energy_breakdown_pj_per_bit(device, link, op, bursts_per_activation).values())


def load_catalog() -> tuple[dict[str, DramDevice], dict[str, DramLink]]:
    """The shipped devices and links (accelsim/data/dram_devices.yaml), by interface type."""
    from pathlib import Path

    from accelsim.workload import read_yaml

    data = read_yaml(Path(__file__).resolve().parent.parent / "data" / "dram_devices.yaml", "dram_devices")
    devices = {
        k: DramDevice(**{f: v for f, v in d.items() if f != "source"}) for k, d in data["devices"].items()
    }
    return devices, {k: DramLink(**d) for k, d in data["links"].items()}
