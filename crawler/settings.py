"""Scrapy settings for crescent: polite by default, every limit a named setting."""

import os

BOT_NAME = "crescent"
SPIDER_MODULES = ["spiders"]
NEWSPIDER_MODULE = "spiders"

# --- crescent's own settings -------------------------------------------------------------
CRESCENT_DATA = os.environ.get("CRESCENT_DATA", "crescent-data")  # archive, index, crawl state
CRESCENT_LANGUAGES = ["tr", "ru", "en"]  # languages the archive keeps
CRESCENT_SINCE = None  # ISO date: skip articles and stop walking listings older than this
CRESCENT_REFRESH = False  # fetch again articles already in the archive
CRESCENT_INDEX_BATCH = 200  # articles per index commit during a crawl (or sooner, see next)
# Seconds: pending articles are indexed at least this often. A Whoosh commit costs ~0.6 s of
# CPU however few articles it holds (5 articles a batch: 147 ms an article; 50: 27 ms).
CRESCENT_INDEX_INTERVAL = 30.0
CRESCENT_MAX_LISTING_PAGES = 50  # listing/pagination pages walked per source and crawl
CRESCENT_MAX_LINKS_PER_PAGE = 1000  # links followed from one page (the rest are dropped)
CRESCENT_EXTRACT_WORKERS = None  # extraction processes; None = one per core, 0 = inline
# WARC captures (DATA/warc/<source>/): "articles" (the pages articles come from), "all" (also
# listings, feeds, sitemaps) or "off"; a new file past CRESCENT_WARC_MAX_BYTES.
CRESCENT_WARC = "articles"
CRESCENT_WARC_MAX_BYTES = 1 << 30
CRESCENT_CONTACT = os.environ.get("CRESCENT_CONTACT", "crescent-archive@example.org")

# --- politeness ----------------------------------------------------------------------------
USER_AGENT = (
    "crescent/0.1 (news archive of the Red Cross and Red Crescent Movement; "
    f"contact: {CRESCENT_CONTACT})"
)
ROBOTSTXT_OBEY = True
CONCURRENT_REQUESTS = 16
CONCURRENT_REQUESTS_PER_DOMAIN = 4
DOWNLOAD_DELAY = 0.25
AUTOTHROTTLE_ENABLED = True
AUTOTHROTTLE_START_DELAY = 2.0
AUTOTHROTTLE_MAX_DELAY = 30.0
AUTOTHROTTLE_TARGET_CONCURRENCY = 2.0
RETRY_ENABLED = True
RETRY_TIMES = 2
DOWNLOAD_TIMEOUT = 30
DOWNLOAD_MAXSIZE = 16 * 1024 * 1024  # a news page is never this large
DOWNLOAD_WARNSIZE = 4 * 1024 * 1024
REDIRECT_MAX_TIMES = 5
DEPTH_LIMIT = 8  # link hops from the listings (listing to listing is free: see next)
CLOSESPIDER_PAGECOUNT = 20000  # responses per source and crawl
COOKIES_ENABLED = False
# Responses waiting for the extraction pool, in bytes, before the engine stops fetching. Scrapy's
# 5 MB lets a thousand small pages (each with its request, headers and callback state) pile up.
SCRAPER_SLOT_MAX_ACTIVE_SIZE = 1_000_000
# Scrapy starts this many asyncio tasks for every response's output; an article page gives one item.
CONCURRENT_ITEMS = 8
TELNETCONSOLE_ENABLED = False
REMOTE_CONTROL_ENABLED = False  # no listening ports on a crawler machine

DOWNLOADER_MIDDLEWARES = {
    # Closest to the downloader: rewrites real-site URLs to a replica's base URL and back.
    "crawler.middlewares.BaseUrlMiddleware": 950,
    # Keeps each response as received: above redirects (600) and decompression (590).
    "crawler.capture.CaptureMiddleware": 610,
    # Meta refreshes read from the page's opening, not from a decoded copy of all of it.
    "scrapy.downloadermiddlewares.redirect.MetaRefreshMiddleware": None,
    "crawler.middlewares.HeadMetaRefreshMiddleware": 580,
}
SPIDER_MIDDLEWARES = {
    # Pagination spends no depth; CRESCENT_MAX_LISTING_PAGES bounds it (crawler.middlewares).
    "scrapy.spidermiddlewares.depth.DepthMiddleware": None,
    "crawler.middlewares.ListingDepthMiddleware": 900,
}
ITEM_PIPELINES = {
    "crawler.pipelines.ArchivePipeline": 300,
    "crawler.pipelines.IndexPipeline": 400,
}
EXTENSIONS = {
    "crawler.report.CrawlReport": 500,
}

LOG_LEVEL = "INFO"
FEED_EXPORT_ENCODING = "utf-8"
