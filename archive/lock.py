"""One crawl at a time per data directory: an advisory lock the kernel drops when we die."""

from __future__ import annotations

import contextlib
import fcntl
import os
import time
from collections.abc import Callable, Iterator
from pathlib import Path

LOCK_NAME = ".crawl.lock"
CMDLINE_CAP = 200  # characters of the holder's command line shown to a waiting crawl

# Descriptors of the locks this process holds. A forked child (an extraction worker) would
# otherwise share the lock's open file and keep it held after a kill -9 of the crawl alone:
# flock belongs to the open file, not to the process. The child closes its copies at once
# (exec'd children never get them: Python's descriptors are close-on-exec).
_held: set[int] = set()


def _close_inherited_locks() -> None:
    for fd in _held:
        with contextlib.suppress(OSError):
            os.close(fd)
    _held.clear()


os.register_at_fork(after_in_child=_close_inherited_locks)


class LockedError(RuntimeError):
    """Another process holds the data directory's crawl lock."""


def _command_line(pid: int) -> str:
    """The command line of process ``pid`` in one printable line (Linux), or ''."""
    try:
        raw = Path(f"/proc/{pid}/cmdline").read_bytes()
    except OSError:
        return ""
    text = raw.rstrip(b"\0").replace(b"\0", b" ").decode("utf-8", "replace")
    text = "".join(ch if ch.isprintable() else "?" for ch in text)
    return text if len(text) <= CMDLINE_CAP else text[:CMDLINE_CAP - 1] + "…"


def holder(path: Path) -> str:
    """Who holds the lock at ``path``: its pid and command line, as far as they can be read."""
    try:
        pid = path.read_text().strip()
    except OSError:
        return "another process"
    if not pid.isdigit():
        return "another process"
    command = _command_line(int(pid))
    return f"process {pid} ({command})" if command else f"process {pid}"


@contextlib.contextmanager
def crawl_lock(data_dir: Path, *, wait: bool = True, poll_s: float = 0.5,
               on_wait: Callable[[str], None] | None = None) -> Iterator[None]:
    """Hold the crawl lock of ``data_dir``; wait for it, or raise LockedError if ``wait`` is off.

    flock is released by the kernel when the process exits, even on SIGKILL, so a killed crawl
    never leaves a stale lock behind; no child process keeps a copy (see ``_held``).
    """
    data_dir.mkdir(parents=True, exist_ok=True)
    path = data_dir / LOCK_NAME
    fd = os.open(path, os.O_RDWR | os.O_CREAT | os.O_CLOEXEC, 0o644)
    _held.add(fd)
    try:
        told = False
        while True:
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except BlockingIOError:
                who = holder(path)
                if not wait:
                    raise LockedError(f"{who} is crawling into {data_dir}") from None
                if on_wait and not told:
                    on_wait(f"waiting for {who}, which is crawling into {data_dir} …")
                    told = True
                time.sleep(poll_s)
        os.ftruncate(fd, 0)
        os.write(fd, str(os.getpid()).encode())
        yield
    finally:
        _held.discard(fd)
        os.close(fd)  # closing the descriptor releases the lock
