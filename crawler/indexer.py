"""Index writes off the crawl process: one process applies the batches, in order.

Indexing is pure-Python analysis (Whoosh: ~1.6 ms of CPU an article in batches of 200, ~4 ms
in batches of 70, which merge more often); in the crawl process it would hold the reactor. A
crawl started by the runner runs the batches on the last worker of its extraction pool
(crawler.pool), which steers pages to the other workers while a commit runs: a fourth process
would cost ~20 MiB more. Alone (``scrapy crawl``), the writer starts a process of its own.
Batches are committed one after another, so a search during
the crawl sees each batch as soon as it is committed. A kill loses at most the batches in flight:
the archive has them, and the next crawl's start-up check rebuilds the index.
"""

from __future__ import annotations

import gc
import multiprocessing
import os
import signal
from collections.abc import Callable
from concurrent.futures import Future, ProcessPoolExecutor
from pathlib import Path
from typing import Any

from crawler.children import deathsig_fits, die_with_crawl
from crawler.memory import release_free_heap


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
    release_free_heap()  # a commit peaks far above what the writer keeps between batches
    return count


def _init_worker(crawl_pid: int, deathsig: bool) -> None:
    die_with_crawl(crawl_pid, deathsig=deathsig)
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # the crawl decides how to stop


class IndexWriter:
    """Submit batches to the writer process (or run them inline with ``inline=True``).

    With a ``host`` (the crawl's ExtractionPool) the batches run on the pool's last worker
    instead of a process of their own; otherwise a one-process executor is started.
    """

    def __init__(self, data_dir: Path, *, inline: bool = False, host: Any = None) -> None:
        self.data_dir = str(data_dir)
        self.inline = inline
        self.host = host
        self._executor: ProcessPoolExecutor | None = None

    def start(self, method: str = "fork") -> None:
        """Load the engines' modules now, to be shared with the process that will write; start
        our own writer process unless a host runs the batches (``fork`` only before the reactor
        runs; see crawler.pool)."""
        if self.inline or self._executor is not None:
            return
        from search import engines_to_update

        for engine in engines_to_update(Path(self.data_dir)):
            engine.exists()  # imports the engine's modules here
        if self.host is not None:
            return
        gc.freeze()  # keep the pages shared with the writer (see crawler.pool)
        self._executor = ProcessPoolExecutor(1, mp_context=multiprocessing.get_context(method),
                                             initializer=_init_worker,
                                             initargs=(os.getpid(), deathsig_fits(method)))
        self._executor.submit(int).result()

    def submit(self, documents: list[dict[str, Any]],
               done: Callable[[Future], None] | None = None) -> Future:
        if self.inline:
            future: Future = Future()
            try:
                future.set_result(update_engines(self.data_dir, documents))
            except Exception as error:  # reported through the future, as from the process
                future.set_exception(error)
        elif self.host is not None:
            future = self.host.submit_to_host(update_engines, self.data_dir, documents)
        else:
            if self._executor is None:
                self.start("forkserver")
            future = self._executor.submit(update_engines, self.data_dir, documents)
        if done:
            future.add_done_callback(done)
        return future

    def shutdown(self) -> None:
        """Stop our own writer process after its batches (a host finishes them itself)."""
        if self._executor is not None:
            self._executor.shutdown(wait=True)
            self._executor = None

    # One writer serves every spider of a crawl; Scrapy deep-copies settings per crawler.
    def __deepcopy__(self, memo: dict) -> IndexWriter:
        return self

    def __copy__(self) -> IndexWriter:
        return self
