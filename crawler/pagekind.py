"""Article or listing? The generic spider's decision, weighed from several pieces of evidence.

A site added by URL (``crescent crawl --site``) has no article pattern: each page must say what
it is. One signal is not enough. ``og:type website`` is common on news CMSs' article pages, and
article pages carry lists of related headlines; each alone rejected real articles (8 of 61 pages
of the evaluation set served as a site). Article evidence: a JSON-LD article object (worth two),
``og:type`` article, a headline of four words or more, a publication date from JSON-LD, meta
tags or the URL, and an article-shaped last URL segment (a slug of three words or more, a long
numeric id, or a .html name). Listing evidence: a pagination URL (worth three), a section,
category, tag, archive or home URL (worth two), an ``og:type`` other than article, and four
or more ``<time>`` elements (one per teaser). A page is a listing when it has no article
evidence at all, or more listing evidence than article evidence.

Measured: every page of the shared evaluation set (101 articles) and every article of the
replicas is judged an article; every listing, category, tag, archive and home page of the
replicas is judged a listing (tests/test_article_decision.py).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import unquote, urlsplit

# URL shapes of section fronts, archives and pagination.
LISTING_URL = re.compile(
    r"^/?(?:[a-z]{2}/?)?$|/page/\d+/?$|[?&](?:page|start|paged|p)=\d+|^/\d{4}/(?:\d{2}/){0,2}$"
    r"|/(?:category|categories|tag|tags|author|authors|rubric|archive|archives|search)(?:/|$)",
    re.IGNORECASE,
)
PAGINATION_URL = re.compile(r"/page/\d+/?$|[?&](?:page|start|paged|p)=\d+", re.IGNORECASE)
ARTICLE_OG_TYPES = frozenset({"article", "news", "newsarticle", "blogposting"})
HEADLINE_WORDS = 4
TEASER_TIMES = 4  # <time> elements: one per teaser on a listing, one or two on an article
PAGE_DATE_SOURCES = frozenset({"json-ld", "meta", "url"})  # a listing's dates are its teasers'
SLUG_WORD = re.compile(r"[^\W\d_]{2,}")
LONG_ID = re.compile(r"\d{5,}")
PAGE_NAME = re.compile(r"\.(?:s?html?|cms|php|aspx?)$", re.IGNORECASE)


def path_and_query(url: str) -> str:
    parts = urlsplit(url)
    return parts.path + (f"?{parts.query}" if parts.query else "")


def is_listing_url(url: str) -> bool:
    """A section front, archive or pagination page by its URL shape alone."""
    return bool(LISTING_URL.search(path_and_query(url)))


@dataclass
class PageEvidence:
    """Weighed evidence that a page is an article or a listing."""

    article: list[tuple[str, int]] = field(default_factory=list)
    listing: list[tuple[str, int]] = field(default_factory=list)

    @property
    def is_listing(self) -> bool:
        article = sum(weight for _label, weight in self.article)
        listing = sum(weight for _label, weight in self.listing)
        return article == 0 or listing > article

    def detail(self) -> str:
        def said(items: list[tuple[str, int]]) -> str:
            return ", ".join(label + (f" (×{weight})" if weight > 1 else "")
                             for label, weight in items) or "none"

        return f"listing: {said(self.listing)}; article: {said(self.article)}"


def weigh_page(url: str, *, article_types: set[str], og_type: str | None,
               headline: str | None, date_source: str | None, times: int) -> PageEvidence:
    """The evidence of a page: ``article_types`` are the article types (NewsArticle, …) of its
    main JSON-LD object, ``date_source`` where its publication date was found (if it was)."""
    evidence = PageEvidence()
    if article_types:
        evidence.article.append((f"JSON-LD {sorted(article_types)[0]}", 2))
    og = (og_type or "").strip().lower()
    if og in ARTICLE_OG_TYPES:
        evidence.article.append((f"og:type {og}", 1))
    elif og:
        evidence.listing.append((f"og:type {og[:40]}", 1))
    if headline and len(headline.split()) >= HEADLINE_WORDS:
        evidence.article.append(("headline", 1))
    if date_source in PAGE_DATE_SOURCES:
        evidence.article.append((f"date ({date_source})", 1))
    path = unquote(urlsplit(url).path)
    last = ([segment for segment in path.split("/") if segment] or [""])[-1]
    if len(SLUG_WORD.findall(last)) >= 3 or LONG_ID.search(last) or PAGE_NAME.search(last):
        evidence.article.append(("article-shaped URL", 1))
    if PAGINATION_URL.search(path_and_query(url)):
        evidence.listing.append(("pagination URL", 3))
    elif is_listing_url(url):
        evidence.listing.append(("section/archive URL", 2))
    if times >= TEASER_TIMES:
        evidence.listing.append((f"{times} <time> elements", 1))
    return evidence


def weigh_tree(tree: Any, url: str, *, main_ld: dict[str, Any] | None, news_types: set[str],
               headline: str | None, date_source: str | None) -> PageEvidence:
    """:func:`weigh_page` for a parsed page (an lxml tree, before any block is removed)."""
    kinds = main_ld.get("@type") if main_ld else None
    kinds = kinds if isinstance(kinds, list) else [kinds]
    article_types = {str(kind).lower() for kind in kinds if kind} & news_types
    og_type = (tree.xpath("//meta[@property='og:type']/@content") or [None])[0]
    return weigh_page(url, article_types=article_types, og_type=og_type, headline=headline,
                      date_source=date_source, times=int(tree.xpath("count(//time)")))
