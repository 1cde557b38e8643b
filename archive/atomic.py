"""Crash-safe file writes: a reader sees the old file or the new one, never half of either."""

from __future__ import annotations

import contextlib
import os
import tempfile
from collections.abc import Callable
from functools import lru_cache
from pathlib import Path
from typing import BinaryIO

TEMP_SUFFIX = ".tmp"


def atomic_write_bytes(path: Path, data: bytes) -> None:
    """Write ``data`` to ``path`` via a temporary file in the same folder, fsync and rename."""
    atomic_write(path, lambda handle: handle.write(data))


def atomic_write(path: Path, write: Callable[[BinaryIO], object]) -> None:
    """``write(handle)`` to a temporary file in ``path``'s folder, fsync, rename over ``path``."""
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, temp_name = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.",
                                         suffix=TEMP_SUFFIX)
    except OSError as error:  # named after the file being written, not our temporary one
        raise type(error)(error.errno, error.strerror, str(path)) from error
    try:
        os.fchmod(fd, new_file_mode())  # mkstemp's files are private; ours are ordinary files
        with os.fdopen(fd, "wb") as handle:
            write(handle)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(temp_name, path)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(temp_name)
        raise
    fsync_dir(path.parent)


@lru_cache(maxsize=1)
def new_file_mode() -> int:
    """The mode ``open()`` gives a new file (0o666 less the umask), read without setting the
    umask, which threads share; private (0o600) where the umask cannot be read."""
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("Umask:"):
                return 0o666 & ~int(line.split()[1], 8)
    except (OSError, ValueError, IndexError):
        pass
    return 0o600


def fsync_dir(directory: Path) -> None:
    """Make a rename in ``directory`` durable."""
    # The rename is durable only once the directory entry itself is on disk.
    fd = os.open(directory, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def remove_temp_files(folder: Path) -> int:
    """Delete the temporary files of writes into ``folder`` that a kill interrupted (only when
    nothing writes there: a temporary file may be a write in progress); returns how many."""
    removed = 0
    for temp in Path(folder).glob(f".*{TEMP_SUFFIX}"):
        with contextlib.suppress(FileNotFoundError):
            temp.unlink()
            removed += 1
    return removed
