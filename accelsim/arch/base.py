"""Fields shared by every architecture, whatever its fabric.

A concrete architecture is a subclass of :class:`ArchitectureBase` defined by a fabric plug-in
(:mod:`accelsim.fabrics`) with ``fabric: Literal["<name>"]`` and its own fields. Extra keys are errors,
every field is documented and carries its unit in its name.
"""

from __future__ import annotations

from typing import Any, ClassVar, Literal

from pydantic import Field, model_validator

from accelsim.arch.sfu import SfuConfig
from accelsim.workload import StrictModel


class DramConfig(StrictModel):
    """Off-chip memory: bandwidth and energy per bit (given, or from the interface ``type``)."""

    bandwidth_bytes_per_cycle: float | None = Field(
        None, gt=0, description="sustained DRAM bandwidth in bytes per core cycle; null = unlimited"
    )
    type: Literal["LPDDR4", "LPDDR", "DDR3", "DDR4", "GDDR5", "HBM2", "HMC"] | None = Field(
        None,
        description="DRAM interface: sets energy_pj_per_bit (replacing any value) from "
        "accelsim.tech.DRAM_PJ_PER_BIT_BY_TYPE",
    )
    energy_pj_per_bit: float = Field(
        20.0, ge=0, description="energy per bit read or written (default Horowitz 45 nm: 640 pJ / 32 bit)"
    )

    @model_validator(mode="before")
    @classmethod
    def _energy_from_type(cls, data: Any) -> Any:
        if isinstance(data, dict) and data.get("type") is not None:
            from accelsim import tech

            if data["type"] in tech.DRAM_PJ_PER_BIT_BY_TYPE:  # the type's energy replaces any given one
                data = {**data, "energy_pj_per_bit": tech.DRAM_PJ_PER_BIT_BY_TYPE[data["type"]]}
        return data


class Calibration(StrictModel):
    """Constants fitted so that published figures come out (the *fit set*), kept apart from the physics.

    Loading a preset applies ``fields`` (dotted architecture fields) over its physics description;
    ``load_arch(..., calibrated=False)`` / ``--no-calibration`` leaves them out, giving the physics-only
    prediction (each field's physics default). A figure a calibration was fitted to is never a validation
    of that preset (REFERENCES.md, docs/validation.md)."""

    fitted_to: str = Field(description="the published figures the fields were fitted to, with their source")
    fields: dict[str, Any] = Field(description="dotted architecture field -> fitted value")
    structural: str = Field(
        "", description="constants of the preset's structure also fitted to published figures (kept without "
        "calibration: they define the chip)",
    )  # fmt: skip
    applied: bool = Field(True, description="false when loaded with --no-calibration")

    def describe(self) -> str:
        """``calibrated to <figures>`` or ``physics only (N fitted fields left out)``."""
        if self.applied:
            return f"calibrated to {self.fitted_to}"
        return f"physics only ({len(self.fields)} fitted field(s) left out: {', '.join(self.fields)})"


class PeakFigures(StrictModel):
    """Peak capability of an architecture at one W/A precision (1 MAC = 2 ops)."""

    w_bits: int
    a_bits: int
    macs_per_cycle: float
    gops: float = Field(description="peak giga-operations per second")
    power_w: float | None = Field(None, description="power at peak throughput, when the model knows it")
    area_mm2: float | None = Field(None, description="chip (or modeled core) area")
    tops_per_w: float | None = None
    tops_per_mm2: float | None = None
    notes: str = ""

    @classmethod
    def from_rates(
        cls,
        w_bits: int,
        a_bits: int,
        macs_per_cycle: float,
        frequency_hz: float,
        pj_per_cycle: float | None = None,
        area_mm2: float | None = None,
        notes: str = "",
    ) -> PeakFigures:
        """Derive the figures: GOPS = 2·MACs/cycle·f/1e9; power = pJ/cycle·f·1e-12;
        TOPS/W = GOPS/1e3/power; TOPS/mm² = GOPS/1e3/area."""
        gops = 2.0 * macs_per_cycle * frequency_hz / 1e9
        power_w = None if pj_per_cycle is None else pj_per_cycle * frequency_hz * 1e-12
        return cls(
            w_bits=w_bits,
            a_bits=a_bits,
            macs_per_cycle=macs_per_cycle,
            gops=gops,
            power_w=power_w,
            area_mm2=area_mm2,
            tops_per_w=None if not power_w else gops / 1e3 / power_w,
            tops_per_mm2=None if not area_mm2 else gops / 1e3 / area_mm2,
            notes=notes,
        )


class ArchitectureBase(StrictModel):
    """What every architecture has: identity, clock, technology node and DRAM."""

    name: str = Field(description="preset name")
    description: str = Field("", description="one-line description")
    source: str = Field("", description="paper or document the preset follows")
    fabric: str = Field(description="which fabric plug-in models this architecture")
    frequency_hz: float = Field(gt=0, description="core clock in Hz")
    technology_nm: float = Field(
        45.0, gt=0, description="process node in nm (energy tables scale from 45 nm)"
    )
    dram: DramConfig = Field(default_factory=DramConfig, description="off-chip memory")
    sfu: SfuConfig = Field(
        default_factory=SfuConfig,
        description="special-function unit for transformer nonlinear ops (softmax, norms, GELU/SiLU, ...)",
    )
    calibration: Calibration | None = Field(
        None, description="fitted constants, applied over the preset unless loaded with --no-calibration"
    )

    @classmethod
    def __pydantic_init_subclass__(cls, **kwargs: object) -> None:
        """Fabric models redeclare ``fabric`` as a Literal; keep its documentation in the schema."""
        super().__pydantic_init_subclass__(**kwargs)
        field = cls.model_fields.get("fabric")
        if field is not None and not field.description:
            field.description = f"fabric plug-in that models this architecture (always {field.default!r})"
            cls.model_rebuild(force=True)

    def cycles_to_s(self, cycles: float) -> float:
        return cycles / self.frequency_hz

    # ---- the cost stage's estimators (accelsim.pricing): fabrics extend these ------------------------
    def action_energy_pj(self, component: str, action: str, args: tuple) -> float:
        """Energy of one action of one component at this architecture's native technology (pJ).

        Fabrics override this for their components and call ``super()`` for the shared ones; the base
        prices DRAM (``dram.read`` / ``dram.write``: ``dram.energy_pj_per_bit`` per bit)."""
        if component == "dram" and action in ("read", "write"):
            return self.dram.energy_pj_per_bit
        if component == "digital.sfu" and action == "mac":
            from accelsim import tech

            return tech.int_mac_energy_pj(*args, node_nm=self.technology_nm)
        raise ValueError(f"fabric {self.fabric!r} prices no action {component}.{action}{args}")

    def pricing_vdd_v(self) -> float | None:
        """The supply voltage this architecture's estimators price at (V); None = the reference supply of
        :mod:`accelsim.scaling`, at which the 45 nm tables are scaled to ``technology_nm``. The pricing stage
        re-prices from this voltage."""
        return None

    def component_areas_mm2(self) -> dict[str, float]:
        """Area of every on-chip component (mm², all instances) at the native technology; empty = the
        fabric has no area model."""
        return {}

    #: the fields that size the compute array, scaled together by :meth:`scale_array` (``compare
    #: --iso-area``); empty = the fabric's array cannot be resized
    ARRAY_FIELDS: ClassVar[tuple[str, ...]] = ()

    def scale_array(self, factor: float) -> ArchitectureBase:
        """A copy whose compute array has about ``factor`` times the PEs (each of the ``ARRAY_FIELDS``
        multiplied by ``factor^(1/len)``, rounded, at least 1); buffers and everything else unchanged."""
        from accelsim.errors import AccelsimInputError

        if not self.ARRAY_FIELDS:
            raise AccelsimInputError("--iso-area", f"fabric {self.fabric!r} has no array to resize")
        per_field = factor ** (1.0 / len(self.ARRAY_FIELDS))
        update = {f: max(1, round(getattr(self, f) * per_field)) for f in self.ARRAY_FIELDS}
        return self.model_copy(update=update)

    def peak(self, w_bits: int, a_bits: int) -> PeakFigures:
        """Peak GOPS, TOPS/W and TOPS/mm² at these bits. Fabrics override this; the default says so."""
        from accelsim.errors import AccelsimInputError

        raise AccelsimInputError("arch", f"fabric {self.fabric!r} does not model peak figures")
