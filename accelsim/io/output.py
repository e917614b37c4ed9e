"""Output files written safely: regular files only, checked before any work starts, written whole.

The one convention of every ``--json``/``--csv``/``--plot``/... option:

* ``-`` means standard output (text outputs only);
* a path must be a regular file or not exist yet, in an existing, writable directory. A symbolic link, a
  directory, a device, a FIFO or a socket is refused with a one-line :class:`AccelsimInputError` — never
  replaced, never followed (writing through a link or onto ``/dev/stdout`` as root would replace what it
  points to);
* the file is written to a temporary name in the same directory and renamed over the target in one step
  (``os.replace``), so a reader never sees half a file and a failure leaves nothing behind.

:func:`check_output` validates a target up front (so that a bad path fails before a long simulation, with
nothing written); :func:`write_output` re-checks and writes.
"""

from __future__ import annotations

import os
import stat
import sys
import tempfile
from pathlib import Path

from accelsim.errors import AccelsimInputError

STDOUT = "-"


def check_output(path: str | Path | None, field: str, stdout_ok: bool = True) -> None:
    """Raise :class:`AccelsimInputError` naming ``field`` unless ``path`` can be written as a regular file."""
    if path is None:
        return
    text = str(path)
    if text == STDOUT:
        if not stdout_ok:
            raise AccelsimInputError(field, "'-' (standard output) is not allowed here: give a file path")
        return
    if not text.strip():
        raise AccelsimInputError(field, "empty path: give a file path or - for standard output")
    p = Path(text)
    try:
        st = os.lstat(p)
    except FileNotFoundError:
        st = None
    except OSError as e:
        raise AccelsimInputError(field, f"cannot use {text}: {e.strerror}") from None
    if st is not None:
        if stat.S_ISLNK(st.st_mode):
            raise AccelsimInputError(
                field, f"{text} is a symbolic link: give a regular file (or - for stdout)"
            )
        if stat.S_ISDIR(st.st_mode):
            raise AccelsimInputError(field, f"{text} is a directory: give a file path (or - for stdout)")
        if not stat.S_ISREG(st.st_mode):
            raise AccelsimInputError(
                field,
                f"{text} is not a regular file (device, FIFO or socket): give a file path (or - for stdout)",
            )
    parent = p.parent if str(p.parent) else Path(".")
    if not parent.is_dir():
        raise AccelsimInputError(field, f"directory does not exist: {parent}")
    try:  # the only reliable writability test (root, read-only mounts, /proc): create a temporary file
        fd, probe = tempfile.mkstemp(dir=parent, prefix=f".{p.name}.", suffix=".probe")
    except OSError as e:
        raise AccelsimInputError(field, f"cannot write in {parent}: {e.strerror}") from None
    os.close(fd)
    _unlink(probe)


def write_output(path: str | Path | None, data: str | bytes, field: str) -> None:
    """Write ``data`` to ``path`` (``-``: standard output) as described in the module docstring."""
    if path is None:
        return
    check_output(path, field, stdout_ok=isinstance(data, str))
    if str(path) == STDOUT:
        sys.stdout.write(data if data.endswith("\n") else data + "\n")  # type: ignore[union-attr]
        sys.stdout.flush()
        return
    payload = data.encode() if isinstance(data, str) else data
    write_with(path, field, lambda tmp: Path(tmp).write_bytes(payload))


def write_with(path: str | Path, field: str, writer) -> None:
    """Write through ``writer(tmp_path)``, for libraries that write files themselves (matplotlib, pandas,
    numpy) and for :func:`write_output`: the temporary file sits beside ``path`` with its suffix (so format
    detection works), gets the target's mode, and is renamed over ``path`` once complete; on any failure it
    is removed and nothing else changes."""
    check_output(path, field, stdout_ok=False)
    p = Path(path)
    parent = p.parent if str(p.parent) else Path(".")
    try:
        fd, tmp = tempfile.mkstemp(dir=parent, prefix=f".{p.stem}.", suffix=p.suffix or ".tmp")
    except OSError as e:
        raise AccelsimInputError(field, f"cannot write in {parent}: {e.strerror}") from None
    os.close(fd)
    try:
        writer(tmp)
        check_output(path, field)  # the target may have become a link while we wrote
        _match_mode(tmp, p)
        os.replace(tmp, p)
    except OSError as e:
        _unlink(tmp)
        raise AccelsimInputError(field, f"cannot write {p}: {e.strerror}") from None
    except BaseException:
        _unlink(tmp)
        raise


def _match_mode(tmp: str, target: Path) -> None:
    """Give the temporary file the mode the target would get: the existing file's, else 0666 & ~umask
    (mkstemp creates 0600)."""
    try:
        mode = stat.S_IMODE(os.stat(target).st_mode)
    except FileNotFoundError:
        umask = os.umask(0)
        os.umask(umask)
        mode = 0o666 & ~umask
    os.chmod(tmp, mode)


def _unlink(tmp: str) -> None:
    try:
        os.unlink(tmp)
    except OSError:
        pass


__all__ = ["STDOUT", "check_output", "write_output", "write_with"]
