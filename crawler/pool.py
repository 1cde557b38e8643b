"""Extraction off the reactor: a process pool sized to the cores, shared by a crawl's spiders.

Extraction (trafilatura, htmldate, py3langid) is CPU-bound pure Python; run inline it would
hold Scrapy's single thread and use one core while downloads wait.

How workers start matters for memory: a crawl started by the runner calls :meth:`start` before
the reactor runs, so the workers are forked from a single-threaded parent that has already
loaded trafilatura and the language model, and share those pages copy-on-write. A pool created
later, inside a running reactor (``scrapy crawl``), uses forkserver instead: forking a process
with a live reactor and its threads is not safe.

Workers never outlive the crawl: a ``kill -9`` of the crawl process alone (the OOM killer, a
container runtime) would otherwise leave them running with parent 1, holding ~150 MiB each and
whatever files they inherited. Each worker asks the kernel for SIGKILL when its parent dies
(``PR_SET_PDEATHSIG``) and also watches the crawl process itself through a pidfd.
"""

from __future__ import annotations

import asyncio
import contextlib
import gc
import multiprocessing
import os
import signal
from collections.abc import Callable
from concurrent.futures import Future, ProcessPoolExecutor
from datetime import datetime
from typing import Any

from crawler.children import deathsig_fits, die_with_crawl
from crawler.extract import Article, FoundDate, Rejection, SourceHints, detect_language, extract
from crawler.memory import WORKER_MMAP_THRESHOLD, release_free_heap, tune_allocator

IN_FLIGHT_PER_WORKER = 2


def _warm_up() -> None:
    """Load what extraction otherwise loads lazily: in the parent, it is shared by the workers."""
    detect_language("warm up the language model once per worker")
    # trafilatura's justext fallback builds a stop-word set of every language (~25 MiB) on its
    # first use; built after the fork, each worker would hold its own copy.
    with contextlib.suppress(ImportError, AttributeError):
        from justext.core import define_stoplist
        from trafilatura import external

        define_stoplist(external.JT_STOPLIST or external.jt_stoplist_init())


def _init_worker(crawl_pid: int, deathsig: bool) -> None:
    die_with_crawl(crawl_pid, deathsig=deathsig)
    # Ctrl-C reaches the whole process group; only the crawl itself decides how to stop.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    tune_allocator(mmap_threshold=WORKER_MMAP_THRESHOLD)
    _warm_up()


def default_workers() -> int:
    return len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else (
        os.cpu_count() or 1)


def workers_setting(settings) -> int:
    """CRESCENT_EXTRACT_WORKERS: unset means one worker per core, 0 means inline."""
    value = settings.get("CRESCENT_EXTRACT_WORKERS")
    return default_workers() if value in (None, "") else int(value)


class ExtractionPool:
    """``await pool.extract(...)`` runs :func:`crawler.extract.extract` in a worker process.

    One single-process executor per worker, so that work can be placed: a page goes to the
    worker with the fewest pages in hand, and :meth:`submit_to_host` runs other work (the
    crawl's index writes, see crawler.indexer) on the last worker. Hosting the index writer in
    a worker rather than in a process of its own saves that process's ~20 MiB, and the page
    placement steers pages away from the worker while it commits. With ``workers=0`` everything
    runs inline (useful to compare, and for tiny crawls).
    """

    def __init__(self, workers: int | None = None) -> None:
        self.workers = default_workers() if workers is None else max(0, workers)
        self._executors: list[ProcessPoolExecutor] = []
        self._in_hand: list[int] = []
        self._hosted: list[Future] = []
        self._slots: asyncio.Semaphore | None = None

    def start(self) -> None:
        """Fork the workers now, from this (still single-threaded) process, and wait for them."""
        if self.workers == 0 or self._executors:
            return
        _warm_up()  # loaded here once, shared with the forked workers
        # What loading left behind (the model's unpacking buffers) is freed and handed back
        # first, or every worker would inherit it. Objects that exist then are never collected:
        # their pages stay shared with the workers instead of being copied when a worker's
        # garbage collector touches them.
        gc.collect()
        release_free_heap()
        gc.freeze()
        self._spawn(multiprocessing.get_context("fork"))
        for future in [executor.submit(_warm_up) for executor in self._executors]:
            future.result()

    def _spawn(self, context) -> None:
        initargs = (os.getpid(), deathsig_fits(context.get_start_method()))
        self._executors = [ProcessPoolExecutor(1, mp_context=context, initializer=_init_worker,
                                               initargs=initargs)
                           for _ in range(self.workers)]
        self._in_hand = [0] * self.workers

    def _ensure_started(self) -> None:
        if not self._executors:  # started inside a running reactor: see the module docstring
            self._spawn(multiprocessing.get_context("forkserver"))

    def submit_to_host(self, function: Callable[..., Any], *args: Any) -> Future:
        """Run ``function(*args)`` on the last worker, after what it already has in hand."""
        self._ensure_started()
        future = self._executors[-1].submit(function, *args)
        self._hosted = [hosted for hosted in self._hosted if not hosted.done()] + [future]
        return future

    def _load(self, worker: int) -> int:
        """Pages in hand; hosted work (an index commit, ~0.3 s) counts as a full hand of pages."""
        load = self._in_hand[worker]
        if worker == self.workers - 1:
            load += 2 * IN_FLIGHT_PER_WORKER * sum(not hosted.done() for hosted in self._hosted)
        return load

    async def extract(self, body: bytes | str, url: str, hints: SourceHints, *,
                      encoding: str | None = None, now: datetime | None = None,
                      listed: FoundDate | None = None) -> Article | Rejection:
        """Arguments as :func:`crawler.extract.extract`'s.

        Pass the page's bytes and its ``Content-Type``: the worker decodes them (the crawl
        process never holds the page as text, and bytes pickle in one copy).
        """
        if self.workers == 0:
            return extract(body, url, hints, encoding=encoding, now=now, listed=listed)
        if self._slots is None:
            self._slots = asyncio.Semaphore(IN_FLIGHT_PER_WORKER * self.workers)
        # Backpressure: pages wait here (and Scrapy stops downloading once its scraper slot
        # is full) instead of piling up, pickled, in the pool's queue.
        async with self._slots:
            self._ensure_started()
            # Ties go to the first worker: the last one also hosts the index writer.
            worker = min(range(self.workers), key=self._load)
            self._in_hand[worker] += 1
            try:
                future = self._executors[worker].submit(
                    extract, body, url, hints, encoding=encoding, now=now,
                    listed=listed)
                return await asyncio.wrap_future(future)
            finally:
                self._in_hand[worker] -= 1

    def shutdown(self) -> None:
        """Finish hosted work (index commits), then stop; pages not yet extracted are dropped."""
        for hosted in self._hosted:
            with contextlib.suppress(Exception):  # reported to whoever submitted it
                hosted.result()
        self._hosted = []
        for executor in self._executors:
            executor.shutdown(wait=True, cancel_futures=True)
        self._executors = []

    # One pool serves every spider of a crawl; Scrapy deep-copies settings per crawler.
    def __deepcopy__(self, memo: dict) -> ExtractionPool:
        return self

    def __copy__(self) -> ExtractionPool:
        return self
