"""Functional (numerical) simulation: exact integer kernels with configured accumulators."""

from accelsim.functional.bounds import bits_bound, plan_reduction
from accelsim.functional.intops import IntResult, int_conv2d, int_fc, int_gemm, int_matmul

__all__ = ["IntResult", "bits_bound", "int_conv2d", "int_fc", "int_gemm", "int_matmul", "plan_reduction"]
