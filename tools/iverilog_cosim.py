#!/usr/bin/env python3
"""Run accelsim's emitted Verilog in Icarus Verilog (and lint it with Verilator when present) and compare it
with the Amaranth co-simulation the test suite runs (tests/test_fpga_rtl.py): the same output words in the
same cycles. Neither simulator is installed by the project (``apt-get install iverilog verilator``), so this
is a check to run by hand, not part of ``make test``.

    .venv/bin/python tools/iverilog_cosim.py        # prints one line per case, exit 1 on a difference
"""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

from accelsim.fpga.rtl import cosimulate, write_verilog
from accelsim.fpga.rtl.cosim import _frames, _pack
from accelsim.fpga.rtl.examples import lenet_example, mlp_example
from accelsim.fpga.rtl.plan import build_plan


def _iverilog_run(vfile, top: str, in_w: int, out_w: int, frames: list[int], n_out: int, work_dir) -> list:
    """Drive the emitted Verilog as the Amaranth testbench does (frame 0 offered in cycle 0, back to back);
    returns (cycle, out_data) of every output push."""
    init = "\n".join(f"    frames[{i}] = {in_w}'h{f:x};" for i, f in enumerate(frames))
    tb = f"""`timescale 1ns/1ps
module tb;
  reg clk = 0; reg rst = 1; reg in_valid = 0; reg [{in_w - 1}:0] in_data = 0; reg out_ready = 1;
  wire in_ready; wire out_valid; wire [{out_w - 1}:0] out_data;
  reg [{in_w - 1}:0] frames [0:{len(frames) - 1}];
  integer sent = 0; integer cycle = 0; integer got = 0;
  {top} dut(.clk(clk), .rst(rst), .in_valid(in_valid), .in_data(in_data), .in_ready(in_ready),
            .out_valid(out_valid), .out_data(out_data), .out_ready(out_ready));
  always #5 clk = ~clk;
  initial begin
{init}
    @(negedge clk); rst = 0; in_valid = 1; in_data = frames[0];
    forever begin
      @(posedge clk);
      if (out_valid && out_ready) begin $display("OUT %0d %h", cycle, out_data); got = got + 1; end
      if (in_valid && in_ready) sent = sent + 1;
      cycle = cycle + 1;
      if (got == {n_out} || cycle > 100000) $finish;
      @(negedge clk);
      if (sent < {len(frames)}) in_data = frames[sent]; else in_valid = 0;
    end
  end
endmodule
"""
    (work_dir / "tb.v").write_text(tb)
    exe = work_dir / "sim.vvp"
    subprocess.run(["iverilog", "-g2005", "-o", str(exe), str(work_dir / "tb.v"), str(vfile)], check=True)
    out = subprocess.run(["vvp", "-n", str(exe)], check=True, capture_output=True, text=True).stdout
    return [(int(c), int(d, 16)) for c, d in re.findall(r"OUT (\d+) ([0-9a-fA-F]+)", out)]


def cases():
    """The designs of tests/test_fpga_rtl.py (accelsim.fpga.rtl.examples)."""
    yield ("mlp", *mlp_example())
    yield ("lenet5-digits", *lenet_example())


def main() -> int:
    if shutil.which("iverilog") is None:
        raise SystemExit("needs Icarus Verilog on the PATH (apt-get install iverilog)")
    bad = 0
    for name, model, arch, x in cases():
        with tempfile.TemporaryDirectory() as d:
            work_dir = Path(d)
            v = next(p for p in write_verilog(model, arch, work_dir) if p.suffix == ".v")
            top = v.stem
            if shutil.which("verilator"):
                subprocess.run(
                    ["verilator", "--lint-only", "-Wno-fatal", "--top-module", top, str(v)], check=True
                )
            plan = build_plan(model, arch)
            last = plan.units[-1]
            got = _iverilog_run(v, top, plan.input_tokens * plan.input_elems * plan.input_q.bits,
                                last.out_elems * last.out_bits, _frames(plan, x), len(x), work_dir)  # fmt: skip
            run = cosimulate(model, arch, x)
            want = [(int(c), _pack(row, last.out_bits))
                    for c, row in zip(run.token_done[last.name], run.out_codes, strict=True)]  # fmt: skip
            same = got == want
            bad += not same
            print(
                f"{name}: {len(got)} outputs, {'equal to' if same else 'DIFFERENT from'} the Amaranth co-simulation"
            )
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
