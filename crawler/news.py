"""The news-site spider every source module builds on: listings, pagination, feeds, sitemaps.

A source declares class attributes (start URLs, link patterns, feed and sitemap URLs, the odd
selector); this class walks them, skips what the archive already holds, and turns article pages
into items through :func:`crawler.extract.extract`. Data problems become stats, not exceptions.
"""

from __future__ import annotations

import copy
import html
import re
from collections.abc import AsyncIterator, Container, Iterable
from datetime import UTC, date, datetime
from typing import Any, ClassVar
from urllib.parse import urlsplit

import feedparser
import scrapy
from scrapy import signals
from scrapy.http import Response, TextResponse
from scrapy.link import Link
from scrapy.linkextractors import LinkExtractor
from scrapy.utils.sitemap import Sitemap
from w3lib.encoding import html_to_unicode

from archive.store import ArchiveStore
from crawler.aliases import AliasFile
from crawler.capture import attach_capture, keep_unused_page
from crawler.dates import plausible
from crawler.extract import (
    DEFAULT_LANGUAGES,
    Article,
    FoundDate,
    Rejection,
    SourceHints,
    listed_date,
    parse_date_text,
)
from crawler.items import ArticleItem
from crawler.middlewares import LISTING_HOP
from crawler.pipelines import data_dir
from crawler.pool import ExtractionPool, workers_setting
from crawler.report import CrawlFigures
from crawler.rules import apply_overrides
from crawler.urls import article_id, clean_url, host_of

MAX_FEED_ENTRIES = 1_000
ANCHORS = "//a[@href] | //area[@href]"  # what Scrapy's link extractor reads links from
LINK_SCAN_FACTOR = 5  # anchors read on a page: at most this many times the link cap
HEAD_CHARS = 200_000
CONTROL_BYTES = bytes(byte for byte in range(32) if byte not in (9, 10, 12, 13))
CANONICAL_LINK = re.compile(
    r"""<link\b(?=[^>]*\brel=["']?canonical\b)[^>]*\bhref=(?:"([^"]*)"|'([^']*)')""",
    re.IGNORECASE)
MAX_SITEMAP_URLS = 50_000
LISTED_DATE = "crescent_listed"  # request meta: the FoundDate a feed or sitemap gave the URL
MAX_LISTED_DATES = 100_000  # dates kept by article id for requests reached another way first
# Rejected pages listed in the crawl report (``crescent stats --rejected``); past this many a
# crawl only counts them (crescent/rejected_unlisted). Scraped text, so each field is capped.
MAX_REJECTED_PAGES = 5_000
MAX_REJECTED_URL = 2_000
MAX_REJECTED_DETAIL = 300


def feed_entry_date(entry: Any, hints: SourceHints, now: datetime) -> FoundDate | None:
    """A feed entry's publication day on the site's calendar (``feed`` as its source).

    Read from the string the feed wrote (published, else updated); feedparser's own parse is
    in UTC and is used only for a form our date rules do not read.
    """
    for key in ("published", "updated"):
        found = listed_date(entry.get(key), "feed", hints, now)
        if found:
            return found
    parsed = entry.get("published_parsed") or entry.get("updated_parsed")
    day = plausible(date(*parsed[:3]), now) if parsed else None
    raw = entry.get("published") or entry.get("updated") or ""
    return FoundDate(day, "feed", " ".join(raw.split())[:200]) if day else None


def looks_binary(body: bytes) -> bool:
    """Bytes no HTML page has: NUL bytes, or mostly control characters, in the first 4 KiB."""
    head = body[:4096]
    if not head:
        return False
    if b"\x00" in head:
        return True
    controls = len(head) - len(head.translate(None, CONTROL_BYTES))
    return controls / len(head) > 0.05


def is_text(response: Response) -> bool:
    """A text response (HTML, XML, plain text), without decoding its body.

    ``hasattr(response, "text")`` calls Scrapy's ``text`` property, which decodes the whole body
    and keeps the copy on the response (~0.5 MiB a real page, ~0.3 ms of the crawl process).
    """
    return isinstance(response, TextResponse)


def page_head(response: Response) -> str:
    """A page's ``<head>`` as text (at most HEAD_CHARS bytes), for regexes over its links."""
    end = response.body.find(b"</head>", 0, HEAD_CHARS)
    head = response.body[: end if end >= 0 else HEAD_CHARS]  # a page's body is not decoded here
    content_type = response.headers.get("Content-Type", b"").decode("latin-1")
    return html_to_unicode(content_type, head)[1]


def _content_type(response: Response) -> str:
    return response.headers.get("Content-Type", b"").decode("latin-1")


def failure_reason(failure) -> str:
    """A short name for why a request failed, for the crawl stats."""
    from scrapy import exceptions as errors
    from scrapy.spidermiddlewares.httperror import HttpError
    from twisted.internet import error as net
    from twisted.internet.defer import CancelledError

    if failure.check(HttpError):
        return f"http-{failure.value.response.status}"
    if failure.check(errors.DownloadTimeoutError, net.TimeoutError, net.TCPTimedOutError):
        return "timeout"
    if failure.check(errors.DownloadCancelledError, CancelledError):
        return "too-large"  # the downloader cancels bodies over DOWNLOAD_MAXSIZE
    if failure.check(errors.IgnoreRequest):
        message = str(failure.value).lower()
        if "robots.txt" in message:
            return "robots-disallowed"
        if "maxsize" in message or "max size" in message:
            return "too-large"
        if "redirect" in message:
            return "redirect-loop"
        return "ignored"
    if failure.check(errors.CannotResolveHostError, errors.DownloadConnectionRefusedError,
                     net.DNSLookupError, net.ConnectionRefusedError):
        return "unreachable"
    if failure.check(errors.ResponseDataLossError, errors.DownloadFailedError):
        return "broken-response"
    return f"error-{type(failure.value).__name__}"



class KnownIds:
    """The ids a crawl need not fetch: the archive's, and aliases of archived articles.

    A view of the archive's one walk, not a copy: every spider of a crawl asks the same store
    (a set per spider held ~60 MB each at a million articles).
    """

    def __init__(self, store: ArchiveStore, aliases: dict[str, str]) -> None:
        self.store = store
        self.aliases = {alias for alias, canonical in aliases.items() if canonical in store}

    def __contains__(self, article_id: object) -> bool:
        return article_id in self.store or article_id in self.aliases

class NewsSpider(scrapy.Spider):
    """Base class of the source spiders; subclasses only declare what is specific to a site."""

    source_title: ClassVar[str] = ""
    languages: ClassVar[tuple[str, ...]] = ()
    start_urls: ClassVar[tuple[str, ...]] = ()  # listing pages
    feed_urls: ClassVar[tuple[str, ...]] = ()  # RSS/Atom
    sitemap_urls: ClassVar[tuple[str, ...]] = ()
    article_patterns: ClassVar[tuple[str, ...]] = ()  # regexes on the URL path (and query)
    listing_patterns: ClassVar[tuple[str, ...]] = ()  # pagination and section pages to walk
    deny_patterns: ClassVar[tuple[str, ...]] = ()
    listing_date_selectors: ClassVar[tuple[str, ...]] = ("time::attr(datetime)",)
    # Passed to the extractor, see SourceHints.
    date_selectors: ClassVar[tuple[str, ...]] = ()
    date_order: ClassVar[str] = "DMY"
    url_date_pattern: ClassVar[str | None] = None
    remove_selectors: ClassVar[tuple[str, ...]] = ()
    author_selectors: ClassVar[tuple[str, ...]] = ()
    site_names: ClassVar[tuple[str, ...]] = ()
    timezone: ClassVar[str | None] = None  # the site's clock, for timestamps without an offset

    def __init__(self, *args: Any, base_url: str | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.base_url = base_url.rstrip("/") if base_url else None
        first = (self.start_urls or self.feed_urls or self.sitemap_urls or ("",))[0]
        parts = urlsplit(first)
        self.real_root = f"{parts.scheme}://{parts.netloc}" if parts.netloc else None
        if self.base_url:
            # The replica host must pass the offsite check (see BaseUrlMiddleware).
            base_host = urlsplit(self.base_url).hostname or ""
            self.allowed_domains = [*getattr(self, "allowed_domains", []), base_host]
        self.known_ids: Container[str] = frozenset()
        self.listing_pages = 0  # listing pages parsed
        self.listings_requested: set[str] = set()  # at most CRESCENT_MAX_LISTING_PAGES
        self.listed_dates: dict[str, FoundDate] = {}
        self.rejected_pages: list[dict[str, str]] = []  # see reject()
        self.figures = CrawlFigures(languages=tuple(self.languages),
                                    listings=len(self.start_urls))

    @classmethod
    def from_crawler(cls, crawler, *args: Any, **kwargs: Any):
        spider = super().from_crawler(crawler, *args, **kwargs)
        settings = crawler.settings
        spider.accept_languages = frozenset(
            settings.getlist("CRESCENT_LANGUAGES") or DEFAULT_LANGUAGES)
        since = settings.get("CRESCENT_SINCE")
        spider.since = date.fromisoformat(str(since)) if since else None
        spider.refresh = settings.getbool("CRESCENT_REFRESH")
        spider.max_listing_pages = settings.getint("CRESCENT_MAX_LISTING_PAGES", 50)
        spider.max_links = settings.getint("CRESCENT_MAX_LINKS_PER_PAGE", 1000)
        spider.aliases = AliasFile(data_dir(settings) / "state" / "url-aliases.tsv")
        if not spider.refresh:
            archive = settings.get("CRESCENT_SHARED_ARCHIVE")  # its walk serves every spider
            store = (archive.store if archive is not None
                     else ArchiveStore(data_dir(settings) / "archive"))
            spider.known_ids = KnownIds(store, spider.aliases.load())
        # The data directory's rule overrides (DATA/config.toml), as `crescent reextract` uses.
        spider.hints, spider.extractor_version = apply_overrides(spider.source_hints(),
                                                                 data_dir(settings))
        shared = settings.get("CRESCENT_SHARED_POOL")
        spider.extraction = shared or ExtractionPool(workers_setting(settings))
        if shared is None:  # our own pool: we close it
            crawler.signals.connect(spider.extraction.shutdown, signal=signals.spider_closed)
        spider.article_links = LinkExtractor(allow=spider.article_patterns,
                                             deny=spider.deny_patterns, unique=True)
        spider.listing_links = LinkExtractor(allow=spider.listing_patterns,
                                             deny=spider.deny_patterns, unique=True)
        return spider

    def source_hints(self) -> SourceHints:
        return self.hints_for(self.accept_languages)

    @classmethod
    def hints_for(cls, accept_languages: frozenset[str]) -> SourceHints:
        """What the source declares, as the extractor takes it (also for ``crescent extract``)."""
        return SourceHints(
            source=cls.name,
            languages=cls.languages,
            accept_languages=accept_languages,
            date_selectors=cls.date_selectors,
            date_order=cls.date_order,
            url_date_pattern=cls.url_date_pattern,
            remove_selectors=cls.remove_selectors,
            author_selectors=cls.author_selectors,
            site_names=cls.site_names,
            timezone=cls.timezone,
        )

    @property
    def stats(self):
        return self.crawler.stats

    def request(self, url: str, callback, **kwargs: Any) -> scrapy.Request:
        """Every request of a crescent spider: failures become named rejection counts."""
        return scrapy.Request(url, callback=callback, errback=self.on_request_error, **kwargs)

    def on_request_error(self, failure) -> None:
        reason = failure_reason(failure)
        request = failure.request
        url = request.meta.get("crescent_real_url") or request.url  # not the replica's
        self.reject(reason, url, failure.getErrorMessage())
        self.logger.info("not fetched (%s): %s", reason, url)

    def reject(self, reason: str, url: str, detail: str = "") -> None:
        """Count a page not archived under ``reason`` and list it for the crawl report."""
        self.stats.inc_value(f"crescent/rejected/{reason}")
        if len(self.rejected_pages) >= MAX_REJECTED_PAGES:
            self.stats.inc_value("crescent/rejected_unlisted")
            return
        detail = "".join(ch if ch.isprintable() else " " for ch in detail)
        self.rejected_pages.append({"url": url[:MAX_REJECTED_URL], "reason": reason,
                                    "detail": " ".join(detail.split())[:MAX_REJECTED_DETAIL]})

    # -- entry points -----------------------------------------------------------------------
    async def start(self) -> AsyncIterator[scrapy.Request]:
        for url in self.feed_urls:
            yield self.request(url, self.parse_feed)
        for url in self.sitemap_urls:
            yield self.request(url, self.parse_sitemap)
        for url in self.start_urls:
            self.listings_requested.add(clean_url(url))
            yield self.request(url, self.parse_listing)

    # -- listings ---------------------------------------------------------------------------
    def parse_listing(self, response: Response) -> Iterable[scrapy.Request]:
        if not is_text(response):
            self.reject("not-html", response.url, _content_type(response))
            return
        self.listing_pages += 1
        self.stats.inc_value("crescent/listing_pages")
        links = self.page_links(self.article_links, response)
        # Source health: a redesign that hides the links shows here first (known ones count).
        self.stats.inc_value("crescent/listing_links", len(links))
        for link in links:
            request = self.article_request(link.url)
            if request:
                yield request
        if self.listing_is_older_than_since(response):
            self.stats.inc_value("crescent/listing_stopped_since")
            return
        for link in self.page_links(self.listing_links, response):
            request = self.listing_request(link.url, self.parse_listing)
            if request is not None:
                yield request

    def listing_request(self, url: str, callback) -> scrapy.Request | None:
        """A request for a listing page linked from a listing page: it costs no depth (see
        crawler.middlewares.ListingDepthMiddleware); at most CRESCENT_MAX_LISTING_PAGES
        distinct listing pages, start pages included, are requested."""
        url = clean_url(url)
        if url in self.listings_requested:
            return None  # the duplicate filter would drop it anyway
        if len(self.listings_requested) >= self.max_listing_pages:
            self.stats.inc_value("crescent/listing_limit_reached")
            return None
        self.listings_requested.add(url)
        return self.request(url, callback, meta={LISTING_HOP: True})

    def listing_is_older_than_since(self, response: Response) -> bool:
        """True when every date on the listing page is before ``--since``."""
        if not self.since:
            return False
        days = []
        for selector in self.listing_date_selectors:
            for value in response.css(selector).getall():
                day = parse_date_text(value, self.hints, datetime.now(UTC))
                if day:
                    days.append(day)
        return bool(days) and max(days) < self.since

    def page_links(self, extractor: LinkExtractor, response: Response) -> list[Link]:
        """At most CRESCENT_MAX_LINKS_PER_PAGE of ``extractor``'s links on the page.

        A page of 100,000 links is a trap: extracting them all held the reactor for 6 s
        (no downloads, no Ctrl-C meanwhile). Past five times the cap in anchors, only the first ones
        are read (lxml counts and picks them; Scrapy's extractor makes Python objects of each).
        """
        scan = LINK_SCAN_FACTOR * self.max_links
        root = response.selector.root
        if root is not None and root.xpath(f"count({ANCHORS})") > scan:
            extractor = copy.copy(extractor)  # the same filters, over the first anchors only
            extractor.restrict_xpaths = (f"({ANCHORS})[position() <= {scan}]",)
        links = extractor.extract_links(response)
        if len(links) > self.max_links or extractor.restrict_xpaths:
            self.stats.inc_value("crescent/links_capped")
        return links[: self.max_links]

    # -- feeds and sitemaps -----------------------------------------------------------------
    def parse_feed(self, response: Response) -> Iterable[scrapy.Request]:
        feed = feedparser.parse(response.body)
        self.stats.inc_value("crescent/feeds")
        now = datetime.now(UTC)
        for entry in feed.entries[:MAX_FEED_ENTRIES]:
            link = entry.get("link")
            found = feed_entry_date(entry, self.hints, now)
            if not link or (self.since and found and found.day < self.since):
                continue
            request = self.listed_request(response.urljoin(link), found)
            if request:
                yield request

    def parse_sitemap(self, response: Response) -> Iterable[scrapy.Request]:
        try:
            sitemap = Sitemap(response.body)
        except Exception as error:  # lxml raises several kinds for broken XML
            self.reject("bad-sitemap", response.url, str(error))
            return
        now = datetime.now(UTC)
        for count, entry in enumerate(sitemap):
            if count >= MAX_SITEMAP_URLS:
                break
            loc = entry.get("loc", "")
            if sitemap.type == "sitemapindex":
                yield self.request(response.urljoin(loc), self.parse_sitemap)
                continue
            found = listed_date(entry.get("lastmod"), "sitemap", self.hints, now)
            if self.since and found and found.day < self.since:
                continue
            if self.is_article_url(loc):
                request = self.listed_request(response.urljoin(loc), found)
                if request:
                    yield request

    # -- articles ---------------------------------------------------------------------------
    def is_article_url(self, url: str) -> bool:
        return not self.article_patterns or any(re.search(p, url) for p in self.article_patterns)

    def article_request(self, url: str) -> scrapy.Request | None:
        """A request for an article, unless the archive has it (and no --refresh)."""
        url = clean_url(url)
        self.stats.inc_value("crescent/article_links")  # seen, archived or not: source health
        if article_id(url) in self.known_ids:
            self.stats.inc_value("crescent/skipped_archived")
            return None
        return self.request(url, self.parse_article)

    def listed_request(self, url: str, listed: FoundDate | None) -> scrapy.Request | None:
        """An article request carrying the date its feed or sitemap gave (see parse_article).

        The date also stays by article id: when a listing's request for the same URL was
        scheduled first, the duplicate filter drops this one, and parse_article finds it there.
        """
        request = self.article_request(url)
        if request is not None and listed is not None:
            request.meta[LISTED_DATE] = listed
            if len(self.listed_dates) < MAX_LISTED_DATES:
                self.listed_dates[article_id(request.url)] = listed
        return request

    def listed_for(self, response: Response) -> FoundDate | None:
        """The feed or sitemap date of the article on ``response``, if one was given."""
        request = response.request
        urls = [response.url]
        if request is not None:
            urls += [request.url, *request.meta.get("redirect_urls", [])]
        kept = None
        for url in urls:  # popped: each date is used once
            kept = self.listed_dates.pop(article_id(clean_url(url)), None) or kept
        given = request.meta.get(LISTED_DATE) if request is not None else None
        return given or kept

    async def parse_article(self, response: Response) -> list[ArticleItem]:
        # A coroutine, not an async generator: Scrapy then counts the response as in work until
        # extraction is done, and stops downloading while too many pages wait (backpressure).
        if not is_text(response):
            self.reject("not-html", response.url, _content_type(response))
            return []
        if looks_binary(response.body):
            self.reject("binary", response.url)
            return []
        url = self.canonical_url(response)
        result = await self.extract_page(response, url, listed=self.listed_for(response))
        item = self.accept(result, url)
        if item is None:
            keep_unused_page(self, response)
            return []
        self.remember_alias(response, item)
        attach_capture(item, response)
        return [item]

    async def extract_page(self, response: Response, url: str, **kwargs: Any
                           ) -> Article | Rejection:
        """The article on ``response`` (or why not), extracted in the pool from its bytes."""
        content_type = response.headers.get("Content-Type", b"").decode("latin-1")
        return await self.extraction.extract(response.body, url, self.hints,
                                             encoding=content_type or None, **kwargs)

    def canonical_url(self, response: Response) -> str:
        """The page's canonical link when it stays on the same site, else the URL fetched."""
        # A regex over the head, not an lxml tree (nor a decoded copy) of the whole page: the
        # crawl process never parses article pages; the extraction workers do.
        match = CANONICAL_LINK.search(page_head(response))
        href = html.unescape(match[1] or match[2]) if match else None
        if href:
            candidate = clean_url(response.urljoin(href.strip()))
            if candidate.startswith(("http://", "https://")) and host_of(candidate) == host_of(
                    response.url):
                return candidate
        return clean_url(response.url)

    def remember_alias(self, response: Response, item: ArticleItem) -> None:
        fetched = article_id(clean_url(response.url))
        if fetched != item["id"]:
            self.aliases.add(fetched, item["id"])
            self.stats.inc_value("crescent/canonical_alias")

    def accept(self, result: Article | Rejection, url: str = "") -> ArticleItem | None:
        """Count a rejection (of the page at ``url``), or turn an article into an item."""
        if isinstance(result, Rejection):
            self.reject(result.reason, url, result.detail)
            if result.reason == "language":
                self.stats.inc_value(f"crescent/rejected_language/{result.detail}")
            self.logger.debug("rejected %s: %s", result, result)
            return None
        if result.declared_language and result.declared_language != result.language:
            self.stats.inc_value("crescent/language_disagreement")
        if self.since and date.fromisoformat(result.published[:10]) < self.since:
            self.reject("before-since", result.url, f"published {result.published[:10]}")
            return None
        self.stats.inc_value(f"crescent/articles/{result.language}")
        self.stats.inc_value(f"crescent/date_source/{result.date_source}")
        self.figures.add(result)
        return ArticleItem.from_article(result, self.name,
                                        extractor=getattr(self, "extractor_version", None))
