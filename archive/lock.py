"""One crawl at a time per data directory: an advisory lock the kernel drops when we die."""

from __future__ import annotations

import contextlib
import fcntl
import os
import time
from collections.abc import Callable, Iterator
from pathlib import Path

LOCK_NAME = ".crawl.lock"


class LockedError(RuntimeError):
    """Another process holds the data directory's crawl lock."""


def _holder(path: Path) -> str:
    try:
        pid = path.read_text().strip()
    except OSError:
        return "another process"
    return f"process {pid}" if pid else "another process"


@contextlib.contextmanager
def crawl_lock(data_dir: Path, *, wait: bool = True, poll_s: float = 0.5,
               on_wait: Callable[[str], None] | None = None) -> Iterator[None]:
    """Hold the crawl lock of ``data_dir``; wait for it, or raise LockedError if ``wait`` is off.

    flock is released by the kernel when the process exits, even on SIGKILL, so a killed crawl
    never leaves a stale lock behind.
    """
    data_dir.mkdir(parents=True, exist_ok=True)
    path = data_dir / LOCK_NAME
    fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o644)
    try:
        told = False
        while True:
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except BlockingIOError:
                holder = _holder(path)
                if not wait:
                    raise LockedError(f"{holder} is crawling into {data_dir}") from None
                if on_wait and not told:
                    on_wait(f"waiting for {holder}, which is crawling into {data_dir} …")
                    told = True
                time.sleep(poll_s)
        os.ftruncate(fd, 0)
        os.write(fd, str(os.getpid()).encode())
        yield
    finally:
        os.close(fd)  # closing the descriptor releases the lock
