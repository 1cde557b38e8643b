"""The index pipeline: articles are committed in batches, and at least every interval."""

from __future__ import annotations

from scrapy.statscollectors import MemoryStatsCollector
from scrapy.utils.test import get_crawler
from twisted.internet import task

from archive.store import ArchiveStore
from crawler.indexer import IndexWriter
from crawler.items import ArticleItem
from crawler.pipelines import IndexPipeline
from search import open_engine


def article(number: int) -> ArticleItem:
    return ArticleItem(
        id=f"{number:016x}", url=f"https://example.org/news/{number}", source="example",
        language="en", language_confidence=0.99, title=f"Volunteers deliver aid {number}",
        text="Red Crescent volunteers delivered food parcels to families after the floods.",
        published="2025-04-05", date_source="meta", date_raw="2025-04-05", modified=None,
        authors=[], description=None, fetched_at="2025-04-06T00:00:00Z", word_count=11,
        archive_status="new")


def pipeline(tmp_path, batch_size: int, interval: float) -> tuple[IndexPipeline, task.Clock]:
    stats = MemoryStatsCollector(get_crawler())
    index = IndexPipeline(IndexWriter(tmp_path, inline=True), ArchiveStore(tmp_path / "archive"),
                          batch_size, stats, owns_writer=True, interval=interval)
    clock = task.Clock()
    index.clock = clock
    index.open_spider()
    return index, clock


def indexed(tmp_path) -> set[str]:
    engine = open_engine(tmp_path)
    return engine.indexed_ids() if engine.exists() else set()


def test_a_full_batch_is_committed_at_once(tmp_path):
    index, _clock = pipeline(tmp_path, batch_size=3, interval=5)
    for number in range(3):
        index.process_item(article(number))
    assert indexed(tmp_path) == {f"{n:016x}" for n in range(3)}


def test_a_partial_batch_waits_at_most_the_interval(tmp_path):
    index, clock = pipeline(tmp_path, batch_size=200, interval=5)
    index.process_item(article(1))
    index.process_item(article(2))
    clock.advance(4)
    assert indexed(tmp_path) == set()  # neither a full batch nor the interval yet
    clock.advance(1)
    assert indexed(tmp_path) == {f"{1:016x}", f"{2:016x}"}
    index.process_item(article(3))
    clock.advance(5)
    assert f"{3:016x}" in indexed(tmp_path)


def test_unchanged_articles_are_not_indexed_again(tmp_path):
    index, clock = pipeline(tmp_path, batch_size=1, interval=5)
    item = article(7)
    item["archive_status"] = "unchanged"
    index.process_item(item)
    clock.advance(10)
    assert indexed(tmp_path) == set()


def test_a_writer_hosted_by_the_pool_commits_there_before_the_pool_stops(tmp_path):
    from crawler.pool import ExtractionPool
    from search.index import document_for

    pool = ExtractionPool(2)
    writer = IndexWriter(tmp_path, host=pool)
    writer.start()  # engines' modules only: the host runs the batches
    pool.start()
    try:
        assert writer._executor is None
        # More batches than the worker's call queue holds: a shutdown that cancelled what
        # waits would lose the last ones.
        for first in range(0, 16, 2):
            writer.submit([document_for(article(n).record(), f"example/{n}.json")
                           for n in (first, first + 1)])
        writer.shutdown()
        pool.shutdown()  # finishes every batch, in order, before the workers go
        assert indexed(tmp_path) == {f"{n:016x}" for n in range(16)}
    finally:
        pool.shutdown()
