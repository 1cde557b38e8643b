"""Keep-alive connections spread over the processes of `crescent serve --workers` by load.

The kernel hands each new connection to whichever worker accepts first, at random, and a
browser then keeps it: ten clients could sit 7 and 3 (or 10 and 0) on two workers for as long
as they kept asking, the busy worker's pages waiting twice as long as they should while the
other idled (bench-web: run-to-run swings of 2× in p95). Each worker counts the pages it has in
hand (being rendered or waiting their turn) on a small shared board; a worker with more in hand
than another closes the connection of the page it just answered (``Connection: close``), and
the client's next connection lands anywhere. Connections drift off the busier worker until
the counts even out; balanced workers keep their connections.

The board is a file of one (pid, pages) pair per worker, mapped by every worker; a worker
writes only its own pair, so no lock is needed past the claiming of a pair.
"""

from __future__ import annotations

import contextlib
import fcntl
import mmap
import os
import shutil
import struct
import tempfile
from pathlib import Path

from crawler.children import process_alive

PAIR = struct.Struct("<ii")  # pid, pages in hand
BOARD_NAME = "load"


class Board:
    """The board itself, made and held by the supervising process for ``workers`` workers.

    On Linux it lives in memory only (memfd) and the workers open it through this process's
    /proc entry, so it goes with the processes, even a killed one's; elsewhere it is a file in
    a private temporary folder, removed by :meth:`close`.
    """

    def __init__(self, workers: int) -> None:
        size = PAIR.size * workers
        self._folder: Path | None = None
        try:
            self._fd = os.memfd_create("crescent-serve-load")
            self.path = Path(f"/proc/{os.getpid()}/fd/{self._fd}")
            os.ftruncate(self._fd, size)
            if not self.path.exists():
                raise OSError("no /proc")
        except (AttributeError, OSError):
            self._folder = Path(tempfile.mkdtemp(prefix="crescent-serve-"))
            self.path = self._folder / BOARD_NAME
            self.path.write_bytes(bytes(size))
            self._fd = -1

    def close(self) -> None:
        if self._fd >= 0:
            with contextlib.suppress(OSError):
                os.close(self._fd)
            self._fd = -1
        if self._folder is not None:
            shutil.rmtree(self._folder, ignore_errors=True)


class LoadBoard:
    """This worker's pair on the board, and its view of the others'."""

    def __init__(self, path: Path) -> None:
        with open(path, "r+b") as handle:
            # One claim at a time: a free pair, or one left by a worker that died (uvicorn
            # starts a new one in its place).
            fcntl.flock(handle, fcntl.LOCK_EX)
            self._map = mmap.mmap(handle.fileno(), 0)
            count = len(self._map) // PAIR.size
            mine = next((i for i in range(count)
                         if not process_alive(PAIR.unpack_from(self._map, i * PAIR.size)[0])), None)
            if mine is None:
                raise RuntimeError(f"no free place on the load board {path}")
            PAIR.pack_into(self._map, mine * PAIR.size, os.getpid(), 0)
            fcntl.flock(handle, fcntl.LOCK_UN)
        self._offset = mine * PAIR.size
        self._others = [i * PAIR.size for i in range(count) if i != mine]
        self.pages = 0

    def _publish(self) -> None:
        PAIR.pack_into(self._map, self._offset, os.getpid(), self.pages)

    def taken(self) -> None:
        """A page arrived (it is rendered or waits its turn)."""
        self.pages += 1
        self._publish()

    def answered(self) -> bool:
        """A page is answered: whether its connection should close, because this worker
        still has more pages in hand than another worker."""
        self.pages -= 1
        self._publish()
        for offset in self._others:
            pid, pages = PAIR.unpack_from(self._map, offset)
            if pages < self.pages and process_alive(pid):
                return True
        return False

    def close(self) -> None:
        with contextlib.suppress(BufferError, ValueError):
            self._map.close()
