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
