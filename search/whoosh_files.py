"""Whoosh segment files read in place from their memory map, not copied into the heap.

Whoosh maps each compound segment file, then opens every part of it (postings, term index,
columns, stored fields) as a ``BufferFile`` whose ``io.BytesIO`` copies that part into private
memory. Every reader therefore held a full copy of the index: the crawl's index writer grew with
the archive it indexed (+7 MiB at 2,000 articles, each batch opening every segment) and a
searcher of a 100,000-article index would copy hundreds of MiB. Here the parts stay views of the
map: pages come from the page cache, shared by every process, and only those read are resident.

Installed by importing :mod:`search.whoosh_engine`; the pinned whoosh-reloaded 2.7.5 opens
compound parts only through ``whoosh.filedb.compound.BufferFile``.
"""

from __future__ import annotations

from whoosh.filedb import compound
from whoosh.filedb.structfile import BufferFile


class MemoryViewReader:
    """The read/seek/tell of a binary file over a memoryview, without copying it."""

    __slots__ = ("_pos", "_view")

    def __init__(self, view: memoryview) -> None:
        self._view = view
        self._pos = 0

    def read(self, size: int | None = -1) -> bytes:
        start, length = self._pos, len(self._view)
        end = length if size is None or size < 0 else min(start + size, length)
        self._pos = max(start, end)
        return self._view[start:end].tobytes()

    def peek(self, size: int = 0) -> bytes:
        """Bytes ahead without moving. With it, pickle's C unpickler reads a posting block's
        info tuple from one prefetched slice, then moves past what it used: without it, one
        ``read`` per opcode (~20 a block, 2,400 a Whoosh search page of 100,000 articles)."""
        start = self._pos
        return self._view[start:start + max(size, 1)].tobytes()

    def readline(self, size: int | None = -1) -> bytes:
        # Only pickle's protocol-0 opcodes ask for lines: scan in small chunks, not the rest.
        start, length = self._pos, len(self._view)
        stop = length if size is None or size < 0 else min(start + size, length)
        end = start
        while end < stop:
            chunk = self._view[end:min(end + 256, stop)].tobytes()
            newline = chunk.find(b"\n")
            if newline >= 0:
                end += newline + 1
                break
            end += len(chunk)
        self._pos = end
        return self._view[start:end].tobytes()

    def seek(self, offset: int, whence: int = 0) -> int:
        base = (0, self._pos, len(self._view))[whence]
        if base + offset < 0:
            raise ValueError("negative seek position")
        self._pos = base + offset
        return self._pos

    def tell(self) -> int:
        return self._pos

    def close(self) -> None:
        pass  # the view belongs to the compound storage, which releases the map


class MappedBufferFile(BufferFile):
    """``BufferFile`` whose sequential reads come straight from the mapped buffer."""

    def __init__(self, buf, name: str | None = None, onclose=None) -> None:
        super().__init__(b"", name=name, onclose=onclose)
        self._buf = buf
        self.file = MemoryViewReader(memoryview(buf))


def install() -> None:
    """Make Whoosh's compound storage open its parts as :class:`MappedBufferFile`."""
    compound.BufferFile = MappedBufferFile


install()
