"""Replica "redesigns": a site's next state after a change that breaks crawling quietly.

Source-health tests and demos switch a running replica between two crawls::

    server.site = redesigned(server.site, "no-listing-links")   # later: server.site = original

``no-listing-links``: listing pages draw their links with script (``data-href``), so the
crawler finds no article links on them; feeds and sitemaps stay as they were.
``no-dates``: article pages lose every date: ``<time>``, date metadata, JSON-LD and dates
written in the text (a date in the URL, a feed or a sitemap stays).
"""

from __future__ import annotations

import re
from dataclasses import replace
from urllib.parse import unquote, urlsplit

from crawler.demo.server import Page, ReplicaSite

REDESIGNS = ("no-listing-links", "no-dates")

TAG = re.compile(r"(<[^>]*>)")
ANCHOR_HREF = re.compile(r"(<a\b[^>]*?\s)href=", re.IGNORECASE)
TIME_ELEMENT = re.compile(r"<time\b[^>]*>.*?</time>", re.IGNORECASE | re.DOTALL)
JSON_LD = re.compile(r"<script\b[^>]*application/ld\+json[^>]*>.*?</script>",
                     re.IGNORECASE | re.DOTALL)
DATE_META = re.compile(r"<meta\b[^>]*(?:date|time|modified|published)[^>]*>", re.IGNORECASE)
MONTHS = (r"jan\w*|feb\w*|mar\w*|apr\w*|may|jun\w*|jul\w*|aug\w*|sep\w*|oct\w*|nov\w*|dec\w*|"
          r"январ\w*|феврал\w*|март\w*|апрел\w*|ма[йя]|июн\w*|июл\w*|август\w*|сентябр\w*|"
          r"октябр\w*|ноябр\w*|декабр\w*|ocak|şubat|mart|nisan|mayıs|haziran|temmuz|ağustos|"
          r"eylül|ekim|kasım|aralık")
WRITTEN_DATES = re.compile(
    r"\d{4}-\d{1,2}-\d{1,2}(?:[T ]\d{1,2}:\d{2}(?::\d{2})?)?"
    r"|\d{1,2}[./]\d{1,2}[./]\d{2,4}(?:,?\s*\d{1,2}:\d{2})?"
    rf"|\d{{1,2}}\s+(?:{MONTHS})\.?,?\s+\d{{4}}(?:\s*(?:г\.|года|yıl))?"
    rf"|(?:{MONTHS})\.?\s+\d{{1,2}},?\s+\d{{4}}"
    r"|\b\d{1,2}:\d{2}\b",
    re.IGNORECASE)


def redesigned(site: ReplicaSite, kind: str) -> ReplicaSite:
    """A copy of ``site`` after the redesign ``kind`` (one of REDESIGNS); ``site`` is unchanged."""
    if kind not in REDESIGNS:
        raise ValueError(f"unknown redesign {kind!r} (known: {', '.join(REDESIGNS)})")
    articles = {_path(site, url) for url in [*(a.url for a in site.articles),
                                              *(e.url for e in site.excluded)]}
    change = _hide_links if kind == "no-listing-links" else _drop_dates
    pages = {}
    for path, page in site.pages.items():
        is_article = path in articles
        wanted = (not is_article) if kind == "no-listing-links" else is_article
        if wanted and "html" in page.content_type:
            pages[path] = replace(page, body=change(page.body.decode("utf-8", "replace"))
                                  .encode("utf-8"))
        else:
            pages[path] = page
    return replace(site, pages=pages)


def _path(site: ReplicaSite, url: str) -> str:
    parts = urlsplit(url)
    return unquote(parts.path) + (f"?{parts.query}" if parts.query else "")


def _hide_links(html: str) -> str:
    return ANCHOR_HREF.sub(r"\1data-href=", html)


def _drop_dates(html: str) -> str:
    html = JSON_LD.sub("", TIME_ELEMENT.sub("", html))
    html = DATE_META.sub("", html)
    # Only text between tags: a date inside an attribute (a link's URL) stays as it was.
    return "".join(part if part.startswith("<") else WRITTEN_DATES.sub("", part)
                   for part in TAG.split(html))


__all__ = ["REDESIGNS", "Page", "redesigned"]
