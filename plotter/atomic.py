"""Atomic file writes: a crash never leaves a half-written output behind.

The content goes to a temporary file in the destination folder, is flushed and fsync'd,
and only then renamed over the destination (``os.replace`` is atomic on POSIX and
Windows). On any exception the temporary file is removed and the destination is untouched.
"""

from __future__ import annotations

import contextlib
import os
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import IO


def _current_umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


@contextlib.contextmanager
def atomic_write(path: str | os.PathLike[str], mode: str = "w", encoding: str | None = "utf-8") -> Iterator[IO]:
    """Open a temporary sibling of ``path`` for writing; rename it into place on success.

    >>> with atomic_write("out.svg") as f:  # doctest: +SKIP
    ...     f.write("<svg/>")
    """
    target = Path(path)
    folder = target.parent if str(target.parent) else Path(".")
    binary = "b" in mode
    fd, tmp_name = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp", dir=folder)
    try:
        os.fchmod(fd, 0o666 & ~_current_umask())  # mkstemp makes 0600; users expect a normal file
        with os.fdopen(fd, mode, encoding=None if binary else encoding) as handle:
            yield handle
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(tmp_name, target)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(tmp_name)
        raise
