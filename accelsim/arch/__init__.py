"""Architecture schema: the fields every fabric shares (:mod:`accelsim.arch.base`) and the named presets
(YAML files in ``accelsim/arch/presets``). Fabric-specific models live with their plug-in in
:mod:`accelsim.fabrics`."""

from accelsim.arch.base import ArchitectureBase, DramConfig, PeakFigures

__all__ = ["ArchitectureBase", "DramConfig", "PeakFigures"]
