"""Middlewares: a downloader middleware that points a spider at a replica
(``-a base_url=http://127.0.0.1:PORT``), meta refreshes read without decoding the whole page,
and the depth count that lets pagination through.

Spiders think in the real site's URLs; only the bytes travel to the base URL. Responses come
back carrying the real URL, so link extraction, ids and the archive never see the replica host.
"""

from __future__ import annotations

from urllib.parse import urlsplit

from scrapy.downloadermiddlewares.redirect import MetaRefreshMiddleware
from scrapy.exceptions import NotConfigured
from scrapy.http import HtmlResponse, Request, Response
from scrapy.spidermiddlewares.depth import DepthMiddleware

from crawler.urls import rebase

# A copy of the page's opening this long holds its first 4,096 characters in any encoding.
META_REFRESH_BYTES = 32 * 1024


class HeadMetaRefreshMiddleware(MetaRefreshMiddleware):
    """Scrapy's meta-refresh redirects, read from a copy of the page's first 32 KiB.

    Scrapy looks for the refresh in ``response.text[0:4096]``, and ``response.text`` decodes the
    whole page and keeps that copy on the response while it waits for extraction: for a 270 KiB
    page ~0.3 ms of the crawl process and ~0.5 MiB a page in flight. The copy here is decoded
    with the page's own encoding (as Scrapy finds it), so its first 4,096 characters are the
    page's, and the redirect is the same.
    """

    def process_response(self, request: Request, response: Response) -> Request | Response:
        if not isinstance(response, HtmlResponse) or len(response.body) <= META_REFRESH_BYTES:
            return super().process_response(request, response)
        head = response.replace(body=response.body[:META_REFRESH_BYTES],
                                encoding=response.encoding)
        redirected = super().process_response(request, head)
        return response if redirected is head else redirected


class BaseUrlMiddleware:
    def __init__(self, crawler) -> None:
        self.crawler = crawler

    @classmethod
    def from_crawler(cls, crawler):
        if not crawler.settings.getbool("CRESCENT_BASE_URL_ENABLED", True):
            raise NotConfigured
        return cls(crawler)

    def _mapping(self) -> tuple[str, str] | None:
        spider = self.crawler.spider
        base_url = getattr(spider, "base_url", None)
        real_root = getattr(spider, "real_root", None)
        return (base_url, real_root) if base_url and real_root else None

    def process_request(self, request):
        mapping = self._mapping()
        if mapping is None:
            return None
        base_url, real_root = mapping
        if urlsplit(request.url).netloc == urlsplit(base_url).netloc:
            if request.meta.get("crescent_rebased_url") != request.url:
                # A replica URL we did not make (e.g. an absolute redirect): map it back.
                request.meta["crescent_real_url"] = rebase(request.url, real_root)
                request.meta["crescent_rebased_url"] = request.url
            return None
        rebased = rebase(request.url, base_url)
        request.meta["crescent_real_url"] = request.url
        request.meta["crescent_rebased_url"] = rebased
        # Returned requests are scheduled again; the spider allows the replica host.
        return request.replace(url=rebased)

    def process_response(self, request, response):
        mapping = self._mapping()
        if mapping is None:
            return response
        base_url, real_root = mapping
        location = response.headers.get(b"Location")
        if location:
            target = location.decode("latin-1")
            if urlsplit(target).netloc == urlsplit(base_url).netloc:
                response.headers[b"Location"] = rebase(target, real_root).encode("latin-1")
        real_url = request.meta.get("crescent_real_url") or rebase(response.url, real_root)
        return response.replace(url=real_url)


LISTING_HOP = "crescent_listing_hop"  # request meta: a listing page reached from a listing


class ListingDepthMiddleware(DepthMiddleware):
    """Scrapy's depth middleware, except that a hop from listing page to listing page is free.

    DEPTH_LIMIT bounds how far a crawl wanders from the listings, not how far back it reads
    them: counted per hop, pagination stopped at page 9 (``depth/request_ignored_count``) and
    CRESCENT_MAX_LISTING_PAGES, which bounds pagination, was never reached.
    """

    def get_processed_request(self, request, response):
        if response is not None and request.meta.pop(LISTING_HOP, False):
            depth = response.meta.get("depth", 0)
            request.meta["depth"] = depth
            if self.prio:
                request.priority -= depth * self.prio
            return request
        return super().get_processed_request(request, response)
