"""Train the DNN2FPGA case-study CNN on scikit-learn's bundled 8×8 digits and save its weights.

The network is the one of the DNN2FPGA seed paper's case study (seed 003, section "Case Study": "an input
layer, then two 2D convolutional layers with twelve filters using the ReLU [...] followed by a Max-pooling
layer and a fully connected output layer with ten nodes"; Table 1: cross-entropy, Adam, 10 epochs, batch
500; Table 2: FP32 0.08 Mb / 0.9655 -> Int8 0.023 Mb / 0.9650 on MNIST), adapted to the data accelsim
ships: the 8×8 digits (1,797 images, 0..16 grey levels) instead of MNIST's 28×28 (60,000 + 10,000). The
paper gives neither the kernel size nor the padding nor the pooling window: we take 3×3 kernels, Keras'
default ``padding='valid'`` (the paper's flow is Keras) and a 2×2 max-pool, so 8×8 -> 6×6 -> 4×4 ->
2×2×12 = 48 features -> FC 10.

Reproduce (outside the project's venv; torch and scikit-learn are NOT accelsim dependencies)::

    python3 -m venv /tmp/train && /tmp/train/bin/pip install torch==2.13.0 scikit-learn numpy
    /tmp/train/bin/python tools/train_dnn2fpga_digits.py accelsim/data/dnn2fpga_digits.npz

Network (NCHW, input 1×8×8, pixel values 0..16 scaled by 1/16; matches
accelsim/workloads/dnn2fpga-digits.yaml): conv1 3×3 valid, 1→12, ReLU; conv2 3×3 valid, 12→12, ReLU;
maxpool 2; flatten (C,H,W order) 48; fc 48→10.

Training as the paper's Table 1 (cross-entropy, Adam at Keras' default learning rate 1e-3, batch 500) for
the same number of Adam updates as its 10 epochs of 60,000 MNIST images (10 × 120 = 1,200 updates): with
1,257 training images (3 batches per epoch) that is 400 epochs. Data split as the lenet5-digits network
(tools/train_lenet5_digits.py): sklearn.model_selection.train_test_split(test_size=0.3, stratify=labels,
random_state=0), so both networks are tested on the same 540 held-out images; training seed 0. The npz
layout is lenet5_digits.npz's: float32 ``<layer>.weight`` / ``<layer>.bias``, the uint8 test images
``test_x`` [n,1,8,8] (0..16) with labels ``test_y``, 128 training images ``calib_x`` for calibration, and
the float test accuracy ``float_test_acc``.
"""

from __future__ import annotations

import sys

import numpy as np
import torch
from digits_training import digits_split, save, train
from torch import nn

EPOCHS = 400
BATCH = 500
LR = 1e-3


class Dnn2FpgaDigits(nn.Module):
    """conv 3×3 (12) - ReLU - conv 3×3 (12) - ReLU - maxpool 2 - FC 10 (seed 003, Case Study)."""

    def __init__(self) -> None:
        super().__init__()
        self.conv1 = nn.Conv2d(1, 12, 3)
        self.conv2 = nn.Conv2d(12, 12, 3)
        self.fc = nn.Linear(48, 10)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        x = torch.relu(self.conv1(x))
        x = torch.max_pool2d(torch.relu(self.conv2(x)), 2)
        return self.fc(torch.flatten(x, 1))


def main(out_path: str) -> None:
    torch.manual_seed(0)
    np.random.seed(0)
    x_tr, x_te, y_tr, y_te = digits_split()
    model = Dnn2FpgaDigits()
    train(model, torch.optim.Adam(model.parameters(), lr=LR), x_tr, y_tr, epochs=EPOCHS, batch=BATCH)
    save(model, out_path, x_tr, x_te, y_te)


if __name__ == "__main__":
    main(sys.argv[1] if len(sys.argv) > 1 else "accelsim/data/dnn2fpga_digits.npz")
