"""FPGA layer-pipelined (FINN-style) streaming accelerators: so far the per-unit cycle and resource
estimates of FINN (:mod:`accelsim.fpga.finn_estimates`), equal to FINN's own estimators (issue 15)."""
