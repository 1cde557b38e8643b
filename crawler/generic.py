"""A spider for any news site given on the command line (``crescent crawl --site URL``).

It discovers feeds (``<link rel=alternate>``) and sitemaps (robots.txt, /sitemap.xml) itself and
otherwise follows same-site links, keeping the pages that extract as dated articles.
"""

from __future__ import annotations

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
from crawler.news import NewsSpider, looks_binary, page_head
from crawler.urls import host_of

FEED_TYPES = ("application/rss+xml", "application/atom+xml", "application/feed+json")
# URL shapes of section fronts, archives and pagination: walked for links, never articles.
LISTING_URL = re.compile(
    r"^/?(?:[a-z]{2}/?)?$|/page/\d+/?$|[?&](?:page|start|paged|p)=\d+|^/\d{4}/(?:\d{2}/){0,2}$"
    r"|/(?:category|categories|tag|tags|author|authors|rubric|archive|archives|search)(?:/|$)",
    re.IGNORECASE,
)
# Feed discovery reads <link> tags with regexes: article pages are not parsed in the crawl process.
LINK_TAG = re.compile(r"<link\b[^>]*>", re.IGNORECASE)
ATTRIBUTE = re.compile(r"""([\w-]+)\s*=\s*(?:"([^"]*)"|'([^']*)'|([^\s"'>]+))""")
ARTICLE_OG_TYPES = ("article", "news", "newsarticle", "blogposting")
HEADLINE_LINKS = 5  # a page linking this many headlines (5+ words each) is a section front


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


def looks_like_listing(response: Response) -> bool:
    """A home page, section front or archive: by its URL, or by an og:type other than article."""
    parts = urlsplit(response.url)
    if LISTING_URL.search(parts.path + (f"?{parts.query}" if parts.query else "")):
        return True
    og_type = response.xpath("//meta[@property='og:type']/@content").get()
    if og_type is not None:
        return og_type.strip().lower() not in ARTICLE_OG_TYPES
    headlines = [text for text in response.xpath("//a").xpath("normalize-space(.)").getall()
                 if len(text.split()) >= 5]
    return len(headlines) >= HEADLINE_LINKS


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
        yield self.request(self.site, self.parse_page)

    def parse_robots(self, response: Response) -> Iterable[scrapy.Request]:
        for url in sitemap_urls_from_robots(response.text, base_url=response.url):
            yield self.request(url, self.parse_sitemap)

    def article_request(self, url: str) -> scrapy.Request | None:
        request = super().article_request(url)
        return request.replace(callback=self.parse_page) if request else None

    async def parse_page(self, response: Response) -> AsyncIterator[Any]:
        """Any page: look for feeds, try it as an article, follow its same-site links."""
        if not hasattr(response, "text"):
            self.stats.inc_value("crescent/rejected/not-html")
            return
        if looks_binary(response.body):
            self.stats.inc_value("crescent/rejected/binary")
            return
        for href in feed_links(page_head(response))[:10]:
            feed_url = response.urljoin(href)
            if feed_url not in self.seen_feeds:
                self.seen_feeds.add(feed_url)
                yield self.request(feed_url, self.parse_feed)
        url = self.canonical_url(response)
        if self.article_patterns and not self.is_article_url(url):
            keep_unused_page(self, response)  # only walked for links
        elif not self.article_patterns and looks_like_listing(response):
            self.stats.inc_value("crescent/rejected/not-article")
            keep_unused_page(self, response)
        else:
            item = self.accept(await self.extract_page(response, url,
                                                       listed=self.listed_for(response)))
            if item is not None:
                self.remember_alias(response, item)
                attach_capture(item, response)
                yield item
            else:
                keep_unused_page(self, response)
            if self.article_patterns:
                return  # with a pattern, listings lead to articles; article pages are leaves
        for link in self.page_links(self.link_extractor, response):
            request = self.article_request(link.url)
            if request:
                yield request
