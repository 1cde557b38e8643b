"""Item pipelines: the archive (source of truth) first, then the index derived from it."""

from __future__ import annotations

import logging
from pathlib import Path

from scrapy.exceptions import DropItem, NotConfigured

from archive.dedupe import SharedArchive, fingerprint
from archive.store import ArchiveError, ArchiveStore, SaveResult
from search.index import SearchIndex, document_for

logger = logging.getLogger(__name__)


def data_dir(settings) -> Path:
    """The data directory a crawl writes to (setting CRESCENT_DATA)."""
    return Path(settings.get("CRESCENT_DATA") or "crescent-data")


class ArchivePipeline:
    """Writes each article atomically; an unchanged article writes nothing.

    A text another source published earlier gets ``duplicate_of`` that article's id (both
    are kept); if the earlier one arrives second, the later one is annotated instead.
    """

    def __init__(self, shared: SharedArchive, stats) -> None:
        self.store = shared.store
        self.near = shared.near
        self.stats = stats

    @classmethod
    def from_crawler(cls, crawler):
        # One crawl of several sources shares one (see crawler.runner); alone, make our own.
        shared = crawler.settings.get("CRESCENT_SHARED_ARCHIVE") or SharedArchive(
            data_dir(crawler.settings) / "archive")
        return cls(shared, crawler.stats)

    def process_item(self, item):
        record = item.record()
        record["simhash"] = fingerprint(record["text"])
        record["duplicate_of"] = self.near.original_of(record)
        try:
            result = self.store.save(record)
        except ArchiveError as error:
            self.stats.inc_value("crescent/rejected/unstorable")
            raise DropItem(str(error)) from error
        item["archive_status"] = result.value
        self.stats.inc_value(f"crescent/archive/{result.value}")
        if result is SaveResult.NEW:
            self.near.add(record)
            if record["duplicate_of"]:
                self.stats.inc_value("crescent/archive/duplicate_of")
            for later in self.near.later_copies_of(record):
                self._point_to_earliest(later)
        if result is not SaveResult.UNCHANGED:
            # Logged only after the atomic write: every id listed here is on disk.
            logger.info("archived %s %s %s", result.value, item["id"], item["url"])
        return item

    def _point_to_earliest(self, article_id: str) -> None:
        later = self.store.load(article_id) or {}
        later.setdefault("simhash", fingerprint(later.get("text", "")))
        earliest = self.near.original_of(later) if later else None
        if earliest and earliest != later.get("duplicate_of"):
            self.store.annotate(article_id, duplicate_of=earliest)
            self.stats.inc_value("crescent/archive/duplicate_of")


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


