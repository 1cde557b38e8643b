"""The extraction pool: page bytes and their HTTP charset go to a worker process and come back
as the article inline extraction gives; lazily loaded extraction data is loaded before forking."""

from __future__ import annotations

import asyncio
from datetime import UTC, date, datetime

import pytest

from crawler.extract import Article, FoundDate, SourceHints
from crawler.pool import ExtractionPool, _warm_up

NOW = datetime(2026, 1, 10, 12, tzinfo=UTC)
PARAGRAPH = ("Волонтёры Красного Полумесяца провели занятия по первой помощи в школах города и "
             "раздали семьям наборы гигиены, одеяла и продукты на зиму. ")
# No date anywhere on the page: only the feed's date can date it.
PAGE = ("<html><head><title>Занятия по первой помощи</title>"
        "</head><body><article><h1>Занятия по первой помощи</h1>"
        f"<p>{PARAGRAPH * 3}</p><p>{PARAGRAPH * 2}</p></article></body></html>")
FEED_DAY = FoundDate(date(2025, 10, 2), "feed", "Thu, 02 Oct 2025 00:30:00 +0200")
HINTS = SourceHints(source="test", languages=("ru",))


def extract_with(pool: ExtractionPool, **kwargs) -> Article:
    async def run():
        return await pool.extract(PAGE.encode("cp1251"), "https://example.org/ru/news/1", HINTS,
                                  encoding="text/html; charset=windows-1251", now=NOW, **kwargs)

    return asyncio.run(run())


@pytest.fixture(scope="module")
def worker_pool():
    pool = ExtractionPool(1)
    pool.start()
    yield pool
    pool.shutdown()


def test_a_worker_extracts_from_page_bytes_and_applies_the_feed_date(worker_pool):
    article = extract_with(worker_pool, listed=FEED_DAY)
    assert isinstance(article, Article), article
    assert article.text.startswith("Волонтёры Красного Полумесяца")
    assert (article.published[:10], article.date_source) == ("2025-10-02", "feed")


def test_the_worker_and_inline_extraction_agree(worker_pool):
    assert extract_with(worker_pool, listed=FEED_DAY) == extract_with(ExtractionPool(0),
                                                                      listed=FEED_DAY)


def test_without_the_feed_date_the_undated_page_is_rejected(worker_pool):
    rejection = extract_with(worker_pool)
    assert not isinstance(rejection, Article)
    assert rejection.reason == "no-date"


def test_the_warm_up_builds_the_justext_stop_words_of_our_languages():
    from justext.core import define_stoplist
    from trafilatura import external

    words = set(external.JT_STOPLIST)
    assert {"и", "ve", "the", "та"} <= words  # ru, tr, en, uk
    assert "und" not in words and len(words) < 60_000  # not every language justext knows
    define_stoplist.cache_clear()
    _warm_up()  # what ExtractionPool.start runs in the parent before forking
    assert define_stoplist.cache_info().currsize == 1


def _wait_for_file(path: str, timeout: float) -> bool:
    import os
    import time

    deadline = time.monotonic() + timeout
    while not os.path.exists(path):
        if time.monotonic() > deadline:
            return False
        time.sleep(0.02)
    return True


def test_hosted_work_runs_on_the_last_worker_and_pages_go_around_it(tmp_path):
    import os

    pool = ExtractionPool(2)
    pool.start()
    try:
        first, last = (executor.submit(os.getpid).result() for executor in pool._executors)
        assert pool.submit_to_host(os.getpid).result() == last != first
        gate = tmp_path / "open"
        blocker = pool.submit_to_host(_wait_for_file, str(gate), 30.0)

        async def pages_while_the_host_is_busy():
            return await asyncio.wait_for(asyncio.gather(*(
                pool.extract(PAGE.encode(), f"https://example.org/ru/news/{n}", HINTS, now=NOW,
                             listed=FEED_DAY) for n in range(4))), timeout=20)

        # A page placed on the busy worker would wait for the gate, opened only afterwards.
        articles = asyncio.run(pages_while_the_host_is_busy())
        assert all(isinstance(article, Article) for article in articles)
        assert not blocker.done()
        gate.touch()
        assert blocker.result(timeout=10) is True
    finally:
        pool.shutdown()
