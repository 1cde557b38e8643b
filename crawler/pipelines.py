"""Item pipelines: the archive (source of truth) first, then the index derived from it."""

from __future__ import annotations

import logging
from pathlib import Path

from scrapy.exceptions import DropItem, NotConfigured

from archive.dedupe import SharedArchive
from archive.store import ArchiveError, ArchiveStore, SaveResult
from search.engine import Engine, engines_to_update
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

    def __init__(self, shared: SharedArchive, stats) -> None:
        self.shared = shared
        self.stats = stats

    @classmethod
    def from_crawler(cls, crawler):
        # One crawl of several sources shares one (see crawler.runner); alone, make our own.
        shared = crawler.settings.get("CRESCENT_SHARED_ARCHIVE") or SharedArchive(
            data_dir(crawler.settings) / "archive")
        return cls(shared, crawler.stats)

    async def process_item(self, item):
        try:
            result, duplicate_links = await self.shared.save(item.record())
        except ArchiveError as error:
            self.stats.inc_value("crescent/rejected/unstorable")
            raise DropItem(str(error)) from error
        item["archive_status"] = result.value
        self.stats.inc_value(f"crescent/archive/{result.value}")
        if duplicate_links:
            self.stats.inc_value("crescent/archive/duplicate_of", duplicate_links)
        if result is not SaveResult.UNCHANGED:
            # Logged only after the atomic write: every id listed here is on disk.
            logger.info("archived %s %s %s", result.value, item["id"], item["url"])
        return item


class IndexPipeline:
    """Adds new and changed articles to the index in batches (and the rest when the spider ends).

    Every engine is written through the engine interface: the data directory's configured engine
    and any other engine whose index is already there, so none of them falls behind the archive.
    """

    def __init__(self, engines: list[Engine], store: ArchiveStore, batch_size: int,
                 stats) -> None:
        self.engines = engines
        self.store = store
        self.batch_size = batch_size
        self.stats = stats
        self.pending: list[dict] = []

    @classmethod
    def from_crawler(cls, crawler):
        settings = crawler.settings
        batch_size = settings.getint("CRESCENT_INDEX_BATCH", 50)
        if batch_size <= 0:
            raise NotConfigured("CRESCENT_INDEX_BATCH <= 0 turns indexing off")
        root = data_dir(settings)
        return cls(engines_to_update(root), ArchiveStore(root / "archive"), batch_size,
                   crawler.stats)

    def process_item(self, item):
        if item.get("archive_status") in (SaveResult.NEW.value, SaveResult.UPDATED.value):
            record = item.record()
            relative = self.store.relative(self.store.path_for(record))
            self.pending.append(document_for(record, relative))
            if len(self.pending) >= self.batch_size:
                self.flush()
        return item

    def flush(self) -> None:
        count = 0
        for engine in self.engines:
            count = engine.update(self.pending)
        self.pending.clear()
        self.stats.inc_value("crescent/indexed", count)

    def close_spider(self) -> None:
        self.flush()
