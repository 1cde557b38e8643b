"""Replica sites of the real sources, served on 127.0.0.1 for the offline demo and the tests."""

from __future__ import annotations

from importlib import import_module

from crawler.demo.html import NEXT_DAY
from crawler.demo.server import ExcludedPage, ExpectedArticle, Page, ReplicaServer, ReplicaSite

REPLICA_SOURCES = (
    "redcrescent_az", "tgymj", "icrc", "anadolu", "turkmenportal", "turkmenistanlive",
)

__all__ = [
    "REPLICA_SOURCES", "ExcludedPage", "ExpectedArticle", "Page", "ReplicaServer", "ReplicaSite",
    "build_site", "publish_next_day",
]


def build_site(source: str, *, next_day: bool = False) -> ReplicaSite:
    """The replica of ``source``, rendered from its content file (``next_day``: with the
    articles it publishes the next day, from ``content/next-day.json``)."""
    if source not in REPLICA_SOURCES:
        raise KeyError(f"no replica for source {source!r}")
    token = NEXT_DAY.set(next_day)
    try:
        return import_module(f"crawler.demo.sites.{source}").build()
    finally:
        NEXT_DAY.reset(token)


def publish_next_day(servers: dict[str, ReplicaServer]) -> list[ExpectedArticle]:
    """Switch running replicas to their next-day state (new pages, listings and feeds), as
    news sites publish between two crawls; returns the articles that appeared."""
    published = []
    for name, server in servers.items():
        before = {article.url for article in server.site.articles}
        server.site = build_site(name, next_day=True)
        published += [a for a in server.site.articles if a.url not in before]
    return published
