"""Downloader middleware that keeps each response as received, for the WARC captures.

It sits at priority 610: above RedirectMiddleware (600), so the 301s on the way to a page are
seen too, and above HttpCompressionMiddleware (590), so a gzip-encoded body is kept as the
server sent it (see archive/warc.py). Below BaseUrlMiddleware (950): URLs are the real site's.

The capture rides in the request's meta to the spider; an article page's capture goes with its
item to the archive writer thread, which writes it just before the article (crawler.pipelines).
With ``--warc all`` the other pages (listings, feeds, sitemaps) are handed to that thread here.
"""

from __future__ import annotations

import json
import logging
from datetime import UTC, datetime
from http import HTTPStatus
from pathlib import Path

from scrapy.exceptions import NotConfigured
from scrapy.http import Request, Response

from archive.warc import (
    DEFAULT_MAX_BYTES,
    DEFAULT_MODE,
    MODES,
    Capture,
    CaptureWriter,
    warc_date,
)

logger = logging.getLogger(__name__)

CAPTURE = "crescent_capture"  # request meta: the final response's Capture
REDIRECTS = "crescent_redirects"  # request meta: Captures of the redirects that led there
ARTICLE_CALLBACKS = frozenset({"parse_article", "parse_page"})  # pages that may be articles


def warc_mode(settings) -> str:
    """CRESCENT_WARC: articles (default), all, or off."""
    mode = str(settings.get("CRESCENT_WARC") or DEFAULT_MODE).lower()
    if mode not in MODES:
        raise ValueError(f"CRESCENT_WARC must be one of {', '.join(MODES)}, not {mode!r}")
    return mode


def capture_of(request: Request, response: Response) -> Capture:
    """The exchange as a Capture: the real URL, status, headers and body as received."""
    headers = [(name.decode("latin-1"), value.decode("latin-1"))
               for name, values in response.headers.items() for value in values]
    request_headers = [(name.decode("latin-1"), value.decode("latin-1"))
                       for name, values in request.headers.items() for value in values]
    protocol = response.protocol if getattr(response, "protocol", None) else "HTTP/1.1"
    if protocol and not protocol.upper().startswith("HTTP/"):
        protocol = "HTTP/1.1"  # h2 etc.: a WARC HTTP block is written in the 1.1 syntax
    ip = getattr(response, "ip_address", None)
    try:
        reason = HTTPStatus(response.status).phrase
    except ValueError:
        reason = ""
    return Capture(url=response.url, status=response.status, reason=reason, headers=headers,
                   body=response.body, request_headers=request_headers,
                   method=request.method, protocol=protocol.upper(),
                   date=warc_date(datetime.now(UTC)), ip=str(ip) if ip else None)


class CaptureMiddleware:
    def __init__(self, crawler, mode: str) -> None:
        self.crawler = crawler
        self.mode = mode

    @classmethod
    def from_crawler(cls, crawler):
        mode = warc_mode(crawler.settings)
        if mode == "off":
            raise NotConfigured("CRESCENT_WARC=off")
        return cls(crawler, mode)

    def process_response(self, request: Request, response: Response):
        if 300 <= response.status < 400 and b"Location" in response.headers:
            request.meta[REDIRECTS] = [*request.meta.get(REDIRECTS, []),
                                       capture_of(request, response)]
            return response
        callback = getattr(request.callback, "__name__", "")
        if callback in ARTICLE_CALLBACKS:
            request.meta[CAPTURE] = capture_of(request, response)
        elif self.mode == "all":
            self.keep_page(capture_of(request, response), request.meta.pop(REDIRECTS, []))
        return response

    def keep_page(self, capture: Capture, redirects: list[Capture]) -> None:
        archive = archive_of(self.crawler)
        spider = self.crawler.spider
        if archive is not None and spider is not None:
            archive.keep_page(spider.name, capture, redirects)


def capture_writer(data_dir: Path, settings) -> CaptureWriter | None:
    """The crawl's WARC writer as its settings ask (None with CRESCENT_WARC=off)."""
    mode = warc_mode(settings)
    if mode == "off":
        return None
    info = {
        "operator": settings.get("CRESCENT_CONTACT"),
        "http-header-user-agent": settings.get("USER_AGENT"),
        "robots": "obey" if settings.getbool("ROBOTSTXT_OBEY") else "ignore",
        "crawl-settings": json.dumps({
            "capture": mode, "languages": settings.getlist("CRESCENT_LANGUAGES"),
            "since": settings.get("CRESCENT_SINCE"),
            "refresh": settings.getbool("CRESCENT_REFRESH"),
            "download_delay": settings.getfloat("DOWNLOAD_DELAY"),
            "concurrent_requests_per_domain": settings.getint(
                "CONCURRENT_REQUESTS_PER_DOMAIN"),
            "depth_limit": settings.getint("DEPTH_LIMIT")}, sort_keys=True),
    }
    return CaptureWriter(data_dir, mode=mode, info=info, max_bytes=settings.getint(
        "CRESCENT_WARC_MAX_BYTES", DEFAULT_MAX_BYTES))


def archive_of(crawler):
    """The crawl's SharedArchive (the runner's, or the one the archive pipeline made)."""
    return crawler.settings.get("CRESCENT_SHARED_ARCHIVE") or getattr(
        crawler, "crescent_archive", None)


def attach_capture(item, response: Response) -> None:
    """Give an article's item the page it was extracted from, for the archive writer."""
    capture = response.meta.get(CAPTURE)
    if capture is not None:
        item["capture_data"] = (capture, response.meta.get(REDIRECTS, []))


def keep_unused_page(spider, response: Response) -> None:
    """With ``--warc all``: a page that might have been an article but was not, kept."""
    capture = response.meta.get(CAPTURE)
    settings = spider.crawler.settings
    if capture is not None and warc_mode(settings) == "all":
        archive = archive_of(spider.crawler)
        if archive is not None:
            archive.keep_page(spider.name, capture, response.meta.get(REDIRECTS, []))
