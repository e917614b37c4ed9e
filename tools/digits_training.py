"""What the digit-network training tools share (tools/train_lenet5_digits.py, train_dnn2fpga_digits.py,
train_tiny_transformer.py, export_digits_train.py): scikit-learn's 8×8 digits split as all of them split it,
the seeded mini-batch loop, and the npz every shipped digit network is saved as. Runs outside accelsim's venv
(torch and scikit-learn are not accelsim dependencies)."""

from __future__ import annotations

import numpy as np
import torch
from sklearn.datasets import load_digits
from sklearn.model_selection import train_test_split
from torch import nn


def digits_split(channel_axis: bool = True):
    """(x_train, x_test, y_train, y_test): uint8 grey levels 0..16 ([n, 1, 8, 8], or [n, 8, 8] without the
    channel axis), int64 labels; ``train_test_split(test_size=0.3, stratify=labels, random_state=0)``."""
    digits = load_digits()
    images = digits.images.astype(np.uint8)
    if channel_axis:
        images = images[:, None, :, :]
    labels = digits.target.astype(np.int64)
    return train_test_split(images, labels, test_size=0.3, stratify=labels, random_state=0)


def train(model: nn.Module, opt, x_tr, y_tr, epochs: int, batch: int, sched=None) -> None:
    """Cross-entropy mini-batches over ``x_tr``/16 in a torch.Generator(seed 0) order, ``epochs`` times (and
    ``sched.step()`` after every update when given)."""
    xt = torch.tensor(x_tr, dtype=torch.float32) / 16.0
    yt = torch.tensor(y_tr)
    gen = torch.Generator().manual_seed(0)
    for _epoch in range(epochs):
        model.train()
        perm = torch.randperm(len(xt), generator=gen)
        for i in range(0, len(xt), batch):
            idx = perm[i : i + batch]
            opt.zero_grad()
            loss = nn.functional.cross_entropy(model(xt[idx]), yt[idx])
            loss.backward()
            opt.step()
            if sched is not None:
                sched.step()


def save(model: nn.Module, out_path: str, x_tr, x_te, y_te, rename=lambda k: k) -> float:
    """The float test accuracy, and the npz accelsim ships: float32 weights (names through ``rename``),
    ``test_x`` / ``test_y``, 128 training images ``calib_x``, ``float_test_acc``."""
    model.eval()
    with torch.no_grad():
        pred = model(torch.tensor(x_te, dtype=torch.float32) / 16.0).argmax(1).numpy()
    acc = float((pred == y_te).mean())
    arrays = {rename(k): v.detach().numpy().astype(np.float32) for k, v in model.state_dict().items()}
    np.savez_compressed(
        out_path, **arrays, test_x=x_te, test_y=y_te.astype(np.uint8), calib_x=x_tr[:128],
        float_test_acc=np.float32(acc),
    )  # fmt: skip
    print(f"float test accuracy {acc:.4f} on {len(y_te)} images -> {out_path}")
    return acc
