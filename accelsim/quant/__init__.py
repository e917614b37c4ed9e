"""Quantization library: quantizers, calibration, integer requantization, folding (docs/quantization.md).

Imports nothing else of accelsim except :mod:`accelsim.errors`.
"""

from accelsim.quant.binary import bwn_weights, xnor_activations
from accelsim.quant.calibration import calibrate
from accelsim.quant.codebook import kmeans_quantize
from accelsim.quant.dorefa import dorefa_activations, dorefa_weights
from accelsim.quant.folding import fold_batchnorm, fold_zero_points, gemm_int_folded, quantize_bias
from accelsim.quant.layer_sim import conv2d_fake_vs_real, fc_fake_vs_real, gemm_fake_vs_real, im2col, mismatch
from accelsim.quant.logquant import LogTensor, log2_quantize, log4_quantize
from accelsim.quant.minifloat import FP8_E5M2, MinifloatFormat, MinifloatTensor, fp8_quantize
from accelsim.quant.pact import pact
from accelsim.quant.qnn import qnn_binarize, qnn_linear_quant
from accelsim.quant.qtensor import CodebookTensor, QTensor, int_range
from accelsim.quant.registry import QuantizerSpec, available_quantizers, get_quantizer
from accelsim.quant.requant import quantize_multiplier, requantize
from accelsim.quant.ternary import ttq_weights, twn_weights
from accelsim.quant.uniform import compute_qparams, fake_quantize, quantize, quantize_with

__all__ = [
    "FP8_E5M2",
    "CodebookTensor",
    "LogTensor",
    "MinifloatFormat",
    "MinifloatTensor",
    "QTensor",
    "QuantizerSpec",
    "available_quantizers",
    "bwn_weights",
    "calibrate",
    "compute_qparams",
    "conv2d_fake_vs_real",
    "dorefa_activations",
    "dorefa_weights",
    "fake_quantize",
    "fc_fake_vs_real",
    "fold_batchnorm",
    "fold_zero_points",
    "fp8_quantize",
    "gemm_int_folded",
    "gemm_fake_vs_real",
    "get_quantizer",
    "im2col",
    "int_range",
    "kmeans_quantize",
    "log2_quantize",
    "log4_quantize",
    "mismatch",
    "pact",
    "qnn_binarize",
    "qnn_linear_quant",
    "quantize",
    "quantize_bias",
    "quantize_multiplier",
    "quantize_with",
    "requantize",
    "ttq_weights",
    "twn_weights",
    "xnor_activations",
]
