"""A spider for any news site given on the command line (``crescent crawl --site URL``).

It discovers feeds (``<link rel=alternate>``) and sitemaps (robots.txt, /sitemap.xml) itself and
otherwise follows same-site links, keeping the pages that extract as dated articles. Without an
article pattern, whether a page is an article or a listing is weighed in the extraction worker
from the page's evidence (crawler.pagekind); a listing's pagination links cost no depth.
"""

from __future__ import annotations

import dataclasses
import html
import re
from collections.abc import AsyncIterator, Iterable
from typing import Any
from urllib.parse import urlsplit

import scrapy
from scrapy.http import Response
from scrapy.linkextractors import LinkExtractor
from scrapy.utils.sitemap import sitemap_urls_from_robots

from crawler.capture import attach_capture, keep_unused_page
from crawler.extract import Rejection, SourceHints
from crawler.news import NewsSpider, is_text, looks_binary, page_head
from crawler.pagekind import is_listing_url
from crawler.urls import clean_url, host_of

FEED_TYPES = ("application/rss+xml", "application/atom+xml", "application/feed+json")
# Feed discovery reads <link> tags with regexes: article pages are not parsed in the crawl process.
LINK_TAG = re.compile(r"<link\b[^>]*>", re.IGNORECASE)
ATTRIBUTE = re.compile(r"""([\w-]+)\s*=\s*(?:"([^"]*)"|'([^']*)'|([^\s"'>]+))""")


def feed_links(head: str) -> list[str]:
    """The hrefs of ``<link rel="alternate">`` feeds (RSS, Atom, JSON Feed) in a page's head."""
    hrefs = []
    for tag in LINK_TAG.findall(head):
        attributes = {name.lower(): html.unescape(quoted or single or bare)
                      for name, quoted, single, bare in ATTRIBUTE.findall(tag)}
        if "alternate" in attributes.get("rel", "").lower().split() and attributes.get(
                "type", "").strip().lower() in FEED_TYPES and attributes.get("href"):
            hrefs.append(attributes["href"].strip())
    return hrefs


def source_name_for(url: str) -> str:
    """A safe source name from a site's host: ``www.example.com`` → ``example_com``."""
    name = re.sub(r"[^a-z0-9]+", "_", host_of(url).lower()).strip("_")
    return (name or "site")[:64]


class GenericNewsSpider(NewsSpider):
    name = "site"

    def __init__(self, *args: Any, site: str, article_pattern: str | None = None,
                 **kwargs: Any) -> None:
        self.site = site.rstrip("/") + "/" if urlsplit(site).path in ("", "/") else site
        self.start_urls = (self.site,)
        self.article_patterns = (article_pattern,) if article_pattern else ()
        self.allowed_domains = [urlsplit(site).hostname or ""]
        super().__init__(*args, **kwargs)
        self.name = source_name_for(site)
        self.seen_feeds: set[str] = set()

    @classmethod
    def from_crawler(cls, crawler, *args: Any, **kwargs: Any):
        spider = super().from_crawler(crawler, *args, **kwargs)
        # LinkExtractor compares netlocs, so a site on a port is named with its port too.
        netloc = urlsplit(spider.site).netloc
        spider.link_extractor = LinkExtractor(allow_domains=[*spider.allowed_domains, netloc],
                                          unique=True, deny_extensions=None)
        return spider

    async def start(self) -> AsyncIterator[scrapy.Request]:
        root = f"{urlsplit(self.site).scheme}://{urlsplit(self.site).netloc}"
        yield self.request(f"{root}/robots.txt", self.parse_robots, dont_filter=True)
        yield self.request(f"{root}/sitemap.xml", self.parse_sitemap)
        self.listings_requested.add(clean_url(self.site))
        yield self.request(self.site, self.parse_page)

    def parse_robots(self, response: Response) -> Iterable[scrapy.Request]:
        for url in sitemap_urls_from_robots(response.text, base_url=response.url):
            yield self.request(url, self.parse_sitemap)

    def article_request(self, url: str) -> scrapy.Request | None:
        request = super().article_request(url)
        return request.replace(callback=self.parse_page) if request else None

    async def parse_page(self, response: Response) -> AsyncIterator[Any]:
        """Any page: look for feeds, try it as an article, follow its same-site links."""
        if not is_text(response):
            self.reject("not-html", response.url,
                        response.headers.get("Content-Type", b"").decode("latin-1"))
            return
        if looks_binary(response.body):
            self.reject("binary", response.url)
            return
        for href in feed_links(page_head(response))[:10]:
            feed_url = response.urljoin(href)
            if feed_url not in self.seen_feeds:
                self.seen_feeds.add(feed_url)
                yield self.request(feed_url, self.parse_feed)
        url = self.canonical_url(response)
        if self.article_patterns and not self.is_article_url(url):
            listing = True  # only walked for links
            keep_unused_page(self, response)
        else:
            result = await self.extract_page(response, url, listed=self.listed_for(response))
            listing = isinstance(result, Rejection) and result.reason == "not-article"
            item = self.accept(result, url)
            if item is not None:
                self.remember_alias(response, item)
                attach_capture(item, response)
                yield item
            else:
                keep_unused_page(self, response)
            if self.article_patterns:
                return  # with a pattern, listings lead to articles; article pages are leaves
        if listing:
            self.listing_pages += 1
            self.stats.inc_value("crescent/listing_pages")
        for link in self.page_links(self.link_extractor, response):
            if listing and self.is_listing_url(link.url):
                request = self.listing_request(link.url, self.parse_page)  # pagination
            else:
                request = self.article_request(link.url)
            if request:
                yield request

    def is_listing_url(self, url: str) -> bool:
        """A section front, archive or pagination page by its URL (and not an article's)."""
        if self.article_patterns and self.is_article_url(url):
            return False
        return is_listing_url(url)

    def source_hints(self) -> SourceHints:
        # Without an article pattern, the extraction worker weighs article against listing.
        return dataclasses.replace(super().source_hints(), judge_page=not self.article_patterns)
