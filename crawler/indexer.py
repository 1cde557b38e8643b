"""Index writes off the crawl process: one worker process applies the batches, in order.

Indexing is pure-Python analysis (Whoosh: 3-5 ms of CPU an article in batches of 200); in
the crawl process it would hold the reactor. The writer is forked before the reactor starts,
like the extraction pool, and its batches are committed one after another, so a search during
the crawl sees each batch as soon as it is committed. A kill loses at most the batches in flight:
the archive has them, and the next crawl's start-up check rebuilds the index.
"""

from __future__ import annotations

import contextlib
import ctypes
import ctypes.util
import gc
import multiprocessing
import signal
from collections.abc import Callable
from concurrent.futures import Future, ProcessPoolExecutor
from pathlib import Path
from typing import Any


def update_engines(data_dir: str, documents: list[dict[str, Any]]) -> int:
    """Add or replace ``documents`` in every engine the data directory keeps."""
    from search import engines_to_update

    count = 0
    for engine in engines_to_update(Path(data_dir)):
        count = engine.update(documents)
    # Whoosh's readers and writers sit in reference cycles holding mmapped segment files: left
    # to the cyclic collector's schedule they pile up (the writer process doubled in size over
    # 2,000 articles). Collecting after each batch keeps it flat and costs ~1 ms.
    gc.collect()
    release_free_heap()
    return count


def _malloc_trim():
    with contextlib.suppress(OSError, AttributeError, TypeError):
        return ctypes.CDLL(ctypes.util.find_library("c")).malloc_trim
    return None


_MALLOC_TRIM = _malloc_trim()


def release_free_heap() -> None:
    """Hand freed heap pages back to the system (glibc's ``malloc_trim``; a no-op elsewhere).

    A commit peaks well above what the writer keeps between batches (sorting postings, merging
    segments); glibc keeps the freed pages mapped, so without this the writer stays at its
    highest peak for the rest of the crawl.
    """
    if _MALLOC_TRIM is not None:
        _MALLOC_TRIM(0)


def _init_worker() -> None:
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # the crawl decides how to stop


class IndexWriter:
    """Submit batches to one writer process (or run them inline with ``inline=True``)."""

    def __init__(self, data_dir: Path, *, inline: bool = False) -> None:
        self.data_dir = str(data_dir)
        self.inline = inline
        self._executor: ProcessPoolExecutor | None = None

    def start(self, method: str = "fork") -> None:
        """Start the writer now (``fork`` only before the reactor runs; see crawler.pool)."""
        if self.inline or self._executor is not None:
            return
        from search import engines_to_update

        for engine in engines_to_update(Path(self.data_dir)):
            engine.exists()  # imports the engine's modules here, to be shared with the writer
        gc.freeze()  # keep the pages shared with the writer (see crawler.pool)
        self._executor = ProcessPoolExecutor(1, mp_context=multiprocessing.get_context(method),
                                             initializer=_init_worker)
        self._executor.submit(int).result()

    def submit(self, documents: list[dict[str, Any]],
               done: Callable[[Future], None] | None = None) -> Future:
        if self.inline:
            future: Future = Future()
            try:
                future.set_result(update_engines(self.data_dir, documents))
            except Exception as error:  # reported through the future, as from the process
                future.set_exception(error)
        else:
            if self._executor is None:
                self.start("forkserver")
            future = self._executor.submit(update_engines, self.data_dir, documents)
        if done:
            future.add_done_callback(done)
        return future

    def shutdown(self) -> None:
        if self._executor is not None:
            self._executor.shutdown(wait=True)
            self._executor = None

    # One writer serves every spider of a crawl; Scrapy deep-copies settings per crawler.
    def __deepcopy__(self, memo: dict) -> IndexWriter:
        return self

    def __copy__(self) -> IndexWriter:
        return self
