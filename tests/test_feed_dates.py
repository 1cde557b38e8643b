"""Dates a feed or sitemap gives an article reach the extractor through the spider's callbacks.

The icrc replica has one English article whose page shows no date: only its feed item (00:30
Geneva time, the day before in UTC) dates it. The other pages and feeds here are written for
the test.
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import ClassVar

import feedparser
import pytest
from scrapy.http import HtmlResponse, Request, XmlResponse

from archive.store import ArchiveStore
from crawler.demo import build_site
from crawler.extract import FoundDate, SourceHints, listed_date
from crawler.news import LISTED_DATE, NewsSpider, feed_entry_date
from crawler.urls import article_id
from spiders.icrc import IcrcSpider
from tests.helpers import callback_output, make_spider, response_for

NOW = datetime(2026, 1, 10, 12, 0, tzinfo=UTC)
ICRC = build_site("icrc")
ICRC_FEED = "https://www.icrc.org/en/rss"
FEED_ONLY_KEY = "en-kyrgyzstan-first-responders-osh"
FEED_ONLY_URL = next(a.url for a in ICRC.articles if a.key == FEED_ONLY_KEY)

ROOT = "https://news.example"
BODY = (
    "Volunteers of the regional branch delivered food parcels, blankets and hygiene kits to "
    "families whose houses were damaged by the storm on the coast. The branch coordinator said "
    "that mobile first-aid teams will keep visiting the villages until the roads reopen and "
    "the power lines are repaired, and that more volunteers have joined the relief effort."
)


def undated_page(title: str, extra: str = "") -> bytes:
    """An article page with no date of its own (no metadata, no date line, none in the URL)."""
    return (f'<html lang="en"><head><title>{title}</title>{extra}</head><body><article>'
            f"<h1>{title}</h1><p>{BODY}</p><p>{BODY}</p></article></body></html>").encode()


def rss(items: list[tuple[str, str]]) -> bytes:
    entries = "".join(f"<item><title>Story</title><link>{link}</link><pubDate>{when}</pubDate>"
                      "</item>" for link, when in items)
    return (f'<?xml version="1.0" encoding="UTF-8"?><rss version="2.0"><channel>'
            f"<title>Example</title><link>{ROOT}</link>{entries}</channel></rss>").encode()


def sitemap(items: list[tuple[str, str]]) -> bytes:
    urls = "".join(f"<url><loc>{loc}</loc><lastmod>{mod}</lastmod></url>" for loc, mod in items)
    return ('<?xml version="1.0" encoding="UTF-8"?><urlset '
            f'xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">{urls}</urlset>').encode()


class ExampleSpider(NewsSpider):
    """A source on Moscow time with a feed and a sitemap (pages served from the test)."""

    name = "example"
    languages = ("en",)
    timezone = "Europe/Moscow"
    allowed_domains: ClassVar[list[str]] = ["news.example"]
    feed_urls = (f"{ROOT}/rss",)
    sitemap_urls = (f"{ROOT}/sitemap.xml",)
    article_patterns = (r"news\.example/story/",)


def article_response(request: Request, body: bytes) -> HtmlResponse:
    """The page as fetched for ``request`` (so the callback sees the request's meta)."""
    return HtmlResponse(url=request.url, body=body, request=request,
                        headers={"Content-Type": "text/html; charset=utf-8"})


def one_item(spider, response):
    [item] = callback_output(spider, response, spider.parse_article)
    return item


# -- reading the dates ----------------------------------------------------------------------------

def test_feed_timestamp_keeps_the_local_day_feedparser_moves_to_utc():
    feed = feedparser.parse(rss([(f"{ROOT}/story/1", "Fri, 05 Sep 2025 00:16:00 +0300")]))
    [entry] = feed.entries
    assert date(*entry.published_parsed[:3]) == date(2025, 9, 4)  # UTC: the day before
    found = feed_entry_date(entry, SourceHints(), NOW)
    assert found == FoundDate(date(2025, 9, 5), "feed", "Fri, 05 Sep 2025 00:16:00 +0300")


def test_a_utc_feed_or_sitemap_time_moves_to_the_source_timezone():
    moscow = SourceHints(timezone="Europe/Moscow")
    assert listed_date("Thu, 04 Sep 2025 21:16:00 GMT", "feed", moscow, NOW).day == date(
        2025, 9, 5)
    assert listed_date("2025-09-04T21:16:00Z", "sitemap", moscow, NOW).day == date(2025, 9, 5)
    assert listed_date("2025-09-04T21:16:00Z", "sitemap", SourceHints(), NOW).day == date(
        2025, 9, 4)
    assert listed_date("2025-09-05", "sitemap", moscow, NOW) == FoundDate(
        date(2025, 9, 5), "sitemap", "2025-09-05")


def test_missing_or_implausible_listed_dates_are_none():
    assert listed_date(None, "feed", SourceHints(), NOW) is None
    assert listed_date("  ", "feed", SourceHints(), NOW) is None
    assert listed_date("2031-01-01T10:00:00+03:00", "sitemap", SourceHints(), NOW) is None
    assert listed_date("soon", "feed", SourceHints(), NOW) is None


# -- the replica: an article only its feed dates ---------------------------------------------------

def test_replica_feed_date_reaches_the_article_through_the_callbacks(tmp_path):
    spider = make_spider(IcrcSpider, tmp_path)
    requests = callback_output(spider, response_for(ICRC, ICRC_FEED), spider.parse_feed)
    [request] = [r for r in requests if r.url == FEED_ONLY_URL]
    assert request.meta[LISTED_DATE] == FoundDate(date(2025, 10, 2), "feed",
                                                  "Thu, 02 Oct 2025 00:30:00 +0200")
    page = response_for(ICRC, FEED_ONLY_URL)
    item = one_item(spider, article_response(request, page.body))
    assert (item["published"], item["date_source"]) == ("2025-10-02", "feed")
    assert item["date_raw"] == "Thu, 02 Oct 2025 00:30:00 +0200"


def test_replica_article_without_its_feed_date_is_not_dated_by_the_feed(tmp_path):
    # The page alone is misdated (a related article's day) or rejected: the feed is needed.
    spider = make_spider(IcrcSpider, tmp_path)
    output = callback_output(spider, response_for(ICRC, FEED_ONLY_URL), spider.parse_article)
    assert not output or (output[0]["published"], output[0]["date_source"]) != (
        "2025-10-02", "feed")


def test_feed_date_reaches_an_article_first_requested_from_a_listing(tmp_path):
    # The listing's request wins the duplicate filter; the feed's date is found by article id.
    spider = make_spider(IcrcSpider, tmp_path)
    from_listing = spider.article_request(FEED_ONLY_URL)
    assert LISTED_DATE not in from_listing.meta
    callback_output(spider, response_for(ICRC, ICRC_FEED), spider.parse_feed)
    page = response_for(ICRC, FEED_ONLY_URL)
    item = one_item(spider, article_response(from_listing, page.body))
    assert (item["published"], item["date_source"]) == ("2025-10-02", "feed")
    assert article_id(FEED_ONLY_URL) not in spider.listed_dates  # each date is used once


@pytest.mark.slow
def test_real_crawl_of_the_replicas_dates_the_article_from_its_feed(crawled):
    data, _ = crawled
    [record] = [r for r in ArchiveStore(data / "archive").iter_records()
                if r["url"] == FEED_ONLY_URL]
    assert (record["published"][:10], record["date_source"]) == ("2025-10-02", "feed")


# -- a source on Moscow time: feed and sitemap ----------------------------------------------------

def test_feed_item_at_a_quarter_past_midnight_keeps_the_sites_day(tmp_path):
    spider = make_spider(ExampleSpider, tmp_path)
    feed = XmlResponse(url=f"{ROOT}/rss", body=rss([
        (f"{ROOT}/story/storm-relief", "Fri, 05 Sep 2025 00:16:00 +0300")]))
    [request] = callback_output(spider, feed, spider.parse_feed)
    item = one_item(spider, article_response(request, undated_page("Storm relief reaches the "
                                                                   "coast")))
    assert (item["published"], item["date_source"]) == ("2025-09-05", "feed")


def test_the_page_own_date_outranks_the_feed(tmp_path):
    spider = make_spider(ExampleSpider, tmp_path)
    feed = XmlResponse(url=f"{ROOT}/rss", body=rss([
        (f"{ROOT}/story/storm-relief", "Fri, 05 Sep 2025 00:16:00 +0300")]))
    [request] = callback_output(spider, feed, spider.parse_feed)
    meta = '<meta property="article:published_time" content="2025-09-03T18:00:00+03:00">'
    item = one_item(spider, article_response(request, undated_page("Storm relief", meta)))
    assert (item["published"], item["date_source"]) == ("2025-09-03", "meta")


def test_since_compares_the_feed_items_local_day(tmp_path):
    spider = make_spider(ExampleSpider, tmp_path, CRESCENT_SINCE="2025-09-05")
    feed = XmlResponse(url=f"{ROOT}/rss", body=rss([
        (f"{ROOT}/story/new", "Fri, 05 Sep 2025 00:16:00 +0300"),
        (f"{ROOT}/story/old", "Thu, 04 Sep 2025 23:50:00 +0300")]))
    assert [r.url for r in callback_output(spider, feed, spider.parse_feed)] == [
        f"{ROOT}/story/new"]


def test_sitemap_lastmod_dates_a_page_that_has_no_date_of_its_own(tmp_path):
    spider = make_spider(ExampleSpider, tmp_path)
    response = XmlResponse(url=f"{ROOT}/sitemap.xml", body=sitemap([
        (f"{ROOT}/story/clinic-opens", "2025-09-04T21:30:00Z"),
        (f"{ROOT}/about", "2025-09-01")]))
    [request] = callback_output(spider, response, spider.parse_sitemap)  # /about: not an article
    assert request.meta[LISTED_DATE] == FoundDate(date(2025, 9, 5), "sitemap",
                                                  "2025-09-04T21:30:00Z")
    item = one_item(spider, article_response(request, undated_page("A clinic opens its doors")))
    assert (item["published"], item["date_source"]) == ("2025-09-05", "sitemap")


def test_sitemap_lastmod_gives_way_to_any_date_on_the_page(tmp_path):
    # lastmod may be a later edit: a date in the URL path outranks it.
    spider = make_spider(ExampleSpider, tmp_path)
    url = f"{ROOT}/story/2025/08/30/clinic-opens"
    response = XmlResponse(url=f"{ROOT}/sitemap.xml",
                           body=sitemap([(url, "2025-09-04T21:30:00+03:00")]))
    [request] = callback_output(spider, response, spider.parse_sitemap)
    item = one_item(spider, article_response(request, undated_page("A clinic opens its doors")))
    assert (item["published"], item["date_source"]) == ("2025-08-30", "url")
