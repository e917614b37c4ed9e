"""Mismatch metrics between the float, fake-quantized and integer-only executions.

Definitions (``ref`` = the reference tensor, ``t`` = the tested one, sums over all elements):

* relative MSE: ``Σ (t − ref)² / Σ ref²`` (0 when both are zero);
* SQNR (dB): ``10·log10(Σ ref² / Σ (t − ref)²)`` (+inf when ``t == ref``);
* max abs error in output LSBs: integer vs fake ``max |q_int − q_fake|`` on the output codes; versus float
  ``max |s_y·(q_int − z_y) − y_float| / s_y``;
* fraction bit-exact: ``mean(q_int == q_fake)`` in the output integer domain;
* top-1 agreement: fraction of images whose arg-max class is the same in both executions (outputs flattened
  per image);
* accuracy: fraction of images whose arg-max class equals the label.
"""

from __future__ import annotations

import math

import numpy as np

from accelsim.errors import AccelsimInputError
from accelsim.functional.executor import (
    Execution,
    dequantize_outputs,
    float_execution,
    run_fake,
    run_integer,
)
from accelsim.functional.ptq import QuantizedModel


def rel_mse(ref: np.ndarray, t: np.ndarray) -> float:
    ref = np.asarray(ref, np.float64)
    err = float(np.sum((np.asarray(t, np.float64) - ref) ** 2))
    sig = float(np.sum(ref**2))
    if err == 0.0:
        return 0.0
    return err / sig if sig > 0 else math.inf


def sqnr_db(ref: np.ndarray, t: np.ndarray) -> float:
    ref = np.asarray(ref, np.float64)
    err = float(np.sum((np.asarray(t, np.float64) - ref) ** 2))
    sig = float(np.sum(ref**2))
    if err == 0.0:
        return math.inf
    if sig == 0.0:
        return -math.inf
    return 10.0 * math.log10(sig / err)


def max_err_lsb(ref: np.ndarray, t: np.ndarray, lsb: float = 1.0) -> float:
    d = np.abs(np.asarray(t, np.float64) - np.asarray(ref, np.float64))
    return float(d.max(initial=0.0)) / lsb


def frac_bit_exact(a: np.ndarray, b: np.ndarray) -> float:
    a, b = np.asarray(a), np.asarray(b)
    return float(np.mean(a == b)) if a.size else 1.0


def top1(y: np.ndarray) -> np.ndarray:
    y = np.asarray(y)
    return y.reshape(y.shape[0], -1).argmax(axis=1)


def top1_agreement(a: np.ndarray, b: np.ndarray) -> float:
    return float(np.mean(top1(a) == top1(b)))


def accuracy(y: np.ndarray, labels: np.ndarray) -> float:
    labels = np.asarray(labels).reshape(-1)
    if labels.shape[0] != np.asarray(y).shape[0]:
        raise AccelsimInputError("labels", f"need {np.asarray(y).shape[0]} labels, got {labels.shape[0]}")
    return float(np.mean(top1(y) == labels))


def compare(
    model: QuantizedModel,
    x: np.ndarray,
    labels: np.ndarray | None = None,
    arch: object | None = None,
    seed: int = 0,
    integer: Execution | None = None,
    functional=None,
) -> dict:
    """Run the three executions on float inputs ``x`` and return per-layer and overall mismatch metrics.

    With ``arch`` (an architecture model) the integer execution goes through ``functional``, that fabric's
    datapath (None = the plain exact kernels), and the plain exact kernels are also compared with it
    (``fabric_vs_ideal``). :func:`accelsim.accuracy.compare_on` resolves both from a preset name.
    """
    fl = float_execution(model, x)
    fk = run_fake(model, x)
    it = (
        integer if integer is not None else run_integer(model, x, arch=arch, seed=seed, functional=functional)
    )
    ideal = None
    if arch is not None:  # the fabric's datapath versus the plain exact kernels
        ideal = it if functional is None else run_integer(model, x)
    deq = dequantize_outputs(model, it)
    local = run_fake(model, x, feed=deq)  # each layer fed the integer execution's own inputs
    layers = []
    for layer in model.network.layers:
        lq = model.layers[layer.name]
        q_int = it.tensors[layer.name]
        q_fk = fk.codes[layer.name]
        lsb = lq.output.scale if lq.output is not None else 1.0
        row = {
            "name": layer.name,
            "op": layer.op,
            "bits": f"{lq.w_bits}/{lq.a_bits}" if layer.has_macs else "",
            "int_vs_fake": {
                "rel_mse": rel_mse(fk.tensors[layer.name], deq[layer.name]),
                "sqnr_db": sqnr_db(fk.tensors[layer.name], deq[layer.name]),
                "max_err_lsb": max_err_lsb(q_fk, q_int),
                "frac_bit_exact": frac_bit_exact(q_fk, q_int),
            },
            "local_int_vs_fake": {
                "max_err_lsb": max_err_lsb(local.codes[layer.name], q_int),
                "frac_bit_exact": frac_bit_exact(local.codes[layer.name], q_int),
            },
            "int_vs_float": {
                "rel_mse": rel_mse(fl.tensors[layer.name], deq[layer.name]),
                "sqnr_db": sqnr_db(fl.tensors[layer.name], deq[layer.name]),
                "max_err_lsb": max_err_lsb(fl.tensors[layer.name], deq[layer.name], lsb),
            },
            "stats": dict(it.stats.get(layer.name, {})),
        }
        if ideal is not None:
            row["fabric_vs_ideal"] = {
                "max_err_lsb": max_err_lsb(ideal.tensors[layer.name], q_int),
                "frac_bit_exact": frac_bit_exact(ideal.tensors[layer.name], q_int),
            }
        layers.append(row)
    name = fl.output_name
    overall = {
        "images": int(np.asarray(x).shape[0]),
        "output_sqnr_db_int_vs_float": sqnr_db(fl.output, deq[name]),
        "output_rel_mse_int_vs_float": rel_mse(fl.output, deq[name]),
        "output_max_err_lsb_int_vs_fake": max_err_lsb(fk.codes[name], it.tensors[name]),
        "output_frac_bit_exact_int_vs_fake": frac_bit_exact(fk.codes[name], it.tensors[name]),
        "all_layers_frac_bit_exact_int_vs_fake": _pooled_exact(fk, it, model),
        "local_max_err_lsb_int_vs_fake": max(r["local_int_vs_fake"]["max_err_lsb"] for r in layers),
        "local_frac_bit_exact_int_vs_fake": _pooled_exact(local, it, model),
        "top1_agreement_int_vs_float": top1_agreement(fl.output, deq[name]),
        "top1_agreement_int_vs_fake": top1_agreement(fk.output, deq[name]),
        "top1_agreement_fake_vs_float": top1_agreement(fl.output, fk.output),
    }
    if ideal is not None:
        overall["top1_agreement_fabric_vs_ideal"] = top1_agreement(ideal.tensors[name], it.tensors[name])
        overall["output_frac_bit_exact_fabric_vs_ideal"] = frac_bit_exact(
            ideal.tensors[name], it.tensors[name]
        )
    if labels is not None:
        overall["accuracy_float"] = accuracy(fl.output, labels)
        overall["accuracy_fake"] = accuracy(fk.output, labels)
        overall["accuracy_int"] = accuracy(deq[name], labels)
    return {"overall": overall, "layers": layers}


def _pooled_exact(fk: Execution, it: Execution, model: QuantizedModel) -> float:
    same = total = 0
    for layer in model.network.layers:
        a, b = fk.codes[layer.name], it.tensors[layer.name]
        same += int(np.sum(a == b))
        total += a.size
    return same / total if total else 1.0


def jsonable(obj: object) -> object:
    """Replace ±inf/NaN floats by strings so that the dict is valid JSON."""
    if isinstance(obj, dict):
        return {k: jsonable(v) for k, v in obj.items()}
    if isinstance(obj, list | tuple):
        return [jsonable(v) for v in obj]
    if isinstance(obj, float) and not math.isfinite(obj):
        return str(obj)
    if isinstance(obj, np.integer):
        return int(obj)
    if isinstance(obj, np.floating):
        return jsonable(float(obj))
    return obj


# ---- accuracy report (CLI: accelsim simulate --accuracy) ---------------------------------------------

SHIPPED_WEIGHTS = {"lenet5-digits": "lenet5_digits.npz", "dnn2fpga-digits": "dnn2fpga_digits.npz"}
#: the training split the shipped digit networks were trained on (tools/export_digits_train.py)
SHIPPED_TRAINING = {"lenet5-digits": "digits_train.npz", "dnn2fpga-digits": "digits_train.npz"}
DATA_KEYS = ("x", "data", "inputs", "test_x")
LABEL_KEYS = ("y", "labels", "test_y")


def shipped_model(network, seed: int = 0):
    """(float weights, biases, test x, test y, calib x) of a network: shipped trained weights when the zoo
    has them (lenet5-digits, dnn2fpga-digits: pixels/16), else seeded random weights and no data."""
    from pathlib import Path

    from accelsim.functional.ptq import random_weights

    fname = SHIPPED_WEIGHTS.get(network.name)
    if fname is None:
        w, b = random_weights(network, seed)
        return w, b, None, None, None
    d = np.load(Path(__file__).resolve().parent.parent / "data" / fname)
    w = {k.rsplit(".", 1)[0]: d[k] for k in d.files if k.endswith(".weight")}
    b = {k.rsplit(".", 1)[0]: d[k] for k in d.files if k.endswith(".bias")}
    return w, b, d["test_x"] / 16.0, d["test_y"], d["calib_x"] / 16.0


def shipped_training_data(network) -> tuple[np.ndarray, np.ndarray] | None:
    """(train x at the network's input scale (pixels/16), train labels) of a shipped digit network, or None."""
    from pathlib import Path

    fname = SHIPPED_TRAINING.get(network.name)
    if fname is None:
        return None
    d = np.load(Path(__file__).resolve().parent.parent / "data" / fname)
    return d["train_x"] / 16.0, d["train_y"]


def load_array(value, keys: tuple[str, ...], field: str):
    """ndarray, or a .npz/.npy path (first of ``keys`` present in an .npz, else its only array). NaN or
    infinite values, and non-numeric arrays, are a one-line error naming ``field``."""
    if value is None:
        return None
    arr = _load_array(value, keys, field)
    if not (np.issubdtype(arr.dtype, np.number) or arr.dtype == np.bool_):
        raise AccelsimInputError(field, f"expected a numeric array, got dtype {arr.dtype}")
    if np.issubdtype(arr.dtype, np.inexact):
        bad = int(np.count_nonzero(~np.isfinite(arr)))
        if bad:
            raise AccelsimInputError(
                field, f"{bad} of {arr.size} values are NaN or infinite; give finite numbers"
            )
    return arr


def _load_array(value, keys: tuple[str, ...], field: str):
    from pathlib import Path

    if isinstance(value, np.ndarray):
        return value
    path = Path(value)
    if not path.is_file():
        raise AccelsimInputError(field, f"no such file {str(path)!r}")
    try:
        loaded = np.load(path, allow_pickle=False)
        if isinstance(loaded, np.ndarray):  # a .npy file: one array, no context manager
            return loaded
        with loaded as d:
            for k in keys:
                if k in d.files:
                    return d[k]
            if len(d.files) == 1:
                return d[d.files[0]]
            raise AccelsimInputError(
                field, f"{path.name} has arrays {d.files}; name one of {', '.join(keys)}"
            )
    except (OSError, ValueError) as exc:
        if isinstance(exc, AccelsimInputError):
            raise
        raise AccelsimInputError(field, f"cannot read {path.name} as .npz/.npy: {exc}") from None


def has_key(path, keys: tuple[str, ...]) -> bool:
    try:
        loaded = np.load(path, allow_pickle=False)
    except (OSError, ValueError):
        return False
    if isinstance(loaded, np.ndarray):
        return False
    with loaded as d:
        return any(k in d.files for k in keys)
