"""Pagination spends no depth: a source and a --site crawl read a 60-page listing to the end,
or to CRESCENT_MAX_LISTING_PAGES, which is what bounds it."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from archive.store import ArchiveStore
from crawler.demo import ReplicaServer
from crawler.urls import article_id
from tests.conftest import crescent
from tests.paginated import long_listing_site

pytestmark = pytest.mark.slow

PAGES, PER_PAGE = 60, 2


def crawl_stats(data: Path) -> dict:
    (report,) = (data / "crawls").glob("*.json")
    return json.loads(report.read_text())["stats"]


def archived_ids(data: Path) -> set[str]:
    return {record["id"] for record in ArchiveStore(data / "archive").iter_records()}


def test_a_source_reads_every_page_of_a_sixty_page_listing(tmp_path):
    site = long_listing_site(PAGES, PER_PAGE)
    with ReplicaServer(site) as server:
        result = crescent("crawl", "tgymj", "--base-url", server.base_url,
                          "-s", f"CRESCENT_MAX_LISTING_PAGES={PAGES + 10}", data=tmp_path)
    assert result.returncode == 0, result.stderr[-3000:]
    assert archived_ids(tmp_path) == {article_id(a.url) for a in site.articles}
    stats = crawl_stats(tmp_path)
    assert stats["crescent/listing_pages"] == PAGES
    assert "depth/request_ignored_count" not in stats
    assert stats["request_depth_max"] <= 1  # listing pages at depth 0, their articles at 1


def test_the_listing_cap_bounds_pagination_of_a_site(tmp_path):
    site = long_listing_site(PAGES, PER_PAGE)
    with ReplicaServer(site) as server:  # the default cap: 50 listing pages
        result = crescent("crawl", "--site", site.real_root + "/en/9-news", "--base-url",
                          server.base_url, data=tmp_path)
    assert result.returncode == 0, result.stderr[-3000:]
    stats = crawl_stats(tmp_path)
    # 50 listing URLs requested: the blog's pages and the header's link home ("/", a 404 here).
    walked = stats["crescent/listing_pages"]
    assert walked == 49 and stats["crescent/listing_limit_reached"] >= 1
    # Pages 1 to 49, each reached from the one before: their articles, and no others.
    assert archived_ids(tmp_path) == {article_id(a.url)
                                      for a in site.articles[:walked * PER_PAGE]}
    assert "depth/request_ignored_count" not in stats
