"""Turkmenportal (turkmenportal.com): Russian, with an English edition; the new site.

The sitemap (declared in robots.txt) lists every article; the listings /ru/news and /en/news
(then ?page=N) find the newest ones first. The date comes from the visible line
("5 сентября 2025, 14:17", site time GMT+5) or, where a page has none, from
article:published_time, whose +05:00 offset keeps the site-local day (never the UTC one).
The Turkmen /tm/ edition is not crawled: the archive keeps tr, ru and en.
"""

from typing import ClassVar

from crawler.news import NewsSpider

ROOT = "https://turkmenportal.com"


class TurkmenportalSpider(NewsSpider):
    name = "turkmenportal"
    source_title = "Turkmenportal"
    timezone = "Asia/Ashgabat"
    languages = ("ru", "en")
    allowed_domains: ClassVar[list[str]] = ["turkmenportal.com"]
    start_urls = (f"{ROOT}/ru/news", f"{ROOT}/en/news")
    sitemap_urls = (f"{ROOT}/sitemap.xml",)
    article_patterns = (r"turkmenportal\.com/(?:ru|en)/news/\d+-[^/?#]+$",)
    listing_patterns = (r"turkmenportal\.com/(?:ru|en)/news(?:\?page=\d+)?$",)
    listing_date_selectors = (".news-item .news-date::text",)
    date_selectors = (".news-meta .news-date",)
    author_selectors = (".news-meta .news-author",)
    remove_selectors = (
        "noscript", "header", "footer", ".breadcrumbs", ".news-meta", "#comments",
        ".comments",
    )
    site_names = ("Turkmenportal",)
