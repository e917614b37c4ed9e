"""Every accelsim command shown in README.md and docs/*.md runs as written and exits 0 (issue 12).

Commands are the lines of ```sh / ```bash blocks and the inline code spans that start with ``accelsim `` or
``.venv/bin/accelsim `` and give arguments (a bare `accelsim simulate` in prose names the command). Each runs in-process (``accelsim.cli.main``) in a scratch directory that sees the
repository's ``examples/`` and ``tests/`` as the README's working directory would, so files it writes
(r.json, front.svg, stores) land there. Not run, each for a stated reason: templates (a placeholder such as
PRESET, NAME, FILE, SPEC.yaml, SCHEDULER or ``...``) and ``make`` targets (CI itself runs ``make test``;
``make demo`` and the others are the same commands as below, or take many minutes).
"""

from __future__ import annotations

import re
import shlex
from pathlib import Path

import pytest

from accelsim.cli.app import main

REPO = Path(__file__).resolve().parent.parent
DOCS = [REPO / "README.md", *sorted((REPO / "docs").glob("*.md"))]
PLACEHOLDER = re.compile(r"^(?:[A-Z][A-Z0-9_]*(?:\.[a-z]+)?|W/A|B|\.\.\.|.*://[A-Z]+:\d+)$")


def _strip_comment(line: str) -> str:
    return re.sub(r"\s+#\s.*$", "", line).strip()


def documented_commands() -> list[tuple[str, str]]:
    """(where, command) for every accelsim command in the docs, in order, without duplicates."""
    found: list[tuple[str, str]] = []
    for doc in DOCS:
        text = doc.read_text()
        for block in re.findall(r"```(?:sh|bash|console)\n(.*?)```", text, re.S):
            for line in block.splitlines():
                line = _strip_comment(line.strip())
                if line.startswith(("accelsim ", ".venv/bin/accelsim ")):
                    found.append((doc.name, line))
        prose = re.sub(r"```.*?```", "", text, flags=re.S)
        for span in re.findall(r"`([^`\n]+)`", prose):
            words = span.split()
            # `accelsim simulate` in prose names a command; a runnable span has arguments
            if span.startswith(("accelsim ", ".venv/bin/accelsim ")) and (
                len(words) > 2 or words[-1].startswith("-")
            ):
                found.append((doc.name, span.strip()))
    seen: set[str] = set()
    out = []
    for where, cmd in found:
        if cmd not in seen:
            seen.add(cmd)
            out.append((where, cmd))
    return out


BITS_SPEC = re.compile(r"^W\d+A\d+(?:KV\d+)?$")  # e.g. W4A8KV4: a value, not a placeholder


def is_template(argv: list[str]) -> bool:
    """A placeholder among the arguments (or as the value of FIELD=VALUE)."""
    return any(
        not BITS_SPEC.match(a) and (PLACEHOLDER.match(a) or PLACEHOLDER.match(a.rsplit("=", 1)[-1]))
        for a in argv[1:]
    )


COMMANDS = [(w, c) for w, c in documented_commands() if not is_template(shlex.split(c))]


def test_the_docs_show_commands_and_templates_are_few():
    everything = documented_commands()
    assert len(COMMANDS) >= 25
    templates = [c for _, c in everything if is_template(shlex.split(c))]
    assert len(templates) <= 8, templates


@pytest.fixture(scope="module")
def workdir(tmp_path_factory):
    d = tmp_path_factory.mktemp("docs")
    for name in ("examples", "tests", "workloads"):
        (d / name).symlink_to(REPO / name)
    return d


@pytest.mark.parametrize(("where", "command"), COMMANDS, ids=[c[:60] for _, c in COMMANDS])
def test_documented_command_runs(where, command, workdir, monkeypatch, capsys):
    monkeypatch.chdir(workdir)
    argv = shlex.split(command)[1:]
    code = 0
    try:
        main(argv)
    except SystemExit as exc:
        code = exc.code if isinstance(exc.code, int) else 1
    err = capsys.readouterr().err
    assert code == 0, f"{where}: `{command}` exited {code}: {err[-500:]}"
