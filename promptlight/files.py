"""User files, read and written safely: regular files only, bounded sizes, output checked before work.

    read_regular_file("p.txt", what="Prompt file", max_bytes=1_048_576)   # bytes, or FileProblem
    target = check_output_path("out/report.html", what="--out")           # before any model call
    write_atomically(target, text)                                          # never a half-written file

Reading refuses what is not a regular file (a FIFO nobody writes would hang, ``/dev/zero``
never ends) and anything larger than ``max_bytes``. Writing goes to a temporary file in the
same folder, renamed over the target; a symlink to a regular file is written through (the
link stays a link), any other symlink is refused. Stdlib only.
"""

from __future__ import annotations

import errno
import os
import stat
import tempfile
from pathlib import Path


class FileProblem(ValueError):
    """A file that cannot be used as asked; the message names it and says what would work."""


def read_regular_file(path: str | os.PathLike[str], *, what: str, max_bytes: int) -> bytes:
    p = Path(path).expanduser()
    try:
        info = p.stat()
    except FileNotFoundError:
        raise FileProblem(f"{what} {str(path)!r} does not exist.") from None
    except OSError as exc:
        raise FileProblem(f"Cannot read {what} {str(path)!r}: {exc.strerror or exc}.") from None
    if stat.S_ISDIR(info.st_mode):
        raise FileProblem(f"{what} {str(path)!r} is a folder; give a text file.")
    if not stat.S_ISREG(info.st_mode):
        raise FileProblem(
            f"{what} {str(path)!r} is not a regular file (a pipe, a device or a socket); give a text file."
        )
    if info.st_size > max_bytes:
        raise FileProblem(f"{what} {str(path)!r} is {info.st_size:,} bytes; the limit is {max_bytes:,} bytes.")
    try:
        with open(p, "rb") as f:
            data = f.read(max_bytes + 1)
    except OSError as exc:
        raise FileProblem(f"Cannot read {what} {str(path)!r}: {exc.strerror or exc}.") from None
    if len(data) > max_bytes:  # it grew while we read it
        raise FileProblem(f"{what} {str(path)!r} is larger than the limit of {max_bytes:,} bytes.")
    return data


def check_output_path(path: str | os.PathLike[str], *, what: str) -> Path:
    """The file to write for ``path``, checked now (so a long job never fails at its end).

    Refuses a folder, a path under a regular file, a folder that cannot be written, a name
    too long for the file system, and a symlink to anything but a regular file. A probe file
    is created and removed in the folder, so read-only and virtual file systems are caught too.
    """
    try:
        return _checked_output(Path(path).expanduser(), str(path), what)
    except OSError as exc:
        if exc.errno == errno.ENAMETOOLONG:
            raise FileProblem(f"{what} {str(path)!r}: the file name is too long for this file system.") from None
        raise FileProblem(f"Cannot write {what} {str(path)!r}: {exc.strerror or exc}.") from None


def _checked_output(p: Path, path: str, what: str) -> Path:
    if p.is_symlink():
        real = p.resolve()
        if real.exists() and not real.is_file():
            raise FileProblem(
                f"{what} {str(path)!r} is a symlink to {str(real)!r}, which is not a regular file; give a file path."
            )
        p = real
    if p.is_dir():
        raise FileProblem(f"{what} {str(path)!r} is a folder; give a file name inside it.")
    folder = p.parent
    ancestor = folder
    while not ancestor.exists():
        ancestor = ancestor.parent
    if not ancestor.is_dir():
        raise FileProblem(f"{what} {str(path)!r} is under {str(ancestor)!r}, which is a file, not a folder.")
    folder.mkdir(parents=True, exist_ok=True)
    fd, probe = tempfile.mkstemp(prefix=f".{p.name}.", dir=folder)
    os.close(fd)
    os.unlink(probe)
    return p


def write_atomically(path: Path, text: str) -> None:
    """Write ``text`` (UTF-8) to ``path`` through a temporary sibling renamed over it."""
    try:
        fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", dir=path.parent)
    except OSError as exc:
        raise FileProblem(f"Cannot write {str(path)!r}: {exc.strerror or exc}.") from None
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as f:
            f.write(text)
        os.replace(tmp, path)
    except BaseException as exc:
        Path(tmp).unlink(missing_ok=True)
        if isinstance(exc, OSError):
            raise FileProblem(f"Cannot write {str(path)!r}: {exc.strerror or exc}.") from None
        raise
