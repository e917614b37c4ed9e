"""accelsim: a cycle-level simulator of DNN accelerators for quantized networks.

The Python API mirrors the CLI::

    import accelsim
    net = accelsim.load_network("resnet18")
    arch = accelsim.load_arch("ideal", macs_per_cycle=512)
    report = accelsim.simulate(net, arch, bits="4/4")
    report.to_dict()
"""

from accelsim.errors import AccelsimInputError
from accelsim.fabrics import load_arch
from accelsim.report import Report
from accelsim.simulate import simulate
from accelsim.workload import Layer, Network, Precision, load_network

__version__ = "0.1.0"

__all__ = [
    "AccelsimInputError",
    "Layer",
    "Network",
    "Precision",
    "Report",
    "load_arch",
    "load_network",
    "simulate",
]
