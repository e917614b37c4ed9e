#!/usr/bin/env python3
"""LUTs of one multiply and of one power-of-two "multiply" (a shift) on Xilinx 7-series fabric, measured with
Yosys ``synth_xilinx -nodsp``: the data behind the log2-weight LUT cost of accelsim's MVAU estimate
(accelsim/data/yosys_mac_luts.csv, :class:`accelsim.fpga.finn_estimates.Mvau`).

For each weight width ``w`` and activation width ``a``:

* ``mult``: an unsigned ``a``-bit activation times a signed ``w``-bit weight (what FINN's LUT multiplier
  estimate ``(2·⌈(w+a)/6⌉ − 1)·(w+a)`` models);
* ``shift``: the same activation times a ``w``-bit log2 code (accelsim.quant ``log2``: a sign bit and a
  ``(w−1)``-bit field ``f``, ``f = 0`` zero, else ``2^(f−1)``): ``±(a << (f − 1))``, a barrel shifter and a
  conditional negation, output ``a + 2^(w−1) − 1`` bits.

Yosys is not part of accelsim's install: this script needs a ``yosys`` with ``synth_xilinx`` on the PATH
(Debian's package ``yosys`` 0.23 was used: ``apt-get install yosys``). LUTs = LUT1..LUT6 cells; CARRY4 and
MUXF7/F8 are counted separately.

    python3 tools/yosys_mac_luts.py > accelsim/data/yosys_mac_luts.csv
"""

from __future__ import annotations

import re
import subprocess
import sys
import tempfile

W_BITS = (2, 3, 4, 5)
A_BITS = (2, 4, 8, 16)


def mult_verilog(w: int, a: int) -> str:
    return f"""module unit(input [{a - 1}:0] x, input signed [{w - 1}:0] wt, output signed [{a + w}:0] y);
  assign y = $signed({{1'b0, x}}) * wt;
endmodule
"""


def shift_verilog(w: int, a: int) -> str:
    out = a + 2 ** (w - 1) - 1  # magnitude bits of the largest shift
    return f"""module unit(input [{a - 1}:0] x, input s, input [{w - 2}:0] f, output signed [{out}:0] y);
  wire [{out - 1}:0] mag = (f == 0) ? 0 : ({{{{{out - a}{{1'b0}}}}, x}} << (f - 1));
  assign y = s ? -$signed({{1'b0, mag}}) : $signed({{1'b0, mag}});
endmodule
"""


def synth(verilog: str) -> dict[str, int]:
    with tempfile.NamedTemporaryFile("w", suffix=".v", delete=False) as f:
        f.write(verilog)
    out = subprocess.run(
        ["yosys", "-p", f"read_verilog {f.name}; synth_xilinx -top unit -family xc7 -nodsp; stat"],
        capture_output=True, text=True, check=True,
    ).stdout  # fmt: skip
    stats = out.rsplit("Printing statistics", 1)[-1]
    cells = {m.group(1): int(m.group(2)) for m in re.finditer(r"^\s+(\w+)\s+(\d+)$", stats, re.M)}
    return {
        "luts": sum(v for k, v in cells.items() if re.fullmatch(r"LUT[1-6]", k)),
        "carry4": cells.get("CARRY4", 0),
        "muxf": cells.get("MUXF7", 0) + cells.get("MUXF8", 0),
    }


def main() -> int:
    version = subprocess.run(["yosys", "-V"], capture_output=True, text=True, check=True).stdout.strip()
    print(f"# {version}, synth_xilinx -family xc7 -nodsp; tools/yosys_mac_luts.py")
    print("w_bits,a_bits,mult_luts,mult_carry4,mult_muxf,shift_luts,shift_carry4,shift_muxf")
    for w in W_BITS:
        for a in A_BITS:
            m, s = synth(mult_verilog(w, a)), synth(shift_verilog(w, a))
            print(
                f"{w},{a},{m['luts']},{m['carry4']},{m['muxf']},{s['luts']},{s['carry4']},{s['muxf']}",
                flush=True,
            )
    return 0


if __name__ == "__main__":
    sys.exit(main())
