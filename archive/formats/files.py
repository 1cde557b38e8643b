"""Atomic targets for writers that need a path rather than a handle (SQLite, Parquet, a bag's
folder): built under a temporary name beside the target, synced, then renamed into place."""

from __future__ import annotations

import contextlib
import os
import shutil
import tempfile
from collections.abc import Iterator
from pathlib import Path

from archive.atomic import TEMP_SUFFIX, new_file_mode


@contextlib.contextmanager
def atomic_path(target: Path, *, directory: bool = False) -> Iterator[Path]:
    """Yield a temporary path (file, or an empty folder) beside ``target``; on a clean exit
    it is synced and renamed to ``target``, on any error or interrupt it is removed."""
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        if directory:
            temp = Path(tempfile.mkdtemp(dir=target.parent, prefix=f".{target.name}.",
                                         suffix=TEMP_SUFFIX))
        else:
            fd, name = tempfile.mkstemp(dir=target.parent, prefix=f".{target.name}.",
                                        suffix=TEMP_SUFFIX)
            os.close(fd)
            temp = Path(name)
    except OSError as error:  # named after the target, not our temporary name
        raise type(error)(error.errno, error.strerror, str(target)) from error
    try:
        yield temp
        _sync_and_open_up(temp)
        os.replace(temp, target)
        _fsync(target.parent)
    except BaseException:
        if temp.is_dir():
            shutil.rmtree(temp, ignore_errors=True)
        else:
            with contextlib.suppress(FileNotFoundError):
                temp.unlink()
        raise


def _sync_and_open_up(path: Path) -> None:
    """fsync every file (and folder) under ``path``, with the modes ``open()`` would give:
    an export is shared with colleagues, not private as temporary files are."""
    file_mode = new_file_mode()
    dir_mode = file_mode | ((file_mode & 0o444) >> 2)  # x wherever r
    if path.is_file():
        os.chmod(path, file_mode)
        _fsync(path)
        return
    for dirpath, _dirs, names in os.walk(path):
        os.chmod(dirpath, dir_mode)
        for name in names:
            os.chmod(Path(dirpath, name), file_mode)
            _fsync(Path(dirpath, name))
        _fsync(Path(dirpath))


def _fsync(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)
