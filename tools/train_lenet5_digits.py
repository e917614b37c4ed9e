"""Train the shipped LeNet-5-style network on scikit-learn's bundled 8×8 digits and save its weights.

Reproduce (outside the project's venv; torch and scikit-learn are NOT accelsim dependencies)::

    python3 -m venv /tmp/train && /tmp/train/bin/pip install torch==2.13.0 scikit-learn numpy
    /tmp/train/bin/python tools/train_lenet5_digits.py accelsim/data/lenet5_digits.npz

Network (NCHW, input 1×8×8, pixel values 0..16 scaled by 1/16; matches accelsim/workloads/lenet5-digits.yaml):
conv1 3×3 pad 1, 1→8, ReLU; maxpool 2; conv2 3×3 pad 1, 8→16, ReLU; maxpool 2; flatten (C,H,W order) 64;
fc1 64→48 ReLU; fc2 48→32 ReLU; fc3 32→10.

Data split: sklearn.model_selection.train_test_split(test_size=0.3, stratify=labels, random_state=0);
training seed 0, Adam lr 3e-3, 80 epochs, batch 64. The npz holds float32 weights/biases named
``<layer>.weight`` / ``<layer>.bias``, the uint8 test images ``test_x`` [n,1,8,8] (0..16) with labels
``test_y``, 128 training images ``calib_x`` for calibration, and the float test accuracy ``float_test_acc``.
"""

from __future__ import annotations

import sys

import numpy as np
import torch
from digits_training import digits_split, save, train
from torch import nn


class LeNet5Digits(nn.Module):
    def __init__(self) -> None:
        super().__init__()
        self.conv1 = nn.Conv2d(1, 8, 3, padding=1)
        self.conv2 = nn.Conv2d(8, 16, 3, padding=1)
        self.fc1 = nn.Linear(64, 48)
        self.fc2 = nn.Linear(48, 32)
        self.fc3 = nn.Linear(32, 10)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        x = torch.max_pool2d(torch.relu(self.conv1(x)), 2)
        x = torch.max_pool2d(torch.relu(self.conv2(x)), 2)
        x = torch.flatten(x, 1)
        x = torch.relu(self.fc1(x))
        x = torch.relu(self.fc2(x))
        return self.fc3(x)


def main(out_path: str) -> None:
    torch.manual_seed(0)
    np.random.seed(0)
    x_tr, x_te, y_tr, y_te = digits_split()
    model = LeNet5Digits()
    train(model, torch.optim.Adam(model.parameters(), lr=3e-3), x_tr, y_tr, epochs=80, batch=64)
    save(model, out_path, x_tr, x_te, y_te)


if __name__ == "__main__":
    main(sys.argv[1] if len(sys.argv) > 1 else "accelsim/data/lenet5_digits.npz")
