"""Accuracy and cost from one configuration: numbers through a fabric's datapath next to its latency and energy.

This module sits beside :mod:`accelsim.cost` in the flow: it resolves an architecture name to its fabric's
datapath (the ``functional_layer`` / ``measured_arch`` hooks of :mod:`accelsim.fabrics`), runs the integer
execution of :mod:`accelsim.functional` through it, and simulates the same network with
:func:`accelsim.simulate.simulate`. :mod:`accelsim.functional` itself only ever receives a resolved datapath.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import numpy as np

from accelsim.arch.base import ArchitectureBase
from accelsim.errors import AccelsimInputError
from accelsim.fabrics import get_fabric_hook, get_functional_layer, load_arch
from accelsim.functional.executor import Execution, run_integer
from accelsim.functional.metrics import (
    DATA_KEYS,
    LABEL_KEYS,
    compare,
    has_key,
    jsonable,
    load_array,
    shipped_model,
)
from accelsim.functional.ptq import QuantizedModel, ptq
from accelsim.simulate import simulate
from accelsim.workload import Network, coerce_batch, load_network, parse_bits


def datapath(arch: ArchitectureBase | str | Path) -> tuple[ArchitectureBase, Callable | None]:
    """The architecture model and its fabric's ``functional_layer`` (None = exact integer kernels)."""
    model = arch if isinstance(arch, ArchitectureBase) else load_arch(arch)
    return model, get_functional_layer(model.fabric)


def run_integer_on(
    model: QuantizedModel, x: np.ndarray, arch, seed: int = 0, x_is_codes: bool = False
) -> Execution:
    """:func:`accelsim.functional.executor.run_integer` through ``arch``'s datapath (name, path or model)."""
    arch_model, functional = datapath(arch)
    return run_integer(model, x, arch=arch_model, seed=seed, x_is_codes=x_is_codes, functional=functional)


def compare_on(model: QuantizedModel, x: np.ndarray, labels=None, arch=None, seed: int = 0) -> dict:
    """:func:`accelsim.functional.metrics.compare` with the integer execution through ``arch``'s datapath."""
    if arch is None:
        return compare(model, x, labels, seed=seed)
    arch_model, functional = datapath(arch)
    return compare(model, x, labels, arch=arch_model, seed=seed, functional=functional)


def accuracy_report(
    network,
    arch,
    data=None,
    labels=None,
    bits: str | tuple[int, int] | None = None,
    seed: int = 0,
    method: str = "minmax",
    per_channel: bool = True,
    keep_first_last_bits: int | None = None,
    calib=None,
    rounding: str = "gemmlowp",
    max_images: int | None = None,
    quantizer: str | dict[str, str] = "uniform",
    act_quantizer: str = "uniform",
    batch: int | None = None,
) -> dict:
    """Latency/energy :class:`accelsim.report.Report` of ``simulate(network, arch, bits)`` plus the mismatch
    metrics of :func:`compare` (integer execution through ``arch``'s fabric datapath).

    ``batch``: the batch the cost side is simulated at (default: all evaluated images as one batch); the
    accuracy side always runs every image.

    ``network``: a :class:`Network`, a zoo name, a YAML path or an ``.onnx`` path (float graphs are PTQ'd,
    quantized graphs run with their own parameters). Weights: ONNX initializers, the shipped trained weights
    (lenet5-digits), else He-normal random weights drawn with ``seed``. ``data``/``labels``: arrays or
    .npz/.npy paths (keys x/data/inputs/test_x and y/labels/test_y); default: the shipped test set, else 2
    uniform [0, 1) random images drawn with ``seed``. ``calib``: calibration inputs (default: the shipped
    calibration set, else the first 32 data images). ``bits``: 'W/A' for every layer. ``quantizer`` /
    ``act_quantizer``: weight and activation formats of :func:`accelsim.functional.ptq.ptq`.

    The shipped transformer ``tiny-transformer-digits`` goes to :func:`transformer_accuracy_report`
    (integer attention, :mod:`accelsim.functional.transformer_int`).
    """

    if _is_shipped_transformer(network):
        return transformer_accuracy_report(
            arch, data=data, labels=labels, bits=bits, seed=seed, method=method, per_channel=per_channel,
            keep_first_last_bits=keep_first_last_bits, calib=calib, rounding=rounding, max_images=max_images,
            quantizer=quantizer, act_quantizer=act_quantizer, batch=batch,
        )  # fmt: skip
    onnx_model = None
    if isinstance(network, str | Path) and str(network).lower().endswith(".onnx"):
        from accelsim.io.onnx import load_onnx

        onnx_model = load_onnx(network)
        net = onnx_model.network
        w, b, x0, y0, c0 = onnx_model.weights, onnx_model.biases, None, None, None
    else:
        net = network if isinstance(network, Network) else load_network(network)
        w, b, x0, y0, c0 = shipped_model(net, seed)
    wa = None
    if bits is not None:
        wa = parse_bits(bits) if isinstance(bits, str) else tuple(bits)
    x = load_array(data, DATA_KEYS, "data")
    if labels is None and data is not None and not isinstance(data, np.ndarray):
        labels = load_array(data, LABEL_KEYS, "labels") if has_key(data, LABEL_KEYS) else None
    y = load_array(labels, LABEL_KEYS, "labels")
    if x is None:
        if x0 is not None:
            x, y = x0, (y0 if y is None else y)
        else:
            inp = net.input
            if inp is None:
                raise AccelsimInputError("data", f"network {net.name!r} declares no input shape; pass --data")
            rng = np.random.default_rng(seed)
            if net.layers[0].op == "matmul" and inp.width == 1:  # [rows × features] tokens, e.g. BERT
                x = rng.random((2, inp.height, inp.channels))
            else:
                x = rng.random((2, inp.channels, inp.height, inp.width))
    x = np.asarray(x, np.float64)
    if max_images is not None:
        if max_images < 1:
            raise AccelsimInputError("max_images", f"must be >= 1, got {max_images}")
        x = x[:max_images]
        y = None if y is None else np.asarray(y)[:max_images]
    cal = load_array(calib, DATA_KEYS, "calib")
    if cal is None:
        cal = c0 if c0 is not None else x[:32]
    if onnx_model is not None and onnx_model.quantized and wa is None:
        model = onnx_model
    else:
        model = ptq(
            net,
            w,
            cal,
            b,
            w_bits=None if wa is None else wa[0],
            a_bits=None if wa is None else wa[1],
            method=method,
            per_channel=per_channel,
            keep_first_last_bits=keep_first_last_bits,
            seed=seed,
            quantizer=quantizer,
            act_quantizer=act_quantizer,
        )
    model.rounding = rounding
    cost_batch = coerce_batch(batch) or x.shape[0]
    sim_net = net.with_batch(cost_batch) if cost_batch != net.batch else net
    arch_model, functional = datapath(arch)
    integer = run_integer(model, x, arch=arch_model, seed=seed, functional=functional)
    measured = get_fabric_hook(arch_model.fabric, "measured_arch")
    perf_arch = measured(arch_model, model, integer) if measured is not None else arch_model
    report = simulate(sim_net, perf_arch, bits=None if wa is None else wa)
    acc = compare(model, x, y, arch=arch_model, seed=seed, integer=integer, functional=functional)
    _attach_mismatch(report, acc)
    return {
        "network": net.name,
        "arch": report.arch,
        "bits": None if wa is None else f"{wa[0]}/{wa[1]}",
        "method": method,
        "quantizer": quantizer if isinstance(quantizer, str) else dict(quantizer),
        "act_quantizer": act_quantizer,
        "rounding": rounding,
        "weights": "onnx"
        if onnx_model is not None
        else ("shipped" if x0 is not None else f"random(seed={seed})"),
        "performance": report.to_dict(),
        "accuracy": jsonable(acc),
    }


def _is_shipped_transformer(network) -> bool:
    from accelsim.functional.transformer_int import NETWORK

    if isinstance(network, Network):
        return network.name == NETWORK
    return isinstance(network, str) and network == NETWORK


def transformer_accuracy_report(
    arch,
    data=None,
    labels=None,
    bits: str | tuple[int, int] | None = None,
    seed: int = 0,
    method: str = "minmax",
    per_channel: bool = True,
    keep_first_last_bits: int | None = None,
    calib=None,
    rounding: str = "gemmlowp",
    max_images: int | None = None,
    quantizer: str | dict[str, str] = "uniform",
    act_quantizer: str = "uniform",
    batch: int | None = None,
    res_bits: int = 16,
) -> dict:
    """:func:`accuracy_report` of the shipped tiny transformer (``tiny-transformer-digits``): the cost of
    ``simulate(network, arch, bits)`` plus the mismatch of its integer-only execution
    (:mod:`accelsim.functional.transformer_int`: PTQ with per-channel symmetric weights and per-tensor
    activations calibrated by minmax, exact integer matmuls, I-BERT softmax/LayerNorm/GELU) against float.

    The integer execution runs on the exact kernels (32-bit accumulators), not through ``arch``'s fabric
    datapath hooks: the mismatch is quantization plus integer-nonlinearity and requantization error.
    ``data``: images [n, 8, 8] (real values, the shipped ones are pixel/16) or tokens [n, 16, 4]; default
    the shipped 540 test images. ``bits``: 'W/A' of every matmul (default 8/8); the residual stream and the
    logits stay at ``res_bits``. Only ``method='minmax'``, per-channel uniform weights and uniform
    activations are supported (anything else is a one-line :class:`AccelsimInputError`).
    """
    from accelsim.functional import transformer_int as ti

    for field, value, default in (("ptq_method", method, "minmax"), ("quantizer", quantizer, "uniform"),
                                  ("act_quantizer", act_quantizer, "uniform")):  # fmt: skip
        if value != default:
            raise AccelsimInputError(field, f"{ti.NETWORK} supports only {default}, got {value!r}")
    if not per_channel:
        raise AccelsimInputError("per_channel", f"{ti.NETWORK} quantizes its weights per channel only")
    if keep_first_last_bits is not None:
        raise AccelsimInputError("keep_first_last_bits", f"is not supported for {ti.NETWORK}")
    net = load_network(ti.NETWORK)
    wa = None
    if bits is not None:
        wa = parse_bits(bits) if isinstance(bits, str) else tuple(bits)
    w_bits, a_bits = wa if wa is not None else (net.precision.w_bits, net.precision.a_bits)
    shipped = ti.load_shipped()
    x = load_array(data, DATA_KEYS, "data")
    if labels is None and data is not None and not isinstance(data, np.ndarray):
        labels = load_array(data, LABEL_KEYS, "labels") if has_key(data, LABEL_KEYS) else None
    y = load_array(labels, LABEL_KEYS, "labels")
    if x is None:
        x, y = shipped.test_x, (shipped.test_y if y is None else y)
    tokens = ti.to_tokens(x)
    if max_images is not None:
        if max_images < 1:
            raise AccelsimInputError("max_images", f"must be >= 1, got {max_images}")
        tokens = tokens[:max_images]
        y = None if y is None else np.asarray(y)[:max_images]
    cal = load_array(calib, DATA_KEYS, "calib")
    cal = shipped.calib_x if cal is None else cal
    qm = ti.ptq_transformer(
        shipped.params, ti.to_tokens(cal), w_bits=w_bits, a_bits=a_bits, res_bits=max(res_bits, a_bits),
        rounding=rounding, seed=seed,
    )  # fmt: skip
    acc = ti.compare_transformer(qm, tokens, y)
    arch_model = arch if isinstance(arch, ArchitectureBase) else load_arch(arch)
    cost_batch = coerce_batch(batch) or tokens.shape[0]
    sim_net = net.with_batch(cost_batch) if cost_batch != net.batch else net
    report = simulate(sim_net, arch_model, bits=None if wa is None else wa)
    _attach_mismatch(report, acc)
    return {
        "network": net.name,
        "arch": report.arch,
        "bits": f"{w_bits}/{a_bits}",
        "method": method,
        "quantizer": "uniform",
        "act_quantizer": act_quantizer,
        "rounding": rounding,
        "weights": "shipped",
        "res_bits": qm.res_bits,
        "note": (
            "integer-only execution on exact integer kernels (not through the fabric's datapath hooks): the "
            f"mismatch is quantization + integer softmax/LayerNorm/GELU + requantization error; residual "
            f"stream and logits at {qm.res_bits} bits"
        ),
        "performance": report.to_dict(),
        "accuracy": jsonable(acc),
    }


def _attach_mismatch(report, acc: dict) -> None:
    """Fill the Report's ``mismatch`` fields from :func:`compare`: per layer the integer execution against
    float (SQNR, relative MSE) and against fake quantization (max error in LSBs, fraction bit-exact); for the
    network the overall numeric metrics."""
    rows = {r["name"]: r for r in acc["layers"]}
    for layer in report.layers:
        row = rows.get(layer.name)
        if row is None:
            continue
        layer.mismatch = {
            "sqnr_db_int_vs_float": _num(row["int_vs_float"]["sqnr_db"]),
            "rel_mse_int_vs_float": _num(row["int_vs_float"]["rel_mse"]),
            "max_err_lsb_int_vs_fake": _num(row["int_vs_fake"]["max_err_lsb"]),
            "frac_bit_exact_int_vs_fake": _num(row["int_vs_fake"]["frac_bit_exact"]),
        }
    report.mismatch = {k: _num(v) for k, v in acc["overall"].items() if isinstance(v, int | float)}


def _num(value) -> float:
    return float(value)
