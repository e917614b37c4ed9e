#!/usr/bin/env python3
"""LUTs of one fixed-point requantizer on Xilinx 7-series fabric, measured with Yosys ``synth_xilinx -nodsp``:
the data behind the ``activation_impl: shift`` LUT cost of accelsim's MVAU/VVAU estimate
(accelsim/data/yosys_requant_luts.csv, :func:`accelsim.fpga.finn_estimates.shift_requant_luts`).

The unit (:func:`accelsim.fpga.requant.shift_requantize`, bit for bit): an ``A``-bit signed accumulator,
rounded half up and shifted right by a constant ``s`` (a power-of-two scale), then a ReLU and a saturation to
``O`` unsigned bits: ``y = clamp((acc + 2^(s−1)) >> s, 0, 2^O − 1)``. This is how a fixed-point pipeline
(Chen et al. 2020's 16-bit activations, hls4ml's ``ap_fixed`` casts) requantizes instead of comparing against
``2^O − 1`` thresholds. For each ``(A, O)`` the shift takes three values (1, about half of ``A − O``, and
``A − O − 1``).

Yosys is not part of accelsim's install: this script needs a ``yosys`` with ``synth_xilinx`` on the PATH
(Debian's package ``yosys`` 0.23 was used). LUTs = LUT1..LUT6 cells; CARRY4 and MUXF7/F8 are counted
separately (the rounding adder's carry chain lands in CARRY4).

    python3 tools/yosys_requant_luts.py > accelsim/data/yosys_requant_luts.csv
"""

from __future__ import annotations

import subprocess
import sys

from yosys_mac_luts import synth

ACC_BITS = (12, 16, 20, 24, 32)
OUT_BITS = (2, 4, 8, 16)


def requant_verilog(acc: int, out: int, shift: int) -> str:
    return f"""module unit(input signed [{acc - 1}:0] acc, output [{out - 1}:0] y);
  wire signed [{acc}:0] r = ($signed({{acc[{acc - 1}], acc}}) + $signed({acc + 1}'d{1 << (shift - 1)})) >>> {shift};
  assign y = r[{acc}] ? {out}'d0 : (|r[{acc}:{out}] ? {{{out}{{1'b1}}}} : r[{out - 1}:0]);
endmodule
"""


def main() -> int:
    version = subprocess.run(["yosys", "-V"], capture_output=True, text=True, check=True).stdout.strip()
    print(f"# {version}, synth_xilinx -family xc7 -nodsp; tools/yosys_requant_luts.py")
    print("acc_bits,out_bits,shift,luts,carry4,muxf")
    for acc in ACC_BITS:
        for out in OUT_BITS:
            if acc - out < 3:
                continue
            for shift in sorted({1, max(1, (acc - out) // 2), acc - out - 1}):
                r = synth(requant_verilog(acc, out, shift))
                print(f"{acc},{out},{shift},{r['luts']},{r['carry4']},{r['muxf']}", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
