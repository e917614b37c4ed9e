"""Running the accelsim command in-process in tests."""

from __future__ import annotations


def run_cli(args, capsys) -> tuple[int, str, str]:
    """Run ``accelsim ARGS`` in-process (``accelsim.cli.main``); return (exit code, stdout, stderr)."""
    from accelsim.cli.app import main

    code = 0
    try:
        main([str(a) for a in args])
    except SystemExit as exc:
        code = exc.code if isinstance(exc.code, int) else 1
    out = capsys.readouterr()
    return code, out.out, out.err
