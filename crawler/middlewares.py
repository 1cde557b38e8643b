"""Middlewares: a downloader middleware that points a spider at a replica
(``-a base_url=http://127.0.0.1:PORT``), and the depth count that lets pagination through.

Spiders think in the real site's URLs; only the bytes travel to the base URL. Responses come
back carrying the real URL, so link extraction, ids and the archive never see the replica host.
"""

from __future__ import annotations

from urllib.parse import urlsplit

from scrapy.exceptions import NotConfigured
from scrapy.spidermiddlewares.depth import DepthMiddleware

from crawler.urls import rebase


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
