"""Functional (numerical) simulation: exact integer kernels with configured accumulators."""

from accelsim.functional.bounds import bits_bound, plan_reduction
from accelsim.functional.elementwise import bit_range, fit_bits, int_add
from accelsim.functional.intops import IntResult, clear_workspace, int_conv2d, int_fc, int_gemm, int_matmul
from accelsim.functional.layer import run_layer
from accelsim.functional.pooling import int_global_avgpool, int_pool2d

__all__ = [
    "IntResult",
    "bit_range",
    "bits_bound",
    "clear_workspace",
    "fit_bits",
    "int_add",
    "int_conv2d",
    "int_fc",
    "int_gemm",
    "int_global_avgpool",
    "int_matmul",
    "int_pool2d",
    "plan_reduction",
    "run_layer",
]
