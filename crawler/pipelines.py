"""Item pipelines: the archive (source of truth) first, then the index derived from it."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from concurrent.futures import Future
from pathlib import Path

from scrapy.exceptions import DropItem, NotConfigured

from archive.dedupe import SharedArchive
from archive.store import ArchiveError, ArchiveStore, SaveResult
from crawler.capture import capture_writer
from crawler.indexer import IndexWriter
from crawler.pool import workers_setting
from search.index import document_for

logger = logging.getLogger(__name__)


def data_dir(settings) -> Path:
    """The data directory a crawl writes to (setting CRESCENT_DATA)."""
    return Path(settings.get("CRESCENT_DATA") or "crescent-data")


class ArchivePipeline:
    """Writes each article atomically (in the shared writer thread); unchanged ones not at all.

    A text another source published earlier gets ``duplicate_of`` that article's id (both
    are kept); if the earlier one arrives second, the later one is annotated instead.
    """

    def __init__(self, shared: SharedArchive, stats, *, owns_archive: bool = False) -> None:
        self.shared = shared
        self.stats = stats
        self.owns_archive = owns_archive

    @classmethod
    def from_crawler(cls, crawler):
        # One crawl of several sources shares one (see crawler.runner); alone, make our own.
        shared = crawler.settings.get("CRESCENT_SHARED_ARCHIVE")
        if shared is not None:
            pipeline = cls(shared, crawler.stats)
        else:
            root = data_dir(crawler.settings)
            shared = SharedArchive(root / "archive",
                                   captures=capture_writer(root, crawler.settings))
            crawler.crescent_archive = shared  # the capture middleware's way to the writer thread
            pipeline = cls(shared, crawler.stats, owns_archive=True)
        pipeline.crawler = crawler
        return pipeline

    def close_spider(self) -> None:
        if self.owns_archive:  # the runner closes a shared one after every spider
            self.shared.close()

    async def process_item(self, item):
        try:
            result, duplicate_links = await self.shared.save(item.record(),
                                                             item.get("capture_data"))
        except ArchiveError as error:
            spider = getattr(getattr(self, "crawler", None), "spider", None)
            if hasattr(spider, "reject"):  # listed in the crawl report with its URL
                spider.reject("unstorable", item["url"], str(error))
            else:
                self.stats.inc_value("crescent/rejected/unstorable")
            raise DropItem(str(error)) from error
        item["archive_status"] = result.value
        item.pop("capture_data", None)  # the page's bytes are on disk now: let them go
        self.stats.inc_value(f"crescent/archive/{result.value}")
        if duplicate_links:
            self.stats.inc_value("crescent/archive/duplicate_of", duplicate_links)
        if result is not SaveResult.UNCHANGED:
            # Logged only after the atomic write: every id listed here is on disk.
            logger.info("archived %s %s %s", result.value, item["id"], item["url"])
        return item


class IndexPipeline:
    """Sends new and changed articles to the index writer in batches; waits for them at the end.

    Every engine the data directory keeps is written (see search.engines_to_update), in a
    separate process (crawler.indexer), so indexing never holds the reactor.
    """

    def __init__(self, writer: IndexWriter, store: ArchiveStore, batch_size: int, stats,
                 owns_writer: bool, interval: float = 0.0) -> None:
        self.writer = writer
        self.store = store
        self.batch_size = batch_size
        self.stats = stats
        self.owns_writer = owns_writer
        self.interval = interval
        self.pending: list[dict] = []
        self.inflight: list[Future] = []
        self.timer = None
        self.clock = None  # the reactor; tests give a twisted.internet.task.Clock

    @classmethod
    def from_crawler(cls, crawler):
        settings = crawler.settings
        batch_size = settings.getint("CRESCENT_INDEX_BATCH", 50)
        if batch_size <= 0:
            raise NotConfigured("CRESCENT_INDEX_BATCH <= 0 turns indexing off")
        root = data_dir(settings)
        shared = settings.get("CRESCENT_SHARED_INDEXER")
        writer = shared or IndexWriter(root, inline=workers_setting(settings) == 0)
        return cls(writer, ArchiveStore(root / "archive"), batch_size, crawler.stats,
                   owns_writer=shared is None,
                   interval=settings.getfloat("CRESCENT_INDEX_INTERVAL", 30.0))

    def open_spider(self) -> None:
        # Big batches are cheap to index (a commit costs ~0.6 s of CPU however small), but a
        # slow crawl would fill one in minutes: what is pending is also sent every
        # CRESCENT_INDEX_INTERVAL seconds (30: at 5 s, a crawl of 1 article a second spent
        # ~120 ms of CPU an article on commits).
        if self.interval > 0:
            from twisted.internet import task

            self.timer = task.LoopingCall(self.flush)
            if self.clock is not None:
                self.timer.clock = self.clock
            self.timer.start(self.interval, now=False)

    def process_item(self, item):
        if item.get("archive_status") in (SaveResult.NEW.value, SaveResult.UPDATED.value):
            record = item.record()
            relative = self.store.relative(self.store.path_for(record))
            self.pending.append(document_for(record, relative))
            if len(self.pending) >= self.batch_size:
                self.flush()
        return item

    def flush(self) -> None:
        if self.pending:
            batch, self.pending = self.pending, []
            self.inflight.append(self.writer.submit(batch, self._committed))
            self.inflight = [future for future in self.inflight if not future.done()]

    def _committed(self, future: Future) -> None:
        error = future.exception()
        if error is None:
            self.stats.inc_value("crescent/indexed", future.result())
        else:  # the archive has the articles; the next crawl's start-up check re-indexes
            self.stats.inc_value("crescent/index_errors")
            logger.error("index batch failed: %s: %s", type(error).__name__, error)

    async def close_spider(self) -> None:
        if self.timer is not None and self.timer.running:
            self.timer.stop()
        self.flush()
        for future in self.inflight:
            with contextlib.suppress(Exception):  # reported by _committed
                await asyncio.wrap_future(future)
        if self.owns_writer:
            self.writer.shutdown()
