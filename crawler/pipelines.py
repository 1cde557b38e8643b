"""Item pipelines: the archive (source of truth) first, then the index derived from it."""

from __future__ import annotations

import logging
from pathlib import Path

from scrapy.exceptions import DropItem, NotConfigured

from archive.store import ArchiveError, ArchiveStore, SaveResult
from search.index import SearchIndex, document_for

logger = logging.getLogger(__name__)


def data_dir(settings) -> Path:
    """The data directory a crawl writes to (setting CRESCENT_DATA)."""
    return Path(settings.get("CRESCENT_DATA") or "crescent-data")


class ArchivePipeline:
    """Writes each article atomically; an unchanged article writes nothing."""

    def __init__(self, store: ArchiveStore, stats) -> None:
        self.store = store
        self.stats = stats

    @classmethod
    def from_crawler(cls, crawler):
        store = ArchiveStore(data_dir(crawler.settings) / "archive")
        store.cleanup()
        return cls(store, crawler.stats)

    def process_item(self, item):
        try:
            result = self.store.save(item.record())
        except ArchiveError as error:
            self.stats.inc_value("crescent/rejected/unstorable")
            raise DropItem(str(error)) from error
        item["archive_status"] = result.value
        self.stats.inc_value(f"crescent/archive/{result.value}")
        if result is not SaveResult.UNCHANGED:
            # Logged only after the atomic write: every id listed here is on disk.
            logger.info("archived %s %s %s", result.value, item["id"], item["url"])
        return item


class IndexPipeline:
    """Adds new and changed articles to the index in batches (and the rest when the spider ends)."""

    def __init__(self, index: SearchIndex, store: ArchiveStore, batch_size: int, stats) -> None:
        self.index = index
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
        return cls(SearchIndex(root / "index"), ArchiveStore(root / "archive"), batch_size,
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
        count = self.index.update(self.pending)
        self.pending.clear()
        self.stats.inc_value("crescent/indexed", count)

    def close_spider(self) -> None:
        self.flush()


