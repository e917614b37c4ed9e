"""Write accelsim/data/digits_train.npz: the training split of scikit-learn's 8×8 digits that the shipped
digit networks were trained on (tools/train_dnn2fpga_digits.py, tools/train_lenet5_digits.py), for
quantization-aware training in ``accelsim fpga build --qat``.

Split as those scripts: ``train_test_split(test_size=0.3, stratify=labels, random_state=0)``; the script
checks that its test half equals the shipped ``test_x`` / ``test_y``. ``train_x``: uint8 [1257, 1, 8, 8]
grey levels 0..16; ``train_y``: int64 labels. Reproduce (outside the project's venv; scikit-learn is not an
accelsim dependency)::

    /tmp/train/bin/python tools/export_digits_train.py accelsim/data/digits_train.npz
"""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np
from digits_training import digits_split


def main(out: str) -> int:
    xtr, xte, ytr, yte = digits_split()
    shipped = np.load(Path(__file__).resolve().parents[1] / "accelsim" / "data" / "dnn2fpga_digits.npz")
    if not (np.array_equal(shipped["test_x"], xte) and np.array_equal(shipped["test_y"], yte)):
        raise SystemExit("the split differs from the shipped test images")
    np.savez_compressed(out, train_x=xtr, train_y=ytr)
    print(f"wrote {out}: {xtr.shape[0]} training images")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1]))
