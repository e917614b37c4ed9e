"""DESIGN.md layering: accelsim.quant imports nothing else of accelsim except accelsim.errors."""

import ast
from pathlib import Path

import accelsim.quant

QUANT_DIR = Path(accelsim.quant.__file__).parent


def test_quant_imports_only_errors_and_itself():
    offenders = []
    for path in sorted(QUANT_DIR.glob("*.py")):
        for node in ast.walk(ast.parse(path.read_text())):
            names = []
            if isinstance(node, ast.Import):
                names = [a.name for a in node.names]
            elif isinstance(node, ast.ImportFrom) and node.module:
                names = [node.module]
            for name in names:
                if name.startswith("accelsim") and not (
                    name == "accelsim.errors" or name.startswith("accelsim.quant")
                ):
                    offenders.append(f"{path.name}: {name}")
    assert offenders == []
    assert len(list(QUANT_DIR.glob("*.py"))) >= 10
