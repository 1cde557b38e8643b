"""The extraction pool: page bytes and their HTTP charset go to a worker process and come back
as the article inline extraction gives; lazily loaded extraction data is loaded before forking."""

from __future__ import annotations

import asyncio
import fcntl
import os
import signal
import subprocess
import sys
import time
from datetime import UTC, date, datetime

import pytest

from crawler.extract import Article, FoundDate, SourceHints
from crawler.pool import ExtractionPool, _warm_up
from tests.conftest import REPO
from tests.helpers import group_members

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
    deadline = time.monotonic() + timeout
    while not os.path.exists(path):
        if time.monotonic() > deadline:
            return False
        time.sleep(0.02)
    return True


def test_hosted_work_runs_on_the_last_worker_and_pages_go_around_it(tmp_path):
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


CRAWL_STAND_IN = """
import os, sys, time
from pathlib import Path
from archive.lock import crawl_lock
from crawler.pool import ExtractionPool

with crawl_lock(Path(sys.argv[1])):
    pool = ExtractionPool(2)
    if sys.argv[2] == "fork":
        pool.start()  # as the runner does, before the reactor
    else:
        pool._ensure_started()  # as a pool started inside a running reactor does
    pids = [executor.submit(os.getpid).result(timeout=60) for executor in pool._executors]
    print(" ".join(map(str, pids)), flush=True)
    time.sleep(120)
"""


@pytest.mark.parametrize("method", ["fork", "forkserver"])
def test_workers_end_and_the_lock_is_free_when_the_crawl_alone_is_killed(tmp_path, method):
    crawl = subprocess.Popen([sys.executable, "-c", CRAWL_STAND_IN, str(tmp_path), method],
                             cwd=REPO, stdout=subprocess.PIPE, text=True,
                             start_new_session=True)
    try:
        workers = [int(pid) for pid in crawl.stdout.readline().split()]
        os.kill(crawl.pid, signal.SIGKILL)  # the crawl process alone, as the OOM killer does
        crawl.stdout.close()
        crawl.wait(timeout=10)
        assert len(workers) == 2
        deadline = time.monotonic() + 5
        while group_members(crawl.pid) and time.monotonic() < deadline:
            time.sleep(0.05)
        assert group_members(crawl.pid) == [], "workers outlived the crawl"
    finally:
        for pid in group_members(crawl.pid):  # whatever the assertions said
            os.kill(pid, signal.SIGKILL)
    with (tmp_path / ".crawl.lock").open("rb") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)  # raises if anyone still holds it


LOCK_HOLDER = """
import os, sys, time
from pathlib import Path
from archive.lock import crawl_lock

with crawl_lock(Path(sys.argv[1])):
    child = os.fork()
    if child == 0:
        time.sleep(60)  # a child that would live on: it must not keep the lock
        os._exit(0)
    print(child, flush=True)
    time.sleep(60)
"""


def test_a_forked_child_does_not_keep_the_crawl_lock(tmp_path):
    holder = subprocess.Popen([sys.executable, "-c", LOCK_HOLDER, str(tmp_path)], cwd=REPO,
                              stdout=subprocess.PIPE, text=True, start_new_session=True)
    try:
        child = int(holder.stdout.readline())
        os.kill(holder.pid, signal.SIGKILL)
        holder.stdout.close()
        holder.wait(timeout=10)
        assert group_members(holder.pid) == [child]  # the child lives on …
        with (tmp_path / ".crawl.lock").open("rb") as lock:  # … without the lock
            fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
    finally:
        for pid in group_members(holder.pid):
            os.kill(pid, signal.SIGKILL)
